"""``backup-auditor explain BUNDLE ARN``: the decision trail of one resource."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.errors import BadInputError
from auditor.evidence import read_bundle
from auditor.model.frames import Inventory, load_inventory
from auditor.protection.evidence import render_evidence
from auditor.protection.explain import UnknownResourceError, explain, render_text
from auditor.protection.resolver import resolve
from auditor.rules._common import maybe_str, reason_line, source_operation_of
from auditor.rules.base import RuleSettings


def _arn_scope(arn: str) -> tuple[str, str] | None:
    """(account id, region) of a regional ARN, else None."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[4] or not parts[3]:
        return None
    return parts[4], parts[3]


def not_audited_reason(inventory: Inventory, arn: str) -> str | None:
    """Why the bundle cannot say anything about ``arn``: its account or account-Region was not
    collected, or not audited for the listing that would hold it. ``None`` when that listing was
    collected there (the resource simply is not in it)."""
    scope = _arn_scope(arn)
    if scope is None:
        return None
    account_id, region = scope
    accounts = set(inventory.accounts["account_id"].astype(str))
    if account_id not in accounts:
        return f"account {account_id} is not in this bundle (it was not part of the collection)"
    ar = inventory.account_regions
    regions = sorted(ar.loc[ar["account_id"] == account_id, "region"].astype(str))
    if region not in regions:
        return f"Region {region} was not collected for account {account_id} (collected: {', '.join(regions)})"
    cov = inventory.coverage
    rows = cov[(cov["account_id"] == account_id) & (cov["region"] == region)]
    missing = rows[~rows["collected"].fillna(False).astype(bool)]
    if missing.empty:
        return None
    listing = source_operation_of(arn)
    relevant = missing if listing is None else missing[missing["operation"] == listing]
    if relevant.empty:
        return None
    what = "was not audited" if len(missing) == len(rows) else "was only partly audited"
    reasons = list(
        dict.fromkeys(
            reason_line(str(r.operation), maybe_str(r.error_code), maybe_str(r.error_message))
            for r in relevant.itertuples(index=False)
        )
    )
    more = f" and {len(reasons) - 3} more" if len(reasons) > 3 else ""
    return (
        f"account {account_id}, {region} {what} ({'; '.join(reasons[:3])}{more}), so whether this "
        "resource exists and is protected is unknown, not compliant (see BKP-090)"
    )


@app.command("explain")
def explain_command(
    bundle: Annotated[Path, typer.Argument(help="Evidence bundle directory.")],
    arn: Annotated[
        str,
        typer.Argument(
            help="ARN of the resource to explain (a DB instance that is a cluster member: its cluster)."
        ),
    ],
) -> None:
    """Show why AWS Backup will (or will not) back up one resource: every selection of its
    account-region, which pattern or condition decided, the opt-in in force, and the verdict (for
    an EBS volume, also the verdict of each EC2 instance it is attached to); then AWS Backup's own
    record of it in the job window (backup jobs and recovery points, by plan) and where that
    record disagrees with the prediction (BKP-091).

    Exit codes: 0 explained; 2 bad bundle, an ARN that is not a resource of the bundle, or an ARN
    in an account or Region that was not audited (the message says why)."""
    inventory = load_inventory(read_bundle(bundle))
    protection = resolve(inventory)
    try:
        explanation = explain(inventory, protection, arn)
        text = render_text(explanation)
    except UnknownResourceError as exc:
        reason = not_audited_reason(inventory, arn)
        if reason is None:
            raise
        raise BadInputError(f"{arn}: {reason}") from exc
    as_of = inventory.collected_at
    text += render_evidence(inventory, protection, explanation.arn, as_of, RuleSettings().job_window_days)
    typer.echo(text, nl=False)
