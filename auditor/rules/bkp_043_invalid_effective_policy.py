"""BKP-043: AWS Organizations reports an account's effective backup policy as invalid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.model.results import Finding, Severity
from auditor.not_evaluated import ORGANIZATION_CONTROLS
from auditor.rules._common import group_records, maybe_str, records
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = (
    "https://docs.aws.amazon.com/organizations/latest/APIReference/"
    "API_ListAccountsWithInvalidEffectivePolicy.html"
)
OPERATIONS = ORGANIZATION_CONTROLS["effective backup policy validation (BKP-043)"]
LISTING = OPERATIONS[0]
SHOWN = 3


@register
class InvalidEffectivePolicy(Rule):
    """AWS Organizations reports an account's effective backup policy as invalid.

    What it does
        Reads the accounts ``organizations:ListAccountsWithInvalidEffectivePolicy`` (policy type
        ``BACKUP_POLICY``) lists, with the errors ``ListEffectivePolicyValidationErrors`` gives
        for each (error code, message, path to the error, contributing policies), and reports one
        finding per such account. Both operations are optional (bundle version 3): in an older
        bundle this rule judges nothing and the run lists "effective backup policy validation
        (BKP-043)" under ``summary.not_evaluated`` as "evidence not collected"; where the listing
        failed (its error is in the manifest) it judges nothing either.

    Why it matters
        AWS Backup cannot apply an effective policy AWS itself finds invalid (a plan without a
        vault, a selection without a role, conflicting values from inherited policies): the
        account is not backed up as the organization's policy says.

    Example
        Account 111111111111 is listed with error ``ELEMENTS_TOO_MANY`` at
        ``plans.org-baseline.rules``. Fail fixture: that account. Pass fixture: no account listed.

    References
        - https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsWithInvalidEffectivePolicy.html
        - https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListEffectivePolicyValidationErrors.html
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html
    """

    metadata = RuleMetadata(
        id="BKP-043",
        title="Effective backup policy reported invalid by AWS Organizations",
        severity=Severity.HIGH,
        rationale=(
            "An account whose effective backup policy AWS reports as invalid does not get the "
            "organization's backup plans as the policy defines them."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Organizations console in the management account, choose Policies, "
                "Backup policies, and open the policies the finding names as contributing.",
                "Fix the path the error names (or the inheritance operators that produce it) and "
                "check the account's effective policy again.",
            ),
            cli=(
                "aws organizations list-effective-policy-validation-errors --account-id <ACCOUNT_ID> "
                "--policy-type BACKUP_POLICY"
            ),
        ),
        doc_url=DOC,
    )

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        if LISTING in ctx.inventory.not_collected:
            return
        if any(e.account_id is None and f"{e.service}.{e.operation}" == LISTING for e in ctx.manifest_errors):
            return
        frame = ctx.inventory.policy_validation
        rows = group_records(records(frame[frame["listed_invalid"]]), "account_id")
        for account_id in sorted(rows):
            yield self._finding(str(account_id), rows[account_id])

    def _finding(self, account_id: str, rows: list[dict[str, Any]]) -> Finding:
        errors = [
            {
                "error_code": maybe_str(r["error_code"]),
                "error_message": maybe_str(r["error_message"]),
                "path_to_error": maybe_str(r["path_to_error"]),
                "contributing_policies": list(r["contributing_policies"] or ()),
            }
            for r in rows
            if maybe_str(r["error_code"]) is not None or maybe_str(r["error_message"]) is not None
        ]
        shown = "; ".join(
            f"{e['error_code'] or 'error'} at {e['path_to_error'] or '(no path)'}: {e['error_message'] or ''}".rstrip(
                ": "
            )
            for e in errors[:SHOWN]
        )
        more = f" (and {len(errors) - SHOWN} more)" if len(errors) > SHOWN else ""
        name = maybe_str(rows[0]["account_name"])
        who = f"{account_id} ({name})" if name else account_id
        text = f": {shown.rstrip('.')}{more}" if errors else "; its validation errors were not read"
        return self.finding(
            account_id=account_id,
            region=None,
            message=f"AWS Organizations reports the effective backup policy of account {who} as invalid{text}.",
            details={"account_name": name, "errors": errors},
        )
