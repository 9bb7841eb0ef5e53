"""The demo's second night: what changes in the sandbox organization between two audits, the
waivers the team wrote, and what the second audit must say about it, one for one.

Between the runs, in the Development account's us-east-1:

* a planted gap is **fixed**: the EC2 instance ``sandbox-1`` gets the ``backup=daily`` tag, so the
  ``dev-daily`` plan's tag selection protects it, and its root and data volumes through it (three
  BKP-002 findings resolve);
* a new gap is **added**: a DynamoDB table ``night-table`` that no selection names.

The waivers file accepts one finding (the Production S3 bucket ``scratch``, until a date ahead) and
holds one **expired** waiver (the Production EBS volume ``vol-temp``), so that finding counts again.
:func:`expected_changes` says exactly which findings are new, resolved, waived and counted again;
the demo prints the comparison and the e2e test checks every category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import boto3

from auditor.model.results import EvaluationResult
from auditor.sandbox.seed import SeededOrg, _Account, _assume
from auditor.sandbox.server import FAKE_CREDENTIALS

ACCOUNT, REGION = "dev", "us-east-1"
FIXED = "sandbox-1"
"""Resource key of the gap the team fixes (tagged ``backup=daily``)."""
ADDED_TABLE = "night-table"
WAIVED = ("BKP-002", "prod", "us-east-1", "scratch")
EXPIRED = ("BKP-002", "prod", "us-east-1", "vol-temp")


@dataclass(frozen=True)
class NightChanges:
    """What the second audit must report against the first (finding keys: rule id and ARN)."""

    new: frozenset[tuple[str, str]]
    resolved: frozenset[tuple[str, str]]
    waived: frozenset[tuple[str, str]]
    expired: frozenset[tuple[str, str]]
    became_protected: frozenset[str]
    became_unprotected: frozenset[str]

    def compare(self, second: EvaluationResult) -> list[str]:
        """One line per difference between this expectation and the second run's result."""
        since = second.summary.get("since_previous") or {}
        new_ids = set(since.get("new_ids") or [])
        new = {(f.rule_id, f.resource_arn or "") for f in second.findings if f.id in new_ids}
        resolved = {
            (str(f["rule_id"]), str(f.get("resource_arn") or "")) for f in since.get("resolved") or []
        }
        waived = {(f.rule_id, f.resource_arn or "") for f in second.findings if f.waived}
        expired = {
            (f.rule_id, f.resource_arn or "")
            for f in second.findings
            if f.waiver is not None and not f.waived
        }
        actual = {
            "new": new,
            "resolved": resolved,
            "waived": waived,
            "expired": expired,
            "became protected": set(since.get("became_protected") or []),
            "became unprotected": set(since.get("became_unprotected") or []),
        }
        expected: dict[str, set[object]] = {
            "new": set(self.new),
            "resolved": set(self.resolved),
            "waived": set(self.waived),
            "expired": set(self.expired),
            "became protected": set(self.became_protected),
            "became unprotected": set(self.became_unprotected),
        }
        lines: list[str] = []
        for category, want in expected.items():
            got: set[object] = set(actual[category])
            lines += [f"MISSING {category}: {item}" for item in sorted(map(str, want - got))]
            lines += [f"UNEXPECTED {category}: {item}" for item in sorted(map(str, got - want))]
        return lines


def _dev(seeded: SeededOrg) -> _Account:
    management = _Account(
        boto3.Session(), seeded.endpoint_url, seeded.management_account_id, FAKE_CREDENTIALS
    )
    return _assume(management, seeded.account_id(ACCOUNT), seeded.audit_role_name)


def change_overnight(seeded: SeededOrg) -> str:
    """Fix one gap and add one in the sandbox; the ARN of the added table."""
    dev = _dev(seeded)
    instance_id = seeded.arn(ACCOUNT, REGION, FIXED).rsplit("/", 1)[-1]
    dev.client("ec2", REGION).create_tags(Resources=[instance_id], Tags=[{"Key": "backup", "Value": "daily"}])
    table = dev.client("dynamodb", REGION).create_table(
        TableName=ADDED_TABLE,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return str(table["TableDescription"]["TableArn"])


def waivers_toml(seeded: SeededOrg, today: date) -> str:
    """The team's waivers file: one active waiver, one that expired yesterday."""
    entries = []
    for (rule, account, region, key), expires, reason in (
        (WAIVED, today + timedelta(days=90), "scratch data, rebuilt from the pipeline every night"),
        (EXPIRED, today - timedelta(days=1), "temporary volume, to be deleted by the end of the sprint"),
    ):
        entries.append(
            "[[waiver]]\n"
            f'rule = "{rule}"\n'
            f'resource = "{seeded.arn(account, region, key)}"\n'
            f'reason = "{reason}"\n'
            'owner = "platform-team@example.com"\n'
            f"expires = {expires.isoformat()}\n"
            'ticket = "DEMO-1"\n'
        )
    return "\n".join(entries)


FIXED_WITH_IT = (f"{FIXED}-root", f"{FIXED}-data")
"""The instance's root and data volumes: protected through the instance once it is (their
BKP-002 findings resolve with it)."""


def expected_changes(seeded: SeededOrg, added_arn: str) -> NightChanges:
    fixed = frozenset(seeded.arn(ACCOUNT, REGION, key) for key in (FIXED, *FIXED_WITH_IT))
    return NightChanges(
        new=frozenset({("BKP-002", added_arn)}),
        resolved=frozenset(("BKP-002", arn) for arn in fixed),
        waived=frozenset({(WAIVED[0], seeded.arn(*WAIVED[1:]))}),
        expired=frozenset({(EXPIRED[0], seeded.arn(*EXPIRED[1:]))}),
        became_protected=fixed,
        became_unprotected=frozenset({added_arn}),
    )


__all__ = ["NightChanges", "change_overnight", "expected_changes", "waivers_toml"]
