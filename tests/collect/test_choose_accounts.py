"""``choose_accounts``: the one choice of accounts the engine and the Lambda's list_accounts share."""

from __future__ import annotations

from auditor.discovery.accounts import UNKNOWN, AccountInfo, choose_accounts

LISTED = [
    AccountInfo("333333333333", "c", "ACTIVE"),
    AccountInfo("111111111111", "a", "ACTIVE"),
    AccountInfo("222222222222", "b", "SUSPENDED"),
    AccountInfo("444444444444", "d", "ACTIVE"),
]


def test_organization_listing_keeps_active_accounts_sorted_and_reports_the_rest() -> None:
    chosen, skipped = choose_accounts(LISTED, None)
    assert [a.id for a in chosen] == ["111111111111", "333333333333", "444444444444"]
    assert skipped == [AccountInfo("222222222222", "b", "SUSPENDED")]


def test_named_accounts_are_audited_whatever_their_status_with_listed_names() -> None:
    chosen, skipped = choose_accounts(LISTED, ["222222222222", "999999999999", "222222222222"])
    assert chosen == [AccountInfo("222222222222", "b", "SUSPENDED"), AccountInfo("999999999999", "", UNKNOWN)]
    assert skipped == []
    # without a listing (it failed), named accounts are still chosen, status unknown
    assert choose_accounts(None, ["111111111111"]) == ([AccountInfo("111111111111", "", UNKNOWN)], [])


def test_shards_split_chosen_and_skipped_accounts_alike() -> None:
    shards = [choose_accounts(LISTED, None, (i, 2)) for i in range(2)]
    assert [a.id for a in shards[0][0]] == ["111111111111", "444444444444"]
    assert [a.id for a in shards[1][0]] == ["333333333333"]
    assert sum(len(s[1]) for s in shards) == 1
