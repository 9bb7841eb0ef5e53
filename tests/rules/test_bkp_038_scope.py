"""BKP-038 with a tag scope judges only the protected resources with the tag (mutation-run
survivor of bkp_038's ``evaluate``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.controls import Control, Controls, ControlScope, RestoreTimeParams
from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def test_a_tag_scope_judges_only_the_tagged_resources(tmp_path: Path) -> None:
    b = BundleBuilder()
    prod = b.efs("fs-0prod", tags={"Env": "prod"})
    dev = b.efs("fs-0dev", tags={"Env": "dev"})
    b.selection(b.plan("daily"), "files", resources=[prod, dev])
    control = Control(RestoreTimeParams(), scope=ControlScope(tag_key="Env", tag_value="prod"))
    settings = RuleSettings(controls=replace(Controls(), bkp_038=control))
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-038", settings)
    assert finding.resource_arn == prod
    assert finding.details["why"] == "not covered" and finding.details["scope"] == "tag Env=prod"
