"""Compare an audit of the seeded demo organization with what was planted in it, one for one.

A finding is identified by (rule, account, region, subject ARN, resource type). The planted gaps
(``org.GAPS``, with real ids in ``SeededOrg.expected``) and the findings are compared as multisets
of those keys: a planted gap without its finding is *missed*, a finding no gap stands for is
*unexpected*; each finding satisfies one gap at most. Every seeded resource has an expected verdict
(``org.VERDICTS``), compared with the verdict the audit gave it (or its absence from the results);
a resource in the results that the seed did not create is a wrong verdict too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.model.results import EvaluationResult, Finding
from auditor.sandbox.org import ABSENT, PROTECTED, UNKNOWN, UNPROTECTED
from auditor.sandbox.seed import ExpectedGap, SeededOrg

FindingKey = tuple[str, str | None, str | None, str | None, str | None]


def finding_key(finding: Finding) -> FindingKey:
    return (finding.rule_id, finding.account_id, finding.region, finding.resource_arn, finding.resource_type)


@dataclass(frozen=True)
class WrongVerdict:
    arn: str
    name: str
    expected: str
    actual: str


@dataclass(frozen=True)
class TruthReport:
    planted: int
    missed: tuple[ExpectedGap, ...]
    unexpected: tuple[Finding, ...]
    verdicts: int
    wrong_verdicts: tuple[WrongVerdict, ...]

    @property
    def ok(self) -> bool:
        return not (self.missed or self.unexpected or self.wrong_verdicts)

    def summary(self) -> str:
        found = self.planted - len(self.missed)
        right = self.verdicts - len(self.wrong_verdicts)
        return (
            f"planted gaps found: {found}/{self.planted}, unexpected findings: {len(self.unexpected)}, "
            f"verdicts right: {right}/{self.verdicts}"
        )

    def diff(self) -> list[str]:
        """One line per difference: ``MISSED``, ``UNEXPECTED`` or ``WRONG VERDICT``."""
        lines = [
            f"MISSED {g.rule_id} {g.account_id}/{g.region or '-'} {g.resource_arn or '-'} "
            f"[{g.resource_type or '-'}] ({g.note})"
            for g in self.missed
        ]
        lines += [
            f"UNEXPECTED {f.rule_id} {f.account_id or '-'}/{f.region or '-'} {f.resource_arn or '-'} "
            f"[{f.resource_type or '-'}] {f.title}"
            for f in self.unexpected
        ]
        lines += [
            f"WRONG VERDICT {v.name} {v.arn}: expected {v.expected}, got {v.actual}"
            for v in self.wrong_verdicts
        ]
        return lines


def compare(seeded: SeededOrg, result: EvaluationResult) -> TruthReport:
    """Planted gaps and expected verdicts of ``seeded`` against the audit ``result``."""
    missed, unexpected = _match_findings(seeded.expected, result.findings)
    wrong, total = _match_verdicts(seeded, result.resources)
    return TruthReport(
        planted=len(seeded.expected),
        missed=missed,
        unexpected=unexpected,
        verdicts=total,
        wrong_verdicts=wrong,
    )


def _match_findings(
    expected: tuple[ExpectedGap, ...], findings: tuple[Finding, ...]
) -> tuple[tuple[ExpectedGap, ...], tuple[Finding, ...]]:
    planted = Counter(g.key for g in expected)
    reported = Counter(finding_key(f) for f in findings)
    missing = planted - reported
    extra = reported - planted
    missed = []
    for gap in expected:
        if missing[gap.key] > 0:
            missing[gap.key] -= 1
            missed.append(gap)
    unexpected = []
    for finding in findings:
        if extra[finding_key(finding)] > 0:
            extra[finding_key(finding)] -= 1
            unexpected.append(finding)
    return tuple(missed), tuple(unexpected)


def verdict_of(resource: Mapping[str, Any] | None) -> str:
    """The verdict name of one entry of ``EvaluationResult.resources`` (None: not in the results)."""
    if resource is None:
        return ABSENT
    protected = resource["protected"]
    if protected is None:
        return UNKNOWN
    return PROTECTED if protected else UNPROTECTED


def _match_verdicts(
    seeded: SeededOrg, resources: tuple[Mapping[str, Any], ...]
) -> tuple[tuple[WrongVerdict, ...], int]:
    actual = {str(r["arn"]): r for r in resources}
    wrong = [
        WrongVerdict(r.arn, f"{r.account_key}/{r.region}/{r.key}", r.verdict, verdict_of(actual.get(r.arn)))
        for r in seeded.resources
        if verdict_of(actual.get(r.arn)) != r.verdict
    ]
    known = {r.arn for r in seeded.resources}
    strays = [arn for arn in actual if arn not in known]
    wrong += [
        WrongVerdict(arn, str(actual[arn]["name"]), "not seeded", verdict_of(actual[arn])) for arn in strays
    ]
    return tuple(wrong), len(seeded.resources) + len(strays)
