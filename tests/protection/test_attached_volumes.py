"""EBS volumes attached to EC2 instances, and DB instances that are cluster members.

AWS Backup's EC2 backup is an AMI holding a snapshot of every EBS volume attached to the instance
("Amazon EBS multi-volume, crash-consistent backups"), so an attached volume of a protected
instance is protected even when no selection names it. Each test builds a bundle, normalises it,
resolves it (and, where a rule is concerned, evaluates every rule on it).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.model.results import EvaluationResult
from auditor.protection.explain import InstancePath, UnknownResourceError, explain, render_text
from auditor.protection.resolver import Protection, resolve
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def _resolve(b: BundleBuilder, tmp_path: Path) -> tuple[Inventory, Protection]:
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    return inv, resolve(inv)


def _verdict(p: Protection, arn: str) -> tuple[bool | None, str]:
    rows = p.verdicts[p.verdicts["arn"] == arn]
    assert len(rows) == 1
    value = rows["protected"].iloc[0]
    return (None if value is None else bool(value)), str(rows["reason"].iloc[0])


def _rows(p: Protection, arn: str) -> list[dict[str, object]]:
    m = p.matches
    return [dict(r) for _, r in m[m["arn"] == arn].iterrows()]


def _evaluate(b: BundleBuilder, tmp_path: Path) -> EvaluationResult:
    return evaluate_bundle(read_bundle(b.build(tmp_path / "evaluated")))


def _arns(result: EvaluationResult, rule_id: str) -> set[str | None]:
    return {f.resource_arn for f in result.findings if f.rule_id == rule_id}


# ---------------------------------------------------------------------------------------------
# Resolver
# ---------------------------------------------------------------------------------------------


def test_attached_volume_of_protected_instance_is_protected_via_instance(tmp_path: Path) -> None:
    b = BundleBuilder()
    inst = b.ec2_instance("i-0web", tags={"backup": "daily"})
    vol = b.ebs_volume("vol-0data", attached_to="i-0web")
    loose = b.ebs_volume("vol-0loose")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, inst)[0] is True
    protected, reason = _verdict(p, vol)
    assert protected is True
    assert reason == "backed up with its EC2 instance i-0web (plan `daily` / selection `tagged`)"
    (row,) = _rows(p, vol)
    assert row["via"] == "instance" and row["through_arn"] == inst
    assert row["effective"] is True and row["blocked_by"] is None
    assert row["selection_name"] == "tagged" and row["plan_name"] == "daily"
    assert _verdict(p, loose)[0] is False  # not attached: nothing saves it


def test_attached_volume_of_unprotected_instance_stays_unprotected_and_says_why(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0dev")
    vol = b.ebs_volume("vol-0dev", attached_to="i-0dev")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, vol)
    assert protected is False
    assert "the EC2 instance it is attached to (i-0dev) is not protected either" in reason
    assert _rows(p, vol) == []


def test_volume_selected_in_its_own_right_keeps_its_own_verdict(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0web", tags={"backup": "daily"})
    vol = b.ebs_volume("vol-0data", tags={"backup": "daily"}, attached_to="i-0web")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, vol)
    assert protected is True and reason.startswith("protected by plan `daily` / selection `tagged`")
    assert [r["via"] for r in _rows(p, vol)] == ["tags"]  # no second row through the instance


def test_own_selection_blocked_by_opt_in_but_instance_protected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EBS", False)
    inst = b.ec2_instance("i-0web")
    vol = b.ebs_volume("vol-0data", tags={"backup": "daily"}, attached_to="i-0web")
    plan = b.plan("daily")
    b.selection(plan, "volumes-by-tag", list_of_tags=[("backup", "daily")])
    b.selection(plan, "web", resources=[inst])
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, vol)
    assert protected is True
    assert reason.startswith("backed up with its EC2 instance i-0web (plan `daily` / selection `web`)")
    assert "its own selection plan `daily` / selection `volumes-by-tag` is skipped (opt-in)" in reason
    by_via = {r["via"]: r for r in _rows(p, vol)}
    assert by_via["tags"]["blocked_by"] == "opt-in" and by_via["tags"]["effective"] is False
    assert by_via["instance"]["effective"] is True and by_via["instance"]["through_arn"] == inst

    result = _evaluate(b, tmp_path)
    assert vol not in _arns(result, "BKP-001")  # backed up with its instance: nothing skipped in effect
    assert vol not in _arns(result, "BKP-002")
    (region_level,) = [f for f in result.findings if f.rule_id == "BKP-004"]
    assert region_level.details["blocked_count"] == 1  # the Region-level count still shows it


def test_unknown_instance_verdict_makes_the_volume_unknown_not_false(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0web")
    vol = b.ebs_volume("vol-0data", attached_to="i-0web")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    b.error("backup", "GetBackupSelection")
    inv, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, vol)
    assert protected is None
    assert reason.startswith("not audited: attached to EC2 instance i-0web, whose protection is unknown")
    (path,) = explain(inv, p, vol).attached_instances
    assert path.listed and path.protected is None, "explain shows the instance's unknown verdict, not False"
    assert f"  [NOT AUDITED] {path.arn}" in render_text(explain(inv, p, vol)).splitlines()


def test_instance_listing_not_collected_leaves_attached_volume_undecided(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0web", tags={"backup": "daily"})
    attached = b.ebs_volume("vol-0data", attached_to="i-0web")
    loose = b.ebs_volume("vol-0loose")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    b.error("ec2", "DescribeInstances")
    inv, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, attached)
    assert protected is None
    assert "ec2.DescribeInstances was not collected" in reason and "i-0web" in reason
    assert _verdict(p, loose)[0] is False  # its verdict does not depend on any instance
    assert "ec2.DescribeInstances" in explain(inv, p, attached).missing_operations
    assert attached not in _arns(_evaluate(b, tmp_path), "BKP-002")


@pytest.mark.parametrize("state", ["detaching", "detached"])
def test_volume_being_detached_is_not_backed_up_with_the_instance(tmp_path: Path, state: str) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0web", tags={"backup": "daily"})
    vol = b.ebs_volume("vol-0data", attached_to="i-0web", attachment_state=state)
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, vol)[0] is False


def test_attaching_volume_counts_as_attached(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0web", tags={"backup": "daily"})
    vol = b.ebs_volume("vol-0data", attached_to="i-0web", attachment_state="attaching")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, vol)[0] is True


def test_multi_attached_volume_is_protected_when_any_instance_is(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ec2_instance("i-0a")
    saved_by = b.ec2_instance("i-0b", tags={"backup": "daily"})
    vol = b.ebs_volume("vol-0shared", attached_to=["i-0a", "i-0b"])
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    protected, reason = _verdict(p, vol)
    assert protected is True and "i-0b" in reason
    assert [r["through_arn"] for r in _rows(p, vol)] == [saved_by]


def test_instance_opt_in_off_means_its_volumes_are_not_saved_either(tmp_path: Path) -> None:
    """The instance itself is skipped (tag-only selection, EC2 opt-in off): so are its volumes."""
    b = BundleBuilder()
    b.opt_in("EC2", False)
    b.ec2_instance("i-0web", tags={"backup": "daily"})
    vol = b.ebs_volume("vol-0data", attached_to="i-0web")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, vol)[0] is False


def test_instance_selections_only_reach_volumes_of_the_same_account_region(tmp_path: Path) -> None:
    """An attachment names an instance of the volume's own account and Region; an instance with the
    same id elsewhere is another instance."""
    b = BundleBuilder()
    b.ec2_instance("i-0same", tags={"backup": "daily"}, region="us-east-1")
    b.selection(
        b.plan("daily", region="us-east-1"), "tagged", list_of_tags=[("backup", "daily")], region="us-east-1"
    )
    vol = b.ebs_volume("vol-0data", attached_to="i-0same")  # eu-west-1: no such instance there
    _, p = _resolve(b, tmp_path)
    assert _verdict(p, vol)[0] is False


def test_plan_records_and_resource_records_show_the_instance_route(tmp_path: Path) -> None:
    b = BundleBuilder()
    inst = b.ec2_instance("i-0web")
    vol = b.ebs_volume("vol-0data", attached_to="i-0web")
    b.selection(b.plan("daily"), "web", resources=[inst])
    result = _evaluate(b, tmp_path)
    (plan,) = result.plans
    assert plan["selections"][0]["protected_arns"] == sorted([inst, vol])
    (record,) = [r for r in result.resources if r["arn"] == vol]
    assert record["protected"] is True and [s["selection_name"] for s in record["selections"]] == ["web"]
    assert result.summary["by_rule"].get("BKP-002") is None


# ---------------------------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------------------------


def test_explain_shows_the_instance_path(tmp_path: Path) -> None:
    b = BundleBuilder()
    inst = b.ec2_instance("i-0web")
    vol = b.ebs_volume("vol-0data", attached_to="i-0web")
    b.selection(b.plan("daily"), "web", resources=[inst])
    inv, p = _resolve(b, tmp_path)
    e = explain(inv, p, vol)
    assert e.protected is True
    (path,) = e.attached_instances
    assert path.arn == inst and path.listed and path.protected is True
    assert path.selections == ("plan `daily` / selection `web`",)
    text = render_text(e)
    assert "attached to 1 EC2 instance(s)" in text
    assert f"[PROTECTED] {inst}" in text
    assert "protected by plan `daily` / selection `web`" in text
    assert text.rstrip().endswith(
        "verdict    PROTECTED: backed up with its EC2 instance i-0web (plan `daily` / selection `web`)"
    )


def test_explain_shows_why_the_instance_does_not_save_the_volume(tmp_path: Path) -> None:
    b = BundleBuilder()
    inst = b.ec2_instance("i-0dev")
    vol = b.ebs_volume("vol-0data", attached_to=["i-0dev", "i-0gone"])
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    inv, p = _resolve(b, tmp_path)
    e = explain(inv, p, vol)
    assert e.protected is False
    by_arn = {i.arn: i for i in e.attached_instances}
    assert by_arn[inst].protected is False and by_arn[inst].listed
    assert not by_arn[f"arn:aws:ec2:{R}:{A}:instance/i-0gone"].listed
    text = render_text(e)
    assert f"[NOT PROTECTED] {inst}" in text and f"[NOT LISTED] arn:aws:ec2:{R}:{A}:instance/i-0gone" in text


def test_explain_lists_every_instance_after_an_unlisted_one(tmp_path: Path) -> None:
    """An instance the bundle does not list is shown as such, and the instances after it still are."""
    b = BundleBuilder()
    inst = b.ec2_instance("i-0dev")
    vol = b.ebs_volume("vol-0data", attached_to=["i-0abandoned", "i-0dev"])
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    inv, p = _resolve(b, tmp_path)
    e = explain(inv, p, vol)
    gone = f"arn:aws:ec2:{R}:{A}:instance/i-0abandoned"
    assert e.attached_instances[0] == InstancePath(gone, False, None, "not a resource of this bundle", ())
    lines = render_text(e).splitlines()
    at = lines.index(f"  [NOT LISTED] {gone}: not a resource of this bundle")
    assert lines[at + 1] == f"  [NOT PROTECTED] {inst}"
    assert lines[at + 2].startswith("      -> none of the 1 backup selection(s)")


def test_explain_on_a_cluster_member_shows_its_cluster(tmp_path: Path) -> None:
    b = BundleBuilder()
    cluster = b.rds_cluster("orders", engine="aurora-mysql", member_instances=2)
    b.selection(b.plan("daily"), "clusters", resources=[cluster])
    inv, p = _resolve(b, tmp_path)
    member = f"arn:aws:rds:{R}:{A}:db:orders-instance-2"
    e = explain(inv, p, member)
    assert e.member_arn == member and e.arn == cluster and e.protected is True
    text = render_text(e)
    assert (
        text.splitlines()[0]
        == f"asked      {member}: member of cluster {cluster}; protected through its cluster"
    )
    assert "verdict    PROTECTED: protected by plan `daily` / selection `clusters`" in text


def test_explain_on_a_member_whose_cluster_was_not_listed_is_bad_input(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.rds_cluster("orders", engine="aurora-mysql")
    b.error("rds", "DescribeDBClusters")
    inv, p = _resolve(b, tmp_path)
    member = f"arn:aws:rds:{R}:{A}:db:orders-instance-1"
    with pytest.raises(UnknownResourceError) as raised:
        explain(inv, p, member)
    assert str(raised.value) == (
        f"{member}: member of cluster arn:aws:rds:eu-west-1:111111111111:cluster:orders, which is not a "
        "resource of this bundle (its cluster listing may not have been collected)"
    )


# ---------------------------------------------------------------------------------------------
# Recovery points of cluster members (BKP-010 / BKP-014)
# ---------------------------------------------------------------------------------------------


def test_recovery_points_of_existing_cluster_members_are_not_orphans(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.rds_cluster("ledger", engine="postgres", member_instances=1)
    b.rds_cluster("orders", engine="aurora-mysql", member_instances=1)
    maz_member = f"arn:aws:rds:{R}:{A}:db:ledger-instance-1"
    aurora_member = f"arn:aws:rds:{R}:{A}:db:orders-instance-1"
    gone = f"arn:aws:rds:{R}:{A}:db:ledger-instance-9"
    b.recovery_point(maz_member, "RDS", created=COLLECTED_AT - timedelta(days=2))
    b.recovery_point(aurora_member, "Aurora", created=COLLECTED_AT - timedelta(days=2))
    b.recovery_point(gone, "RDS", created=COLLECTED_AT - timedelta(days=2))
    result = _evaluate(b, tmp_path)
    assert _arns(result, "BKP-014") == {gone}  # a member that is really gone is still reported
    assert _arns(result, "BKP-010") == set()
    assert result.summary["recovery_point_sources_not_judged"] == {"recovery_points": 0, "sources": 0}
