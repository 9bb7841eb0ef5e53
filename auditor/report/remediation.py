"""Why a rule matters and how to fix it, for the HTML report: from the rule registry.

The rule's :class:`~auditor.rules.base.RuleMetadata` is the one source (rationale, console steps,
CLI command). ``<REGION>`` and ``<ACCOUNT_ID>`` placeholders are filled in when every finding of the
rule shares one value. A rule id the registry does not know (findings JSON written by another
version) falls back to what the findings themselves carry: the remediation text and doc link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.model.results import Finding
from auditor.rules import rules


@dataclass(frozen=True)
class Remediation:
    rationale: str
    console_steps: tuple[str, ...]
    cli: tuple[str, ...]


def _only(values: Sequence[str | None]) -> str | None:
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else None


def _fill(text: str, findings: Sequence[Finding]) -> str:
    for placeholder, value in (
        ("<REGION>", _only([f.region for f in findings])),
        ("<ACCOUNT_ID>", _only([f.account_id for f in findings])),
    ):
        if value:
            text = text.replace(placeholder, value)
    return text


def remediation_for(rule_id: str, findings: Sequence[Finding]) -> Remediation:
    """How to fix ``rule_id``, with the values shared by all ``findings`` filled in."""
    if rule_id in rules:
        meta = rules.get(rule_id).metadata
        return Remediation(
            rationale=meta.rationale,
            console_steps=tuple(_fill(s, findings) for s in meta.remediation.console),
            cli=(_fill(meta.remediation.cli, findings),),
        )
    first = findings[0] if findings else None
    return Remediation(rationale=first.title if first else "", console_steps=(), cli=())
