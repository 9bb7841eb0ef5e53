"""What decided the prediction a BKP-091 disagreement contradicts (``auditor.protection.evidence``):
the deciding selection and its ``explain`` line read the resource's own facts (unsupported, the
FSx file system's tags, its stack), and a plan without selections decides with none."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.evidence import BACKED_UP_NOT_PREDICTED, Disagreement, compare
from auditor.protection.parents import STACK_READING
from auditor.protection.resolver import resolve
from tests.builders import COLLECTED_AT, BundleBuilder, rule_id_of

RUN = COLLECTED_AT - timedelta(days=1)
OUTPOST = "arn:aws:outposts:eu-west-1:111111111111:outpost/op-0123456789abcdef0"


def _backed_up_not_predicted(b: BundleBuilder, tmp_path: Path) -> dict[str, Disagreement]:
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    found = compare(inv, resolve(inv), COLLECTED_AT, 14)
    assert {d.disagreement for d in found} == {BACKED_UP_NOT_PREDICTED}
    by_arn = {d.resource_arn: d for d in found}
    assert len(by_arn) == len(found)
    return by_arn


def _ran(b: BundleBuilder, plan: str, arn: str, resource_type: str) -> None:
    b.job(arn, resource_type, created=RUN, plan_id=plan, rule_id=rule_id_of(plan))


def test_a_resource_aws_backup_cannot_protect_is_selected_but_not_predicted(tmp_path: Path) -> None:
    """An S3 bucket without versioning, an RDS Custom instance and an RDS instance on an Outpost
    that a plan's selection names by ARN are not predicted (AWS Backup cannot protect them): a job
    of the plan for one of them disagrees, and the selection's line says why."""
    b = BundleBuilder()
    bucket = b.s3_bucket("logs", versioning="Suspended")
    custom = b.rds_instance("custom-db", engine="custom-oracle-ee")
    edge = b.rds_instance("edge-db", outpost_arn=OUTPOST)
    plan = b.plan("daily")
    sid = b.selection(plan, "by-arn", resources=[bucket, custom, edge])
    for arn, t in ((bucket, "S3"), (custom, "RDS"), (edge, "RDS")):
        _ran(b, plan, arn, t)
    found = _backed_up_not_predicted(b, tmp_path)
    assert set(found) == {bucket, custom, edge}
    for arn, d in found.items():
        assert d.excluded is None, arn
        assert (d.selection_id, d.selection_name, d.reading) == (sid, "by-arn", None), arn
        assert d.reading_text == f"selected by exact ARN `{arn}`; but AWS Backup cannot protect this resource"


def test_an_ontap_volume_selected_only_by_its_file_systems_tags_says_so(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-0ontap", tags={"backup": "yes"})
    volume = b.fsx_volume("fs-0ontap", "fsvol-0data")
    plan = b.plan("tagged")
    sid = b.selection(plan, "by-tag", list_of_tags=[("backup", "yes")])
    _ran(b, plan, volume, "FSx")
    d = _backed_up_not_predicted(b, tmp_path)[volume]
    assert (d.selection_id, d.selection_name, d.reading) == (sid, "by-tag", None)
    assert d.reading_text == (
        "no ListOfTags entry matches; its file system's tags would match: tags must be on the volume"
    )


def test_a_resource_of_a_stack_is_decided_by_the_stack_reading(tmp_path: Path) -> None:
    """No selection-level reading decides: the resource is part of a stack, so reading A15 (what
    a stack holds) is the one its record contradicts; outside a stack, no reading decides."""
    for in_stack in (True, False):
        b = BundleBuilder()
        table = b.dynamodb_table("orders")
        if in_stack:
            b.cloudformation_stack("app", resources=[("AWS::DynamoDB::Table", "orders")])
        plan = b.plan("daily")
        sid = b.selection(plan, "other", resources=["arn:aws:dynamodb:*:*:table/other"])
        _ran(b, plan, table, "DynamoDB")
        d = _backed_up_not_predicted(b, tmp_path / str(in_stack))[table]
        if in_stack:
            assert (d.selection_id, d.reading, d.reading_text) == (sid, "A15", STACK_READING)
        else:
            assert (d.selection_id, d.reading, d.reading_text) == (sid, None, "no Resources pattern matches")


def test_a_plan_without_selections_decides_with_no_selection(tmp_path: Path) -> None:
    """A plan that has no selection (yet) but whose rule backed a resource up: the disagreement
    names no selection (None, not a made-up name)."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    plan = b.plan("no-selections")
    _ran(b, plan, table, "DynamoDB")
    d = _backed_up_not_predicted(b, tmp_path)[table]
    assert d.plan_name == "no-selections" and d.plan_rule_name == "daily" and d.excluded is None
    assert (d.selection_id, d.selection_name, d.reading) == (None, None, None)
    assert d.reading_text == "the plan has no selection in the resource's account and Region"
