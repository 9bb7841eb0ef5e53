"""BKP-090: an account, account-Region or operation that could not be collected (not audited)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import pandas as pd

from auditor.evidence.manifest import CollectionError
from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, reason_line, where
from auditor.rules._not_audited import CAUSE_LABELS, advice, cause_of, iam_actions_of, root_of
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import account_wide_keys

DOC = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html"


def _missing_by_operation(rows: pd.DataFrame) -> dict[str, tuple[str | None, str]]:
    """operation -> (error code or None, reason line) for the not-collected rows of one scope."""
    out: dict[str, tuple[str | None, str]] = {}
    for row in rows.itertuples(index=False):
        code = maybe_str(row.error_code)
        op = str(row.operation)
        out.setdefault(op, (code, reason_line(op, code, maybe_str(row.error_message))))
    return out


def _by_cause(missing: Mapping[str, tuple[str | None, str]]) -> dict[str, dict[str, list[str]]]:
    """cause -> {"operations": failed calls, "not_reached": calls never made because a listing
    above them failed, "reasons": distinct reason lines of the failed calls}; causes in label order."""
    codes = {op: code for op, (code, _) in missing.items()}
    groups: dict[str, dict[str, list[str]]] = {}
    for op in sorted(missing):
        root = root_of(op, codes)
        group = groups.setdefault(cause_of(codes[root]), {"operations": [], "not_reached": [], "reasons": []})
        if root == op:
            group["operations"].append(op)
            if missing[op][1] not in group["reasons"]:
                group["reasons"].append(missing[op][1])
        else:
            group["not_reached"].append(op)
    return {c: groups[c] for c in CAUSE_LABELS if c in groups}


def _advice_for(groups: Mapping[str, Mapping[str, Sequence[str]]]) -> str:
    """The advice of each cause, a denied call naming the IAM actions its operations need."""
    return " ".join(
        advice(c, [a for op in g["operations"] for a in iam_actions_of(op)]) for c, g in groups.items()
    )


@register
class NotAudited(Rule):
    """Account, Region or operation not audited.

    What it does
        Reports what the collection could not read, at the widest level that applies: a whole
        account (for example ``sts:AssumeRole`` denied), a whole account-Region (the Region is
        not enabled, or every call failed), or some operations of an account-Region, with one
        finding per cause there: permission denied, throttling, timeout, endpoint unreachable or
        failing, Region not enabled, another error, or not collected at all. A listing that failed
        and the per-item calls it kept from being made (``GetBackupPlan`` after
        ``ListBackupPlans``) are one finding. Organization-level calls that failed are reported
        too, one finding per cause. The advice matches the cause: only a denied call asks for a
        permission. Every other rule skips what is reported here: nothing unread is ever counted
        as compliant.

    Why it matters
        A gap in collection is a gap in the audit: resources there may be unprotected, and the
        other rules cannot say so. Denied calls are fixed in the audit role; throttling,
        timeouts and endpoint errors by running again.

    Example
        Account ``333333333333`` does not have the audit role, so ``AssumeRole`` is denied. Fail
        fixture: one account-Region whose ``backup.ListBackupJobs`` call was denied. Pass fixture:
        every operation collected.

    References
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/troubleshooting.html
        - https://repost.aws/knowledge-center/iam-validate-access-credentials
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
                "Read the cause in the finding: permission denied, throttling, timeout, endpoint or "
                "Region not enabled.",
                "Permission denied: open the IAM console in the account named in the finding, let the "
                "auditing principal assume the audit role (trust policy) and attach read permissions "
                "for the operations listed.",
                "Throttling, timeout or endpoint errors: run the audit again later or with lower "
                "concurrency; Region not enabled: enable it for the account or leave it out of --regions.",
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
        # An account-wide operation read in the account's first region does not make another
        # region readable: a region whose own operations all failed is not audited.
        lost = ~collected | cov["operation"].isin(account_wide_keys())
        account_all = lost.groupby(cov["account_id"]).all()
        region_all = lost.groupby([cov["account_id"], cov["region"]]).all()
        for account_id, acct_rows in missing.groupby("account_id", sort=True):
            if bool(account_all.get(account_id, False)):
                yield self._account(ctx, str(account_id), acct_rows)
                continue
            for region, rows in acct_rows.groupby("region", sort=True):
                if bool(region_all.get((account_id, region), False)):
                    yield self._region(str(account_id), str(region), rows)
                else:
                    yield from self._operations(str(account_id), str(region), rows)

    def _account(self, ctx: RuleContext, account_id: str, rows: pd.DataFrame) -> Finding:
        errors = [e for e in ctx.manifest_errors if e.account_id == account_id and e.region is None]
        if errors:
            reasons = [f"{e.service}.{e.operation}: {e.code}: {e.message}" for e in errors]
            groups: dict[str, dict[str, list[str]]] = {}
            for e in errors:
                groups.setdefault(cause_of(e.code), {"operations": []})["operations"].append(e.operation)
        else:
            groups = _by_cause(_missing_by_operation(rows))
            reasons = [r for g in groups.values() for r in g["reasons"]]
        causes = list(groups)
        regions = sorted({str(r) for r in rows["region"].dropna()})
        assume_denied = any(e.service == "sts" and cause_of(e.code) == "permission" for e in errors)
        todo = (
            "Let the auditing principal assume the audit role there (the role must exist and its trust "
            "policy allow it), then run again."
            if assume_denied
            else _advice_for(groups)
        )
        return self.finding(
            account_id=account_id,
            region=None,
            message=(
                f"Account {account_id} was not audited: nothing could be collected in {len(regions)} "
                f"Region(s) ({'; '.join(reasons[:3])}). Its results are unknown, not compliant. {todo}"
            ),
            details={"level": "account", "causes": causes, "regions": regions, "reasons": reasons},
        )

    def _region(self, account_id: str, region: str, rows: pd.DataFrame) -> Finding:
        groups = _by_cause(_missing_by_operation(rows))
        reasons = [r for g in groups.values() for r in g["reasons"]]
        return self.finding(
            account_id=account_id,
            region=region,
            message=(
                f"{where(account_id, region)} was not audited: no operation could be collected "
                f"({'; '.join(reasons[:3])}). Its results are unknown, not compliant. " + _advice_for(groups)
            ),
            details={
                "level": "account-region",
                "causes": list(groups),
                "operations": sorted({str(o) for o in rows["operation"]}),
                "reasons": reasons,
            },
        )

    def _operations(self, account_id: str, region: str, rows: pd.DataFrame) -> Iterator[Finding]:
        """One finding per cause: the failed calls and the per-item calls they kept from being made."""
        for cause, group in _by_cause(_missing_by_operation(rows)).items():
            failed, skipped = group["operations"], group["not_reached"]
            also = f"; so {', '.join(skipped)} could not be called for its items" if skipped else ""
            yield self.finding(
                account_id=account_id,
                region=region,
                message=(
                    f"{', '.join(failed)} could not be collected in {where(account_id, region)} "
                    f"({CAUSE_LABELS[cause]}: {'; '.join(group['reasons'][:3])}){also}: what "
                    f"{'they feed' if len(failed) + len(skipped) > 1 else 'it feeds'} is not audited "
                    f"there. {_advice_for({cause: group})}"
                ),
                details={"level": "operations", "cause": cause, **group},
            )

    def _organization(self, ctx: RuleContext) -> Iterator[Finding]:
        """Organization-level calls that failed: one finding per cause (and Region, if any)."""
        groups: dict[tuple[str, str | None], list[CollectionError]] = {}
        for err in ctx.manifest_errors:
            if err.account_id is None:
                groups.setdefault((cause_of(err.code), err.region), []).append(err)
        order = list(CAUSE_LABELS)
        for (cause, region), errs in sorted(
            groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1] or "")
        ):
            operations = list(dict.fromkeys(f"{e.service}.{e.operation}" for e in errs))
            reasons = list(dict.fromkeys(f"{e.service}.{e.operation}: {e.code}: {e.message}" for e in errs))
            todo = advice(
                cause,
                [a for op in operations for a in iam_actions_of(op)],
                scope="the auditing principal (in the management account)",
            )
            yield self.finding(
                account_id=None,
                region=region,
                message=(
                    f"Organization-level call(s) failed ({CAUSE_LABELS[cause]}: {'; '.join(reasons[:3])}): "
                    f"what they feed is not audited. {todo}"
                ),
                details={
                    "level": "organization",
                    "cause": cause,
                    "operations": operations,
                    "reasons": reasons,
                },
            )
