"""Shared body of the rules for resources AWS Backup cannot protect (BKP-007, BKP-008)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from auditor.model.results import Finding
from auditor.protection.own_backup import retention_text
from auditor.rules._common import (
    flag,
    group_records,
    lookup,
    maybe_str,
    records,
    selection_label,
    selection_refs,
    to_float,
    where,
)
from auditor.rules.base import Rule, RuleContext


def unsupported_findings(rule: Rule, ctx: RuleContext, kind: str, what: str) -> Iterator[Finding]:
    """One finding per resource whose verdict has ``unsupported == kind``."""
    verdicts = ctx.protection.verdicts
    hits = ctx.only_collected(verdicts[flag(verdicts["unsupported"], kind)], rule.requires)
    if hits.empty:
        return
    engine_of = lookup(ctx.inventory.resources, hits["arn"], "engine")
    retention_of = lookup(ctx.inventory.resources, hits["arn"], "backup_retention_days")
    matches = ctx.protection.matches
    selected = matches[matches["arn"].isin(hits["arn"])]
    selected = selected.assign(label=selection_label(selected), ref=selection_refs(selected))
    by_arn = group_records(records(selected, ["arn", "label", "ref"]), "arn")
    for row in hits.itertuples(index=False):
        engine = maybe_str(engine_of.get(row.arn))
        days = to_float(retention_of.get(row.arn))
        own = retention_text(str(row.resource_type), days)
        group = by_arn.get(row.arn)
        if group:
            sel_text = (
                f" It is selected by {'; '.join(r['label'] for r in group)}, which will never back it up."
            )
            refs = [r["ref"] for r in group]
        else:
            sel_text = ""
            refs = []
        yield rule.finding(
            account_id=str(row.account_id),
            region=str(row.region),
            resource_arn=str(row.arn),
            resource_type=str(row.resource_type),
            message=(
                f"{row.arn} ({where(row.account_id, row.region)}) is {what}"
                f"{f' (engine {engine})' if engine else ''}, which AWS Backup does not support.{sel_text} "
                f"{own}. Protect it with the service's own automated backups and "
                "snapshots, and monitor them outside AWS Backup."
            ),
            details={
                "engine": engine,
                "unsupported": kind,
                "selections": refs,
                "backup_retention_days": None if math.isnan(days) else days,
            },
        )
