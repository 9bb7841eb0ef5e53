"""The registry refuses malformed rules at import time and finds every rule module by itself."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.model.results import Finding, Severity
from auditor.rules.base import Remediation, Rule, RuleContext, RuleDefinitionError, RuleMetadata, RuleSettings
from auditor.rules.registry import RuleRegistry, rules
from auditor.services import Scope, operation

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"
GOOD_DOC = f"""Example rule.

What it does
    Something.

Why it matters
    Because.

Example
    An example.

References
    - {DOC}
"""


def _meta(rule_id: str = "BKP-901", **changes: object) -> RuleMetadata:
    fields: dict[str, object] = {
        "id": rule_id,
        "title": "A title",
        "severity": Severity.LOW,
        "rationale": "Why.",
        "remediation": Remediation(console=("Do it.",), cli="aws backup list-backup-plans"),
        "doc_url": DOC,
    }
    fields.update(changes)
    return RuleMetadata(**fields)  # type: ignore[arg-type]  # deliberately loose for the failure cases


def _rule_class(
    meta: RuleMetadata, module: str, doc: str | None = GOOD_DOC, requires: object = ()
) -> type[Rule]:
    def evaluate(self: Rule, ctx: RuleContext) -> Iterator[Finding]:
        return iter(())

    return type(
        "R",
        (Rule,),
        {"metadata": meta, "__module__": module, "__doc__": doc, "evaluate": evaluate, "requires": requires},
    )


def test_every_rule_module_is_registered() -> None:
    from pathlib import Path

    import auditor.rules

    modules = sorted(p.stem for p in Path(auditor.rules.__file__).parent.glob("bkp_*.py"))
    assert [f"BKP-{m[4:7]}" for m in modules] == rules.ids()
    for cls in rules:
        assert cls.__module__.rsplit(".", 1)[-1].startswith(f"bkp_{cls.metadata.id[4:]}_")


def test_valid_rule_registers_and_is_returned_by_id() -> None:
    reg = RuleRegistry("auditor.rules")
    cls = _rule_class(_meta(), "auditor.rules.bkp_901_example")
    assert reg.register(cls) is cls
    reg._loaded = True  # do not import the real modules into this private registry
    assert reg.get("bkp-901") is cls and reg.ids() == ["BKP-901"]
    with pytest.raises(KeyError, match="unknown rule 'BKP-999'"):
        reg.get("BKP-999")


def test_duplicate_id_fails() -> None:
    reg = RuleRegistry("auditor.rules")
    reg.register(_rule_class(_meta(), "auditor.rules.bkp_901_example"))
    with pytest.raises(RuleDefinitionError, match="duplicate rule id BKP-901"):
        reg.register(_rule_class(_meta(), "auditor.rules.bkp_901_other"))


def test_registering_a_real_rule_twice_fails() -> None:
    existing = rules.get("BKP-001")
    with pytest.raises(RuleDefinitionError, match="duplicate rule id BKP-001"):
        rules.register(_rule_class(existing.metadata, "auditor.rules.bkp_001_copy", existing.__doc__))


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("auditor.rules.bkp_902_example", "must be named bkp_901_"),
        ("auditor.rules.example", "must be named bkp_901_"),
    ],
)
def test_module_name_must_match_id(module: str, message: str) -> None:
    with pytest.raises(RuleDefinitionError, match=message):
        RuleRegistry("auditor.rules").register(_rule_class(_meta(), module))


@pytest.mark.parametrize("section", ["What it does", "Why it matters", "Example", "References"])
def test_docstring_needs_every_section(section: str) -> None:
    doc = GOOD_DOC.replace(f"\n{section}\n", "\nSomething else\n")
    with pytest.raises(RuleDefinitionError, match=f"lacks a '{section}' section"):
        RuleRegistry("auditor.rules").register(_rule_class(_meta(), "auditor.rules.bkp_901_x", doc))


def test_docstring_must_cite_doc_url_and_exist() -> None:
    with pytest.raises(RuleDefinitionError, match="must cite"):
        RuleRegistry("auditor.rules").register(
            _rule_class(_meta(), "auditor.rules.bkp_901_x", GOOD_DOC.replace(DOC, "https://example.com"))
        )
    with pytest.raises(RuleDefinitionError, match="needs a docstring"):
        RuleRegistry("auditor.rules").register(_rule_class(_meta(), "auditor.rules.bkp_901_x", None))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "BKP-1"}, "not of the form BKP-NNN"),
        ({"id": "XYZ-001"}, "not of the form BKP-NNN"),
        ({"title": ""}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"severity": "high"}, "severity"),
        ({"rationale": " "}, "rationale"),
        ({"doc_url": "https://example.com/x"}, "doc_url"),
        ({"remediation": "do it"}, "remediation"),
    ],
)
def test_metadata_is_validated(changes: dict[str, object], message: str) -> None:
    with pytest.raises(RuleDefinitionError, match=message):
        _meta("BKP-901", **changes)


def test_remediation_needs_console_steps_and_an_aws_cli_command() -> None:
    with pytest.raises(RuleDefinitionError, match="console step"):
        Remediation(console=(), cli="aws backup list-backup-plans")
    with pytest.raises(RuleDefinitionError, match="must start with 'aws '"):
        Remediation(console=("Do it.",), cli="terraform apply")
    text = Remediation(console=("One.", "Two."), cli="aws backup x").text()
    assert text == "Console: 1. One. 2. Two. CLI: aws backup x"


def test_rule_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="job_window_days"):
        RuleSettings(job_window_days=0)
    with pytest.raises(ValueError, match="aurora_cost_per_gb_month"):
        RuleSettings(aurora_cost_per_gb_month=-1)
    assert RuleSettings() == RuleSettings(job_window_days=14, aurora_cost_per_gb_month=0.021)


def test_finding_details_are_made_json_safe() -> None:
    import json
    import math

    import numpy as np
    import pandas as pd

    from auditor.rules.base import json_safe

    raw = {
        "nan": math.nan,
        "na": pd.NA,
        "np": np.int64(3),
        "when": pd.Timestamp("2026-11-17T06:00:00Z"),
        "nested": ({"x": np.float64("nan")}, (1, 2)),
    }
    safe = json_safe(raw)
    assert safe == {
        "nan": None,
        "na": None,
        "np": 3,
        "when": "2026-11-17T06:00:00+00:00",
        "nested": [{"x": None}, [1, 2]],
    }
    json.dumps(safe, allow_nan=False)
    finding = rules.get("BKP-021").finding(account_id="1", region="r", message="m", details={"n": math.nan})
    assert finding.details == {"n": None}


def test_required_operation_keys_must_be_declared_by_a_service() -> None:
    reg = RuleRegistry("auditor.rules")
    good = _rule_class(
        _meta(), "auditor.rules.bkp_901_x", requires=("backup.ListBackupPlans", "rbin.ListRules")
    )
    assert reg.register(good) is good
    with pytest.raises(
        RuleDefinitionError, match=r"BKP-902: requires 'backup.ListBackupPlan', which no service"
    ):
        reg.register(
            _rule_class(_meta("BKP-902"), "auditor.rules.bkp_902_x", requires=("backup.ListBackupPlan",))
        )
    with pytest.raises(RuleDefinitionError, match="a organization operation; rules need regional"):
        reg.register(
            _rule_class(_meta("BKP-903"), "auditor.rules.bkp_903_x", requires=("organizations.ListAccounts",))
        )
    with pytest.raises(RuleDefinitionError, match="must be a tuple"):
        reg.register(
            _rule_class(_meta("BKP-904"), "auditor.rules.bkp_904_x", requires="backup.ListBackupPlans")
        )
    assert reg.ids() == ["BKP-901"]


def test_a_rule_module_requiring_an_undeclared_key_fails_at_import(tmp_path: Path) -> None:
    package = tmp_path / "extra_rules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bkp_905_bad.py").write_text(
        "from auditor.rules.registry import rules\n"
        "from auditor.rules.base import Rule\n"
        "from tests.rules.test_registry import GOOD_DOC, _meta\n"
        "@rules.register\n"
        "class Bad(Rule):\n"
        "    __doc__ = GOOD_DOC\n"
        "    metadata = _meta('BKP-905')\n"
        "    requires = ('s3.ListObjectsV2',)\n"
        "    def evaluate(self, ctx):\n"
        "        return iter(())\n"
    )
    # A process that ran this test before (mutmut's stats run, then its clean run) still holds the
    # earlier tmp_path's ``extra_rules`` package and the path finders' caches: forget both.
    for name in [m for m in sys.modules if m == "extra_rules" or m.startswith("extra_rules.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(
            RuleDefinitionError, match=r"requires 's3\.ListObjectsV2', which no service declares"
        ):
            importlib.import_module("extra_rules.bkp_905_bad")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "extra_rules" or m.startswith("extra_rules.")]:
            del sys.modules[name]
    assert "BKP-905" not in rules


def test_every_registered_rule_requires_declared_regional_operations() -> None:
    for cls in rules:
        for key in cls.requires:
            assert operation(key).scope is Scope.REGIONAL, (cls.metadata.id, key)


def test_a_new_registry_imports_its_packages_rule_modules_on_first_use(tmp_path: Path) -> None:
    """A registry's first question imports every ``bkp_*`` module of its package (and only those):
    the rules they register are then known; a module not named ``bkp_*`` is not imported."""
    package = tmp_path / "own_rules"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from auditor.rules.registry import RuleRegistry\nregistry = RuleRegistry(__name__)\n"
    )
    (package / "bkp_906_own.py").write_text(
        "from own_rules import registry\n"
        "from tests.rules.test_registry import _meta, _rule_class\n"
        "registry.register(_rule_class(_meta('BKP-906'), __name__))\n"
    )
    (package / "helpers.py").write_text("")

    def forget() -> None:
        for name in [m for m in sys.modules if m == "own_rules" or m.startswith("own_rules.")]:
            del sys.modules[name]
        importlib.invalidate_caches()

    forget()
    sys.path.insert(0, str(tmp_path))
    try:
        registry = importlib.import_module("own_rules").registry
        assert "own_rules.bkp_906_own" not in sys.modules
        assert registry.ids() == ["BKP-906"]
        assert registry.get("bkp-906").__module__ == "own_rules.bkp_906_own"
        assert "own_rules.helpers" not in sys.modules
    finally:
        sys.path.remove(str(tmp_path))
        forget()
