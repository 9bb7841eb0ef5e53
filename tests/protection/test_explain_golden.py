"""The whole text of ``explain`` for every resource of two bundles, against a reviewed golden file.

The line-level tests in ``test_explain.py`` check what each trail says; this one pins every line,
so a changed word, mark or ordering in ``render_text`` shows up as a diff (it is what kills the
text mutants of ``make mutation``). Regenerate after an intended change with::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/protection/test_explain_golden.py

and review the diff of ``tests/protection/golden/explain.txt`` before committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.explain import explain, render_text
from auditor.protection.resolver import resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.report.report_bundle import build as build_report_bundle

GOLDEN = Path(__file__).parent / "golden" / "explain.txt"
A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def _trail_bundle(path: Path) -> tuple[Path, list[str]]:
    """Every branch of the text: cluster member, engine, attached volumes (of a protected, an
    unprotected and an unlisted instance), empty selection, ListOfTags, a StringNot* condition on
    a missing key, FSx tags on the file system, an unsupported resource."""
    b = BundleBuilder()
    b.opt_in("EFS", False)
    cluster = b.rds_cluster("orders", engine="aurora-postgresql", tags={"backup": "daily"})
    custom = b.rds_instance("custom-1", engine="custom-sqlserver-ee", tags={"backup": "daily"})
    web = b.ec2_instance("i-0web", tags={"backup": "daily"})
    dev = b.ec2_instance("i-0dev")
    vol_web = b.ebs_volume("vol-0web", attached_to="i-0web")
    vol_dev = b.ebs_volume("vol-0dev", attached_to=["i-0dev", "i-0gone"])
    b.fsx_file_system("fs-0files", tags={"backup": "daily", "team": "data"})
    fsx_vol = b.fsx_volume("fs-0files", "fsvol-0home")
    b.fsx_file_system("fs-0bare")
    bare_vol = b.fsx_volume("fs-0bare", "fsvol-0bare")
    efs = b.efs("fs-0lake", tags={"backup": "daily"})
    table = b.dynamodb_table("sessions", region="us-east-1")
    b.selection(b.plan("all", region="us-east-1"), "everything", region="us-east-1")
    daily = b.plan("daily")
    b.selection(daily, "tagged", list_of_tags=[("backup", "daily")])
    b.selection(daily, "web-by-arn", resources=[web])
    b.selection(
        daily,
        "not-scratch",
        resources=["arn:aws:ec2:*:*:volume/*"],
        not_resources=["arn:aws:ec2:*:*:volume/vol-0none"],
        conditions=[("StringNotEquals", "aws:ResourceTag/tier", "scratch")],
    )
    member = f"arn:aws:rds:{R}:{A}:db:orders-instance-1"
    return b.build(path), [member, cluster, custom, web, dev, vol_web, vol_dev, fsx_vol, bare_vol, efs, table]


def _render_all(bundle: Path, arns: list[str] | None = None) -> str:
    inventory = load_inventory(read_bundle(bundle))
    protection = resolve(inventory)
    wanted = arns if arns is not None else sorted(protection.verdicts["arn"].tolist())
    return "".join(render_text(explain(inventory, protection, arn)) + "\n" for arn in wanted)


def test_explain_text_of_every_resource_matches_the_golden_file(tmp_path: Path) -> None:
    bundle, arns = _trail_bundle(tmp_path / "trails")
    report = build_report_bundle(tmp_path / "report")
    actual = _render_all(report) + _render_all(bundle, arns)
    for needle in ("asked ", "(engine ", "attached to ", "[NOT LISTED]", "(empty selection", "ListOfTags ",
                   "reading ", "-> none of", "(and 1 more)", "[fsx  ]", "unsupported ", "NOT AUDITED", "parent "):  # fmt: skip
        assert needle in actual, f"the golden scenario no longer covers {needle!r}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8", newline="")
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "actual", n=1)
    )
    assert actual == expected, f"explain text changed (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}"
