"""The planted truth of the demo organization is complete, consistent and the same on every run."""

from __future__ import annotations

import pytest

from auditor.sandbox import start_sandbox
from auditor.sandbox.org import DEMO_ORG, PROTECTED, UNPROTECTED, DemoOrg
from auditor.sandbox.seed import SeededOrg, SeededResource, SeedError, _with_verdicts, seed_demo_org

# Rules whose resource-level finding says the resource is not backed up.
NOT_BACKED_UP = {"BKP-001", "BKP-002", "BKP-006", "BKP-007", "BKP-008", "BKP-017"}


def _verdicts(org: DemoOrg) -> dict[tuple[str, str, str], str]:
    return {(a, r, key): v for a, r, pairs in org.verdicts for key, v in pairs}


def test_clean_resources_are_expected_protected_and_gap_resources_not() -> None:
    table = _verdicts(DEMO_ORG)
    assert all(table[key] == PROTECTED for key in DEMO_ORG.clean)
    for gap in DEMO_ORG.gaps:
        if gap.rule_id in NOT_BACKED_UP:
            assert gap.resource is not None
            assert table[(gap.account, gap.region or "", gap.resource)] == UNPROTECTED, gap


def test_region_level_gaps_are_distinguishable() -> None:
    keys = [(g.rule_id, g.account, g.region, g.resource, g.resource_type) for g in DEMO_ORG.gaps]
    assert len(keys) == len(set(keys)), "two planted gaps would be satisfied by one finding"


def _resource(key: str) -> SeededResource:
    return SeededResource("dev", "111111111111", "us-east-1", key, "efs", "EFS", f"arn:{key}", False)


def test_seed_refuses_an_incomplete_or_stray_verdict_table() -> None:
    org = DemoOrg(accounts=(), gaps=(), clean=(), verdicts=(("dev", "us-east-1", (("a", PROTECTED),)),))
    assert [r.verdict for r in _with_verdicts([_resource("a")], org)] == [PROTECTED]
    with pytest.raises(SeedError, match=r"no verdict for \[\('dev', 'us-east-1', 'b'\)\]"):
        _with_verdicts([_resource("a"), _resource("b")], org)
    with pytest.raises(SeedError, match=r"no such resource \[\('dev', 'us-east-1', 'a'\)\]"):
        _with_verdicts([], org)
    odd = DemoOrg(accounts=(), gaps=(), clean=(), verdicts=(("dev", "us-east-1", (("a", "maybe"),)),))
    with pytest.raises(SeedError, match="unknown verdict"):
        _with_verdicts([_resource("a")], odd)


def _ids(seeded: SeededOrg) -> list[tuple[str, ...]]:
    return [
        *((a.key, a.account_id) for a in seeded.accounts),
        *((r.key, r.arn) for r in seeded.resources),
        *((g.rule_id, g.account_id, str(g.resource_arn)) for g in seeded.expected),
    ]


def test_demo_ids_are_the_same_on_every_run(seeded_org: SeededOrg) -> None:
    """Issue 11: two demo runs can be compared. A second, fresh sandbox gets the same ids."""
    with start_sandbox(own_process=True) as other:
        again = seed_demo_org(other.endpoint_url)
        other.reset()
        reseeded = seed_demo_org(other.endpoint_url, random_seed=7)
    assert _ids(again) == _ids(seeded_org)
    assert again.organization_id == seeded_org.organization_id
    assert {a.account_id for a in reseeded.accounts} != {a.account_id for a in seeded_org.accounts}
