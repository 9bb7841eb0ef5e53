"""BKP-091's comparison (``auditor.protection.evidence.compare``) at its edges: which record stands
for a plan rule's run, the words of each exclusion, "after" taken strictly, every record group
compared, a plan rule that did not run, records of another account-Region, and the evidence
objects :func:`evidence_frame` gives."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from auditor.evidence import Call, read_bundle
from auditor.model.frames import load_inventory
from auditor.protection import evidence as ev
from auditor.protection.evidence import compare, evidence_frame
from auditor.protection.resolver import resolve
from tests.builders import (
    COLLECTED_AT,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    BundleBuilder,
    plan_version_of,
    rule_id_of,
)
from tests.protection.evidence_compare import disagreements_by_key as _compare

DAY = timedelta(days=1)
RUN = COLLECTED_AT - DAY
MINUTE = timedelta(minutes=1)
WHERE = f"account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}"


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


class _Plan:
    """A plan ``daily`` whose selection names ``vol-0ran`` and ``vol-0skipped``; ``vol-0extra``
    is named by none."""

    def __init__(
        self,
        b: BundleBuilder,
        *,
        selection_created: datetime | None = None,
        skipped_created: datetime | None = None,
        extra_created: datetime | None = None,
        rules: list[dict[str, str]] | None = None,
    ) -> None:
        self.b = b
        self.ran = b.ebs_volume("vol-0ran")
        self.extra = b.ebs_volume("vol-0extra", created=extra_created)
        self.skipped = b.ebs_volume("vol-0skipped", created=skipped_created)
        self.plan = b.plan("daily", rules)
        self.selection = b.selection(
            self.plan, "by-arn", resources=[self.ran, self.skipped], created=selection_created
        )

    def job(
        self, arn: str, *, when: datetime = RUN, state: str = "COMPLETED", version: str | None = None
    ) -> str:
        return self.b.job(
            arn,
            "EBS",
            created=when,
            state=state,
            plan_id=self.plan,
            plan_version=version or plan_version_of(self.plan),
            rule_id=rule_id_of(self.plan),
        )


# -- which record stands for the run ------------------------------------------------------------


def test_backed_up_not_predicted_names_the_finished_record_even_when_it_is_not_the_first(
    tmp_path: Path,
) -> None:
    b = BundleBuilder()
    p = _Plan(b)
    p.job(p.ran)
    p.job(p.skipped)
    p.job(p.extra, state="RUNNING")
    done = p.job(p.extra, when=RUN + 5 * MINUTE)
    d = _compare(b, tmp_path)[("backed-up-not-predicted", "vol-0extra")]
    assert d.evidence is not None and d.evidence.id == done and d.excluded is None


def test_a_skipped_resource_is_compared_with_the_rules_own_finished_run_not_a_later_running_one(
    tmp_path: Path,
) -> None:
    """A record without a rule id runs for every rule of the plan, but while it is still running
    it is not the rule's finished run: the skipped volume's evidence is the rule's own job."""
    b = BundleBuilder()
    p = _Plan(b)
    own = p.job(p.ran)
    b.job(p.extra, "EBS", created=RUN + 5 * MINUTE, state="RUNNING", plan_id=p.plan)
    found = _compare(b, tmp_path)
    skipped = found[("predicted-not-backed-up", "vol-0skipped")]
    assert skipped.excluded is None and skipped.evidence is not None and skipped.evidence.id == own


def test_a_rule_whose_only_record_is_a_running_one_without_rule_id_is_still_running(tmp_path: Path) -> None:
    b = BundleBuilder()
    p = _Plan(b)
    running = b.job(p.ran, "EBS", created=RUN, state="RUNNING", plan_id=p.plan)
    d = _compare(b, tmp_path)[("predicted-not-backed-up", "vol-0skipped")]
    assert d.excluded == ev.EXCLUDED_RUNNING
    assert d.note == "the rule's only jobs in the window are still running"
    assert d.evidence is not None and d.evidence.id == running


def test_an_excluded_skip_carries_the_rules_latest_record(tmp_path: Path) -> None:
    b = BundleBuilder()
    p = _Plan(b)
    p.job(p.ran, version="old-version")
    latest = p.job(p.extra, when=RUN + 5 * MINUTE, version="old-version")
    d = _compare(b, tmp_path)[("predicted-not-backed-up", "vol-0skipped")]
    assert d.excluded == ev.EXCLUDED_VERSION
    assert d.note == f"every run in the window used an earlier plan version (now {plan_version_of(p.plan)})"
    assert d.evidence is not None and d.evidence.id == latest


# -- the words of each exclusion, and "after" taken strictly ----------------------------------------


def test_a_selection_created_at_the_run_time_is_not_after_the_run(tmp_path: Path) -> None:
    """Backed up, not predicted: excluded only when a selection was created after the run. Skipped:
    a disagreement only when the rule ran after the selection that protects it was created."""
    b = BundleBuilder()
    p = _Plan(b, selection_created=RUN)
    p.job(p.ran)
    p.job(p.extra)
    found = _compare(b, tmp_path)
    assert found[("backed-up-not-predicted", "vol-0extra")].excluded is None
    skipped = found[("predicted-not-backed-up", "vol-0skipped")]
    assert skipped.excluded == ev.EXCLUDED_SELECTION
    assert skipped.note == (
        f"the selection that protects it was created at {_iso(RUN)}, after the rule's last run"
    )


def test_a_selection_created_after_the_run_is_named_with_its_time(tmp_path: Path) -> None:
    b = BundleBuilder()
    later = RUN + timedelta(hours=2)
    p = _Plan(b, selection_created=later)
    p.job(p.ran)
    p.job(p.extra)
    d = _compare(b, tmp_path)[("backed-up-not-predicted", "vol-0extra")]
    assert d.excluded == ev.EXCLUDED_SELECTION
    assert d.note == (
        f"selection `by-arn` was created at {_iso(later)}, after the run: the plan's selections then "
        "are not all in the bundle"
    )


def test_a_resource_created_at_the_run_time_is_not_after_the_run(tmp_path: Path) -> None:
    """Backed up, not predicted: excluded only when the resource was created after the run (the
    record was of an earlier resource). Skipped: a disagreement only when the rule ran after the
    resource existed."""
    b = BundleBuilder()
    p = _Plan(b, skipped_created=RUN, extra_created=RUN)
    p.job(p.ran)
    p.job(p.extra)
    found = _compare(b, tmp_path)
    assert found[("backed-up-not-predicted", "vol-0extra")].excluded is None
    skipped = found[("predicted-not-backed-up", "vol-0skipped")]
    assert skipped.excluded == ev.EXCLUDED_RESOURCE
    assert skipped.note == f"the resource was created at {_iso(RUN)}, after the rule's last run"


def test_a_resource_created_after_the_run_is_named_with_its_time(tmp_path: Path) -> None:
    b = BundleBuilder()
    young = RUN + timedelta(hours=1)
    p = _Plan(b, extra_created=young)
    p.job(p.ran)
    p.job(p.skipped)
    p.job(p.extra)
    d = _compare(b, tmp_path)[("backed-up-not-predicted", "vol-0extra")]
    assert d.excluded == ev.EXCLUDED_RESOURCE
    assert d.note == (
        f"the resource was created at {_iso(young)}, after the run (an earlier resource of the same ARN)"
    )


def test_a_resource_without_a_creation_time_is_reported_with_a_note(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    other = b.dynamodb_table("other")
    plan = b.plan("daily")
    b.selection(plan, "tables", resources=[table, other])
    b.job(other, "DynamoDB", created=RUN, plan_id=plan, rule_id=rule_id_of(plan))
    d = _compare(b, tmp_path)[("predicted-not-backed-up", "orders")]
    assert d.excluded is None
    assert d.note == (
        f"the bundle does not say when the resource was created: if after {_iso(RUN)}, the rule had "
        "no run to back it up yet"
    )


def test_every_operation_not_collected_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    p = _Plan(b)
    for arn in (p.ran, p.extra):
        b.recovery_point(
            arn,
            "EBS",
            created=RUN,
            plan_id=p.plan,
            plan_version=plan_version_of(p.plan),
            rule_id=rule_id_of(p.plan),
        )
    b.error("backup", "DescribeRegionSettings")
    b.error("backup", "ListBackupJobs")
    d = _compare(b, tmp_path)[("backed-up-not-predicted", "vol-0extra")]
    assert d.excluded == ev.EXCLUDED_PARTIAL
    assert d.note == (
        f"{WHERE} was not fully read (backup.DescribeRegionSettings, backup.ListBackupJobs not collected)"
    )


# -- which records are compared --------------------------------------------------------------------


def test_every_plan_rules_records_are_compared_after_one_without_a_difference(tmp_path: Path) -> None:
    """The older records (a plan's run that backed up only what it predicts; a plan that is not in
    the bundle) do not stop the comparison of the newer ones."""
    for older in ("predicted", "unknown-plan"):
        b = BundleBuilder()
        ran = b.ebs_volume("vol-0ran")
        extra = b.ebs_volume("vol-0extra")
        first = b.plan("first")
        b.selection(first, "by-arn", resources=[ran])
        other = b.plan("other")
        b.selection(other, "none", resources=["arn:aws:ec2:*:*:volume/vol-0none"])
        if older == "predicted":
            b.job(ran, "EBS", created=RUN - timedelta(hours=1), plan_id=first, rule_id=rule_id_of(first))
        else:
            b.job(ran, "EBS", created=RUN - timedelta(hours=1), plan_id="0000-gone", rule_id="rule-gone")
        job = b.job(extra, "EBS", created=RUN, plan_id=other, rule_id=rule_id_of(other))
        found = _compare(b, tmp_path / older)
        d = found[("backed-up-not-predicted", "vol-0extra")]
        assert d.plan_name == "other" and d.evidence is not None and d.evidence.id == job, older


def test_a_record_of_a_resource_of_another_region_is_not_compared(tmp_path: Path) -> None:
    """A recovery point in eu-central-1 of a volume of eu-west-1 (a copy), created by a plan of
    eu-central-1 that does not select the volume: a record of another account-Region's resource,
    not a disagreement; a volume of eu-central-1 in the same plan's run is one."""
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, "eu-central-1"])
    volume = b.ebs_volume("vol-0west")
    local = b.ebs_volume("vol-0central", region="eu-central-1")
    plan = b.plan("central", region="eu-central-1")
    b.selection(plan, "none", resources=["arn:aws:ec2:*:*:volume/vol-0none"], region="eu-central-1")
    for arn in (volume, local):
        b.recovery_point(
            arn,
            "EBS",
            created=RUN,
            plan_id=plan,
            plan_version=plan_version_of(plan),
            rule_id=rule_id_of(plan),
            region="eu-central-1",
        )
    found = _compare(b, tmp_path)
    assert set(found) == {("backed-up-not-predicted", "vol-0central")}


def test_a_rule_that_did_not_run_in_the_window_has_no_skipped_resource(tmp_path: Path) -> None:
    """A plan with a daily and a monthly rule; only the daily one ran in the window: the skipped
    volume disagrees with the daily rule only."""
    b = BundleBuilder()
    p = _Plan(b, rules=[{}, {"RuleName": "monthly", "ScheduleExpression": "cron(0 5 1 * ? *)"}])
    p.job(p.ran)
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    found = compare(inv, resolve(inv), COLLECTED_AT, 14)
    assert [(d.disagreement, d.resource_arn, d.plan_rule_name) for d in found] == [
        ("predicted-not-backed-up", p.skipped, "daily")
    ]


def test_a_plan_whose_rules_were_not_read_is_compared_by_the_records_rule_id(tmp_path: Path) -> None:
    """GetBackupPlan denied: the plan's rules are unknown. Its record of a volume no selection
    names still disagrees, named by the record's rule id (no rule name to give)."""
    b = BundleBuilder()
    p = _Plan(b)
    p.job(p.ran)
    p.job(p.extra)
    b.error("backup", "GetBackupPlan")
    found = _compare(b, tmp_path)
    d = found[("backed-up-not-predicted", "vol-0extra")]
    assert (d.plan_name, d.plan_rule_id, d.plan_rule_name) == ("daily", rule_id_of(p.plan), None)


# -- evidence_frame ----------------------------------------------------------------------------------


def test_evidence_frame_gives_the_records_a_plan_created_with_their_fields(tmp_path: Path) -> None:
    b = BundleBuilder()
    p = _Plan(b)
    job = p.job(p.ran)
    b.job(p.extra, "EBS", created=RUN)  # on demand
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    (e,) = evidence_frame(inv, COLLECTED_AT, 14)
    assert (e.kind, e.id, e.resource_arn, e.state) == ("backup-job", job, p.ran, "COMPLETED")
    assert (e.plan_id, e.plan_version, e.rule_id) == (p.plan, plan_version_of(p.plan), rule_id_of(p.plan))
    assert (e.account_id, e.region, e.time) == (DEFAULT_ACCOUNT, DEFAULT_REGION, RUN)
    every = evidence_frame(inv, COLLECTED_AT, 14, scheduled_only=False)
    assert sorted(x.resource_arn for x in every) == sorted([p.ran, p.extra])


def test_a_selection_without_a_creation_date_does_not_exclude_the_skip(tmp_path: Path) -> None:
    """GetBackupSelection's answer without ``CreationDate`` (an optional member): when the
    selection came is unknown, so the skip is not excluded for it."""
    b = BundleBuilder()
    p = _Plan(b)
    p.job(p.ran)
    sid = p.selection
    b.raw_calls(
        "backup",
        "GetBackupSelection",
        [
            Call(
                {"BackupPlanId": p.plan, "SelectionId": sid},
                {
                    "BackupSelection": {
                        "SelectionName": "by-arn",
                        "IamRoleArn": f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole",
                        "Resources": [p.ran, p.skipped],
                    },
                    "SelectionId": sid,
                    "BackupPlanId": p.plan,
                },
            )
        ],
    )
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    assert inv.selections["creation_date"].isna().all()
    found = {(d.disagreement, d.resource_arn): d for d in compare(inv, resolve(inv), COLLECTED_AT, 14)}
    d = found[("predicted-not-backed-up", p.skipped)]
    assert d.excluded is None and d.note == "" and d.selection_name == "by-arn"


def test_the_selections_of_a_plan_the_bundle_does_not_list_do_not_stop_the_comparison(
    tmp_path: Path,
) -> None:
    """A bundle whose ListBackupPlans lacks plan ``ghost`` while its selections are there: the
    predictions of ``ghost`` (no plan, no rules to compare) are skipped, those of the listed plan
    are compared."""
    b = BundleBuilder()
    first = b.ebs_volume("vol-0a")
    skipped = b.ebs_volume("vol-0z")
    ghost = b.plan("ghost")
    b.selection(ghost, "every-volume", resources=["arn:aws:ec2:*:*:volume/*"])
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[skipped])
    b.job(
        first, "EBS", created=RUN, plan_id=plan, plan_version=plan_version_of(plan), rule_id=rule_id_of(plan)
    )
    listed = {
        "BackupPlanArn": f"arn:aws:backup:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:backup-plan:{plan}",
        "BackupPlanId": plan,
        "CreationDate": COLLECTED_AT - 100 * DAY,
        "VersionId": plan_version_of(plan),
        "BackupPlanName": "daily",
    }
    b.raw_calls("backup", "ListBackupPlans", [Call({}, {"BackupPlansList": [listed]})])
    found = _compare(b, tmp_path)
    assert set(found) == {("backed-up-not-predicted", "vol-0a"), ("predicted-not-backed-up", "vol-0z")}
    assert {d.plan_name for d in found.values()} == {"daily"}
