"""BKP-090: an account, account-Region or operation that could not be collected (not audited)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, reason_line, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html"


def _reasons(rows: pd.DataFrame) -> list[str]:
    """Distinct ``operation: code: message`` lines (or ``operation: not collected``)."""
    out: list[str] = []
    for row in rows.itertuples(index=False):
        code = maybe_str(row.error_code)
        text = maybe_str(row.error_message)
        line = reason_line(str(row.operation), code, text)
        if line not in out:
            out.append(line)
    return out


@register
class NotAudited(Rule):
    """Account, Region or operation not audited.

    What it does
        Reports what the collection could not read, at the widest level that applies: a whole
        account (for example ``sts:AssumeRole`` denied), a whole account-Region (the Region is
        disabled or every call failed), or single operations of an account-Region (for example
        ``backup:ListBackupJobs`` denied). Organization-level calls that failed are reported too.
        Every other rule skips what is reported here: nothing unread is ever counted as compliant.

    Why it matters
        A gap in collection is a gap in the audit: resources there may be unprotected, and the
        other rules cannot say so. The fix is nearly always the audit role's trust policy or
        permissions in that account.

    Example
        Account ``333333333333`` does not have the audit role, so ``AssumeRole`` is denied. Fail
        fixture: one account-Region whose ``backup.ListBackupJobs`` call was denied. Pass fixture:
        every operation collected.

    References
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/troubleshooting.html
    """

    metadata = RuleMetadata(
        id="BKP-090",
        title="Not audited: evidence could not be collected",
        severity=Severity.HIGH,
        rationale=(
            "What could not be read cannot be judged; it is reported as not audited, never as compliant."
        ),
        remediation=Remediation(
            console=(
                "Open the IAM console in the account named in the finding and choose Roles.",
                "Open the audit role: its trust policy must allow the auditing principal to assume it.",
                "Attach read permissions for the operations listed in the finding, then run the audit again.",
            ),
            cli="aws iam attach-role-policy --role-name <AUDIT_ROLE> "
            "--policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
        doc_url=DOC,
    )

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from self._organization(ctx)
        cov = ctx.inventory.coverage
        if cov.empty:
            return
        collected = cov["collected"].fillna(False).astype(bool)
        missing = cov[~collected]
        if missing.empty:
            return
        account_all = (~collected).groupby(cov["account_id"]).all()
        region_all = (~collected).groupby([cov["account_id"], cov["region"]]).all()
        for account_id, acct_rows in missing.groupby("account_id", sort=True):
            if bool(account_all.get(account_id, False)):
                reasons = _account_reasons(ctx, str(account_id)) or _reasons(acct_rows)
                regions = sorted({str(r) for r in acct_rows["region"].dropna()})
                yield self.finding(
                    account_id=str(account_id),
                    region=None,
                    message=(
                        f"Account {account_id} was not audited: nothing could be collected in "
                        f"{len(regions)} Region(s) ({'; '.join(reasons[:3])}). Its results are unknown, not "
                        "compliant. Make the audit role assumable and readable there, then run again."
                    ),
                    details={"level": "account", "regions": regions, "reasons": reasons},
                )
                continue
            for region, rows in acct_rows.groupby("region", sort=True):
                reasons = _reasons(rows)
                operations = sorted({str(o) for o in rows["operation"]})
                if bool(region_all.get((account_id, region), False)):
                    yield self.finding(
                        account_id=str(account_id),
                        region=str(region),
                        message=(
                            f"{where(account_id, region)} was not audited: no operation could be collected "
                            f"({'; '.join(reasons[:3])}). Its results are unknown, not compliant. Check "
                            "that the Region is enabled and the audit role can read it, then run again."
                        ),
                        details={"level": "account-region", "operations": operations, "reasons": reasons},
                    )
                    continue
                for op, op_rows in rows.groupby("operation", sort=True):
                    op_reasons = _reasons(op_rows)
                    yield self.finding(
                        account_id=str(account_id),
                        region=str(region),
                        message=(
                            f"{op} could not be collected in {where(account_id, region)} "
                            f"({'; '.join(op_reasons)}): what it feeds is not audited there. Grant the "
                            f"audit role {_iam_action(str(op))} and run again."
                        ),
                        details={"level": "operation", "operation": str(op), "reasons": op_reasons},
                    )

    def _organization(self, ctx: RuleContext) -> Iterator[Finding]:
        for err in ctx.manifest_errors:
            if err.account_id is not None:
                continue
            yield self.finding(
                account_id=None,
                region=err.region,
                message=(
                    f"Organization-level call {err.service}.{err.operation} failed ({err.code}: "
                    f"{err.message}): what it feeds is not audited. Grant the auditing principal "
                    f"{_iam_action(f'{err.service}.{err.operation}')} in the management account and run again."
                ),
                details={
                    "level": "organization",
                    "operation": f"{err.service}.{err.operation}",
                    "code": err.code,
                },
            )


def _account_reasons(ctx: RuleContext, account_id: str) -> list[str]:
    """Account-wide failures from the manifest (``region`` null, e.g. ``sts.AssumeRole``)."""
    return [
        f"{e.service}.{e.operation}: {e.code}: {e.message}"
        for e in ctx.manifest_errors
        if e.account_id == account_id and e.region is None
    ]


def _iam_action(operation_key: str) -> str:
    service, _, name = operation_key.partition(".")
    prefix = {"efs": "elasticfilesystem"}.get(service, service)
    return f"{prefix}:{name}"
