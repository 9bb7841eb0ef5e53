"""An evidence bundle of the verification kit as deployed (tests/builders.py), and BKP-091
findings of the contract fixed with BKP-091's author, to feed ``verify-readings``.

``kit_bundle`` places every probe of :mod:`auditor.readings` with its tags, the kit's plan with one
selection per probe (the patterns expanded as CloudFormation would), the Region's opt-in settings
(:data:`OPT_IN_PRECONDITIONS` unless told otherwise) and, for each probe in ``backed_up``, a
scheduled backup job created by the kit's plan: the run's evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path

from auditor.model.results import Finding, Severity
from auditor.readings import (
    KIT_PLAN_NAME,
    OPT_IN_PRECONDITIONS,
    Probe,
    ProbeKind,
    all_probes,
    expand,
    table_name,
)
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

STACK = "kit"


def _place(b: BundleBuilder, probe: Probe, n: int) -> str:
    tags = dict(probe.all_tags)
    if probe.kind is ProbeKind.DYNAMODB_TABLE:
        return b.dynamodb_table(table_name(probe, STACK), tags=tags)
    if probe.kind is ProbeKind.EBS_VOLUME:
        return b.ebs_volume(f"vol-0kit{n:012d}", tags=tags, size_gib=1)
    return b.efs(f"fs-0kit{n:08d}", tags=tags)


def kit_bundle(
    path: Path,
    *,
    backed_up: Iterable[str] = (),
    opt_in: Mapping[ProbeKind, bool] = OPT_IN_PRECONDITIONS,
) -> tuple[Path, dict[str, str], str]:
    """Write the bundle; returns (its path, probe id -> ARN, the kit plan's id)."""
    b = BundleBuilder()
    for kind, on in opt_in.items():
        b.opt_in(kind.value, on)
    arns = {p.id: _place(b, p, n) for n, p in enumerate(all_probes())}
    plan = b.plan(
        KIT_PLAN_NAME, [b.rule(RuleName="hourly", ScheduleExpression="cron(0 * ? * * *)", DeleteAfterDays=1)]
    )
    fill = {"partition": "aws", "region": DEFAULT_REGION, "account": DEFAULT_ACCOUNT, "stack": STACK}
    for p in all_probes():
        arn = arns[p.id]
        b.selection(
            plan,
            p.selection_name,
            resources=[expand(x, self_arn=arn, **fill) for x in p.selection.resources],
            not_resources=[expand(x, self_arn=arn, **fill) for x in p.selection.not_resources],
            conditions=[(c.operator, c.key, c.value) for c in p.selection.conditions],
            list_of_tags=list(p.selection.list_of_tags),
        )
    kinds = {p.id: p.kind for p in all_probes()}
    for probe_id in backed_up:
        b.job(
            arns[probe_id], kinds[probe_id].value, plan_id=plan, created=b.collected_at - timedelta(hours=2)
        )
    return b.build(path), arns, plan


def bkp091(
    arn: str,
    plan_id: str,
    disagreement: str,
    *,
    reading: str | None = None,
    evidence: Mapping[str, str] | None = None,
) -> Finding:
    """One BKP-091 finding as BKP-091's contract describes it."""
    return Finding(
        rule_id="BKP-091",
        severity=Severity.INFO,
        account_id=DEFAULT_ACCOUNT,
        region=DEFAULT_REGION,
        resource_arn=arn,
        resource_type=None,
        title="AWS Backup's own record disagrees with the prediction",
        message=f"{disagreement} for {arn}",
        remediation="",
        doc_url="",
        details={
            "disagreement": disagreement,
            "plan_id": plan_id,
            "plan_name": KIT_PLAN_NAME,
            "plan_rule_id": "rule-1",
            "selection_id": None,
            "reading": reading,
            "reading_text": "",
            "evidence": None if evidence is None else dict(evidence),
        },
    )
