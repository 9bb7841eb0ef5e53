"""One test per sentence of ``selection-semantics.md``; each test is named after its sentence.

Every test builds a bundle with ``BundleBuilder``, normalises it and runs the resolver, so the
whole path (bundle -> frames -> resolver) is exercised.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.explain import explain, render_text
from auditor.protection.resolver import Protection, resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
OTHER_ACCOUNT = "222222222222"


class Run:
    """A built bundle's inventory and protection, with helpers to read one resource's verdict."""

    def __init__(self, b: BundleBuilder, tmp_path: Path) -> None:
        self.inventory = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
        self.protection: Protection = resolve(self.inventory)

    def protected(self, arn: str) -> bool | None:
        v = self.protection.verdicts
        rows = v[v["arn"] == arn]
        assert len(rows) == 1, f"{arn} has {len(rows)} verdicts"
        value = rows["protected"].iloc[0]
        return None if value is None else bool(value)

    def reason(self, arn: str) -> str:
        v = self.protection.verdicts
        return str(v.loc[v["arn"] == arn, "reason"].iloc[0])

    def selected_by(self, arn: str) -> set[str]:
        m = self.protection.matches
        return set(m.loc[(m["arn"] == arn) & ~m["fsx_tags_on_filesystem"], "selection_name"])

    def match(self, arn: str, selection: str) -> dict[str, object]:
        m = self.protection.matches
        rows = m[(m["arn"] == arn) & (m["selection_name"] == selection)]
        assert len(rows) == 1, f"{arn} / {selection}: {len(rows)} match rows"
        return dict(rows.iloc[0])

    def explain(self, arn: str) -> str:
        return render_text(explain(self.inventory, self.protection, arn))


@pytest.fixture
def run(tmp_path: Path) -> Callable[[BundleBuilder], Run]:
    counter = iter(range(1000))
    return lambda b: Run(b, tmp_path / str(next(counter)))


Runner = Callable[[BundleBuilder], Run]


# ---------------------------------------------------------------------------------------------
# One selection
# ---------------------------------------------------------------------------------------------


def test_resources_arn_patterns_are_ored(run: Runner) -> None:
    b = BundleBuilder()
    t1 = b.dynamodb_table("one")
    t2 = b.dynamodb_table("two")
    t3 = b.dynamodb_table("three")
    b.selection(b.plan("p"), "s", resources=[t1, f"arn:aws:dynamodb:{R}:{A}:table/tw*"])
    r = run(b)
    assert (r.protected(t1), r.protected(t2), r.protected(t3)) == (True, True, False)


def test_star_in_a_pattern_matches_any_run_of_characters(run: Runner) -> None:
    b = BundleBuilder()
    vol = b.fsx_volume("fs-1", "fsvol-1")
    b.fsx_file_system("fs-1", kind="ONTAP")
    inst = b.ec2_instance("i-0abc")
    # '*' spans ':' (region:account) and '/' (file system/volume).
    b.selection(b.plan("p"), "s", resources=["arn:aws:fsx:*fsvol-1", "arn:aws:ec2:*/i-0a*"])
    r = run(b)
    assert r.protected(vol) is True
    assert r.protected(inst) is True


def test_the_wildcard_star_represents_zero_or_more_non_whitespace_characters(run: Runner) -> None:
    # Assign resources with AWS CLI: "The wildcard * represents zero or more non-whitespace
    # characters". Real ARNs hold no whitespace; a malformed name in a bundle shows the difference.
    b = BundleBuilder()
    plain = b.dynamodb_table("orders-eu")
    spaced = b.dynamodb_table("orders eu")
    empty_run = b.dynamodb_table("orders")
    b.selection(b.plan("p"), "s", resources=[f"arn:aws:dynamodb:{R}:{A}:table/orders*"])
    r = run(b)
    assert r.protected(plain) is True
    assert r.protected(empty_run) is True  # zero characters
    assert r.protected(spaced) is False


def test_star_alone_means_every_resource(run: Runner) -> None:
    b = BundleBuilder()
    arns = [
        b.dynamodb_table("t"),
        b.efs("fs-1"),
        b.ec2_instance("i-1"),
        b.ebs_volume("vol-1"),
        b.rds_instance("db"),
    ]
    b.selection(b.plan("p"), "s", resources=["*"])
    r = run(b)
    assert all(r.protected(a) is True for a in arns)
    assert {r.match(a, "s")["via"] for a in arns} == {"all"}


def test_not_resources_a_match_excludes_the_resource_whatever_else_matches(run: Runner) -> None:
    b = BundleBuilder()
    exact = b.ec2_instance("i-exact", tags={"backup": "yes"})
    kept = b.ec2_instance("i-kept")
    pid = b.plan("p")
    b.selection(
        pid,
        "s",
        resources=[exact, "arn:aws:ec2:*:*:instance/*"],
        list_of_tags=[("backup", "yes")],
        not_resources=["*i-nothing*", "*:instance/i-exact"],
    )
    r = run(b)
    assert r.protected(exact) is False
    assert r.protected(kept) is True
    assert "excluded by NotResources `*:instance/i-exact`" in r.reason(exact)


def test_conditions_every_condition_must_hold_and_they_narrow_what_resources_selected(run: Runner) -> None:
    b = BundleBuilder()
    both = b.dynamodb_table("both", tags={"env": "prod", "backup": "daily"})
    one = b.dynamodb_table("one", tags={"env": "prod"})
    ec2 = b.ec2_instance("i-1", tags={"env": "prod", "backup": "daily"})
    b.selection(
        b.plan("p"),
        "s",
        resources=["arn:aws:dynamodb:*:*:table/*"],
        conditions=[
            ("StringEquals", "aws:ResourceTag/env", "prod"),
            ("StringEquals", "aws:ResourceTag/backup", "daily"),
        ],
    )
    r = run(b)
    assert (r.protected(both), r.protected(one)) == (True, False)
    assert r.protected(ec2) is False  # tags match but Resources did not select it


def test_resource_types_are_filtered_first_then_tags_filter_further(run: Runner) -> None:
    b = BundleBuilder()
    b.opt_in("EC2", False)
    tagged = b.ec2_instance("i-tagged", tags={"backup": "yes"})
    untagged = b.ec2_instance("i-untagged")
    b.selection(
        b.plan("p"),
        "s",
        resources=["arn:aws:ec2:*:*:instance/*"],
        conditions=[("StringEquals", "aws:ResourceTag/backup", "yes")],
    )
    r = run(b)
    assert r.protected(tagged) is True  # type-level route: opt-in does not matter
    assert r.match(tagged, "s")["via"] == "type"
    assert r.protected(untagged) is False


def test_condition_keys_are_aws_resource_tag_key(run: Runner) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t", tags={"team": "data"})
    other = b.dynamodb_table("u", tags={"aws:ResourceTag/team": "x"})
    b.selection(b.plan("p"), "s", conditions=[("StringEquals", "aws:ResourceTag/team", "data")])
    r = run(b)
    assert r.protected(t) is True
    assert r.protected(other) is False


def test_operators_are_case_sensitive(run: Runner) -> None:
    b = BundleBuilder()
    lower = b.dynamodb_table("lower", tags={"env": "prod"})
    upper = b.dynamodb_table("upper", tags={"env": "PROD"})
    key_case = b.dynamodb_table("keycase", tags={"Env": "prod"})
    pid = b.plan("p")
    b.selection(pid, "eq", conditions=[("StringEquals", "aws:ResourceTag/env", "prod")])
    b.selection(pid, "like", conditions=[("StringLike", "aws:ResourceTag/env", "pro*")])
    r = run(b)
    assert r.selected_by(lower) == {"eq", "like"}
    assert r.selected_by(upper) == set()
    assert r.selected_by(key_case) == set()


def test_string_like_and_string_not_like_use_star_and_question_mark_wildcards(run: Runner) -> None:
    b = BundleBuilder()
    p1 = b.dynamodb_table("a", tags={"env": "prod-1"})
    p12 = b.dynamodb_table("b", tags={"env": "prod-12"})
    dev = b.dynamodb_table("c", tags={"env": "dev-1"})
    pid = b.plan("p")
    b.selection(pid, "q", conditions=[("StringLike", "aws:ResourceTag/env", "prod-?")])
    b.selection(pid, "star", conditions=[("StringLike", "aws:ResourceTag/env", "*-1*")])
    b.selection(pid, "notlike", conditions=[("StringNotLike", "aws:ResourceTag/env", "prod*")])
    r = run(b)
    assert r.selected_by(p1) == {"q", "star"}
    assert r.selected_by(p12) == {"star"}
    assert r.selected_by(dev) == {"star", "notlike"}


@pytest.mark.parametrize("operator", ["StringNotEquals", "StringNotLike"])
def test_string_not_equals_and_string_not_like_on_a_resource_lacking_the_key_do_not_satisfy(
    run: Runner, operator: str
) -> None:
    b = BundleBuilder()
    missing = b.dynamodb_table("missing", tags={"other": "x"})
    other_value = b.dynamodb_table("other", tags={"env": "prod"})
    b.selection(
        b.plan("p"),
        "not-dev",
        resources=["arn:aws:dynamodb:*:*:table/*"],
        conditions=[(operator, "aws:ResourceTag/env", "dev")],
    )
    r = run(b)
    assert r.protected(other_value) is True
    assert r.protected(missing) is False
    # The reading applied is stated wherever it decides a verdict.
    assert "reading applied" in r.reason(missing)
    text = r.explain(missing)
    assert "missing key: does not hold" in text
    assert "reading    StringNotEquals/StringNotLike on a resource that lacks the tag key do not hold" in text


def test_list_of_tags_string_equals_only_ored_with_each_other(run: Runner) -> None:
    b = BundleBuilder()
    a = b.dynamodb_table("a", tags={"backup": "daily"})
    c = b.dynamodb_table("c", tags={"tier": "gold"})
    d = b.dynamodb_table("d", tags={"backup": "weekly"})
    b.selection(b.plan("p"), "s", list_of_tags=[("backup", "daily"), ("tier", "gold")])
    r = run(b)
    assert (r.protected(a), r.protected(c), r.protected(d)) == (True, True, False)


def test_list_of_tags_combined_with_resources_as_an_or(run: Runner) -> None:
    b = BundleBuilder()
    by_arn = b.dynamodb_table("by-arn")
    by_tag = b.efs("fs-tagged", tags={"backup": "yes"})
    neither = b.efs("fs-none")
    b.selection(b.plan("p"), "s", resources=[by_arn], list_of_tags=[("backup", "yes")])
    r = run(b)
    assert (r.protected(by_arn), r.protected(by_tag), r.protected(neither)) == (True, True, False)
    assert r.match(by_arn, "s")["via"] == "arn"
    assert r.match(by_tag, "s")["via"] == "tags"


@pytest.mark.parametrize("key", ["backup", "aws:ResourceTag/backup"])
def test_list_of_tags_key_may_be_written_key_or_aws_resource_tag_key(run: Runner, key: str) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t", tags={"backup": "yes"})
    b.selection(b.plan("p"), "s", list_of_tags=[(key, "yes")])
    assert run(b).protected(t) is True


def test_a_selection_with_none_of_the_four_selects_all_supported_and_opted_in_resources(run: Runner) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    table = b.dynamodb_table("t")
    efs = b.efs("fs-off")
    custom = b.rds_instance("custom", engine="custom-oracle-ee")
    b.selection(b.plan("p"), "everything")
    r = run(b)
    assert r.protected(table) is True
    assert r.match(table, "everything")["via"] == "empty"
    assert r.protected(efs) is False and r.match(efs, "everything")["blocked_by"] == "opt-in"
    assert r.protected(custom) is False  # not supported


def test_selections_only_ever_apply_to_resources_in_the_plans_own_account_and_region(run: Runner) -> None:
    b = BundleBuilder()
    b.account(A, [R, "us-east-1"])
    here = b.dynamodb_table("t")
    other_region = b.dynamodb_table("t", region="us-east-1")
    other_account = b.dynamodb_table("t", account_id=OTHER_ACCOUNT)
    pid = b.plan("p")
    b.selection(pid, "all", resources=["*"])
    b.selection(pid, "explicit", resources=[other_region, other_account])
    r = run(b)
    assert r.protected(here) is True
    assert r.protected(other_region) is False
    assert r.protected(other_account) is False


# ---------------------------------------------------------------------------------------------
# Service opt-in
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_type", "make", "pattern"),
    [
        ("EC2", lambda b: b.ec2_instance("i-1"), "arn:aws:ec2:*:*:instance/*"),
        ("EBS", lambda b: b.ebs_volume("vol-1"), "arn:aws:ec2:*:*:volume/*"),
        ("DynamoDB", lambda b: b.dynamodb_table("t"), "arn:aws:dynamodb:*:*:table/*"),
        ("EFS", lambda b: b.efs("fs-1"), "arn:aws:elasticfilesystem:*:*:file-system/*"),
        ("RDS", lambda b: b.rds_instance("db"), "arn:aws:rds:*:*:db:*"),
        ("RDS", lambda b: b.rds_cluster("maz", engine="postgres"), "arn:aws:rds:*:*:cluster:*"),
        ("FSx", lambda b: b.fsx_file_system("fs-w", kind="WINDOWS"), "arn:aws:fsx:*:*:file-system/*"),
        ("EC2", lambda b: b.ec2_instance("i-2"), "EXACT"),
    ],
)
def test_selection_by_resource_type_backs_up_even_if_its_opt_in_is_off(
    run: Runner, resource_type: str, make: Callable[[BundleBuilder], str], pattern: str
) -> None:
    b = BundleBuilder()
    b.opt_in(resource_type, False)
    arn = make(b)
    b.selection(b.plan("p"), "s", resources=[arn if pattern == "EXACT" else pattern])
    r = run(b)
    assert r.protected(arn) is True
    assert r.match(arn, "s")["via"] == ("arn" if pattern == "EXACT" else "type")


@pytest.mark.parametrize(
    ("resource_type", "engine"), [("Aurora", "aurora-mysql"), ("Neptune", "neptune"), ("DocumentDB", "docdb")]
)
@pytest.mark.parametrize("how", ["exact", "type"])
def test_except_aurora_neptune_and_documentdb_which_always_need_their_opt_in_on(
    run: Runner, resource_type: str, engine: str, how: str
) -> None:
    b = BundleBuilder()
    b.opt_in(resource_type, False)
    off = b.rds_cluster("off", engine=engine)
    b.selection(b.plan("p"), "s", resources=[off if how == "exact" else "arn:aws:rds:*:*:cluster:*"])
    r = run(b)
    assert r.protected(off) is False
    assert r.match(off, "s")["blocked_by"] == "opt-in"
    assert f"{resource_type} always needs its opt-in" in r.reason(off)

    b2 = BundleBuilder()
    on = b2.rds_cluster("on", engine=engine)
    b2.selection(b2.plan("p"), "s", resources=[on if how == "exact" else "arn:aws:rds:*:*:cluster:*"])
    assert run(b2).protected(on) is True


ROUTES = {
    "service name only (arn:aws:ec2:*)": {"resources": ["arn:aws:ec2:*"]},
    "service name only (arn:aws:ec2:*:*:*)": {"resources": ["arn:aws:ec2:*:*:*"]},
    '"*"': {"resources": ["*"]},
    "an empty selection": {},
    "tags only (ListOfTags)": {"list_of_tags": [("backup", "yes")]},
    "tags only (Conditions)": {"conditions": [("StringEquals", "aws:ResourceTag/backup", "yes")]},
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("enabled", [True, False])
def test_selection_by_service_name_star_empty_or_tags_only_backs_up_only_if_opt_in_is_on(
    run: Runner, route: str, enabled: bool
) -> None:
    b = BundleBuilder()
    b.opt_in("EC2", enabled)
    arn = b.ec2_instance("i-1", tags={"backup": "yes"})
    b.selection(b.plan("daily"), "sel", **ROUTES[route])  # type: ignore[arg-type]  # kwargs from the table
    r = run(b)
    assert r.protected(arn) is enabled
    if not enabled:
        assert r.match(arn, "sel")["blocked_by"] == "opt-in"
        assert "the EC2 opt-in is off in eu-west-1" in r.reason(arn)


def test_aurora_and_rds_clusters_share_the_arn_form_to_back_up_aurora_the_aurora_opt_in_must_be_on(
    run: Runner,
) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    b.opt_in("RDS", True)
    aurora = b.rds_cluster("aur", engine="aurora-postgresql")
    multi_az = b.rds_cluster("maz", engine="mysql")
    b.selection(b.plan("p"), "clusters", resources=["arn:aws:rds:*:*:cluster:*"])
    r = run(b)
    assert r.protected(aurora) is False
    assert r.protected(multi_az) is True


def test_rds_aurora_neptune_documentdb_share_the_arn_namespace_each_type_uses_its_own_opt_in(
    run: Runner,
) -> None:
    b = BundleBuilder()
    b.opt_in("Neptune", False)
    neptune = b.rds_cluster("nep", engine="neptune")
    docdb = b.rds_cluster("doc", engine="docdb")
    b.selection(b.plan("p"), "rds", resources=["arn:aws:rds:*"])
    r = run(b)
    assert r.protected(neptune) is False
    assert r.protected(docdb) is True


def test_the_example_reason_aurora_selected_only_through_tags_with_opt_in_off(run: Runner) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    arn = b.rds_cluster("orders", tags={"backup": "daily"})
    b.selection(b.plan("daily"), "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    r = run(b)
    assert r.reason(arn).startswith(
        "selected by plan `daily` / selection `tagged` only through tags, and the Aurora opt-in is off in eu-west-1"
    )


def test_fsx_for_ontap_with_tag_based_selection_tags_must_be_on_the_volumes(run: Runner) -> None:
    b = BundleBuilder()
    b.fsx_file_system("fs-ontap", kind="ONTAP", tags={"backup": "daily"})
    untagged = b.fsx_volume("fs-ontap", "fsvol-untagged")
    tagged = b.fsx_volume("fs-ontap", "fsvol-tagged", tags={"backup": "daily"})
    b.selection(b.plan("p"), "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    r = run(b)
    assert r.protected(tagged) is True
    assert r.protected(untagged) is False
    row = r.match(untagged, "tagged")
    assert bool(row["fsx_tags_on_filesystem"]) is True
    assert bool(row["effective"]) is False
    assert "tag the volume" in r.reason(untagged)
    assert bool(r.match(tagged, "tagged")["fsx_tags_on_filesystem"]) is False


def test_types_added_later_stay_off_until_someone_opts_in(run: Runner) -> None:
    b = BundleBuilder()
    b.drop_opt_in("DynamoDB")
    t = b.dynamodb_table("t")
    b.selection(b.plan("p"), "all", resources=["*"])
    r = run(b)
    assert r.protected(t) is False
    assert "not set in eu-west-1 (treated as off)" in r.reason(t)


# ---------------------------------------------------------------------------------------------
# Not supported at all
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["custom-sqlserver-ee", "custom-sqlserver-web", "custom-oracle-ee"])
def test_rds_custom_for_sql_server_and_oracle_are_not_supported(run: Runner, engine: str) -> None:
    b = BundleBuilder()
    arn = b.rds_instance("custom", engine=engine)
    b.selection(b.plan("p"), "exact", resources=[arn])
    r = run(b)
    assert r.protected(arn) is False
    v = r.protection.verdicts
    assert v.loc[v["arn"] == arn, "unsupported"].iloc[0] == "rds-custom"
    assert r.match(arn, "exact")["blocked_by"] == "unsupported"


def test_rds_on_outposts_is_not_supported(run: Runner) -> None:
    b = BundleBuilder()
    arn = b.rds_instance("edge", outpost_arn=f"arn:aws:outposts:{R}:{A}:outpost/op-0123456789abcdef0")
    b.selection(b.plan("p"), "exact", resources=[arn])
    r = run(b)
    assert r.protected(arn) is False
    v = r.protection.verdicts
    assert v.loc[v["arn"] == arn, "unsupported"].iloc[0] == "outposts"


# ---------------------------------------------------------------------------------------------
# Coverage: an account-region that could not be read is never judged
# ---------------------------------------------------------------------------------------------


def test_assume_role_denied_resources_are_not_audited(run: Runner) -> None:
    b = BundleBuilder()
    ok = b.dynamodb_table("ok")
    b.selection(b.plan("p"), "all", resources=["*"])
    b.assume_role_denied(OTHER_ACCOUNT, keep_files=True)
    denied = b.dynamodb_table("denied", account_id=OTHER_ACCOUNT)
    b.selection(b.plan("p2", account_id=OTHER_ACCOUNT), "all", resources=["*"], account_id=OTHER_ACCOUNT)
    r = run(b)
    assert r.protected(ok) is True
    assert r.protected(denied) is None
    assert r.reason(denied).startswith("not audited:")
    assert "AssumeRole" in r.reason(denied)


@pytest.mark.parametrize(
    "operation", ["ListBackupPlans", "ListBackupSelections", "GetBackupSelection", "DescribeRegionSettings"]
)
def test_missing_deciding_operation_leaves_unprotected_resources_undecided(
    run: Runner, operation: str
) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.selection(b.plan("p"), "none", resources=["arn:aws:ec2:*:*:instance/*"])
    b.error("backup", operation)
    r = run(b)
    assert r.protected(t) is None
    assert f"backup.{operation}" in r.reason(t)


def test_an_effective_selection_still_protects_when_another_deciding_operation_failed(run: Runner) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.selection(b.plan("p"), "exact", resources=[t])
    b.error("backup", "DescribeRegionSettings")
    r = run(b)
    assert r.protected(t) is True  # exact ARN of a non-Aurora type needs no opt-in


def test_non_deciding_operation_missing_does_not_blur_verdicts(run: Runner) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.error("backup", "ListBackupJobs")
    r = run(b)
    assert r.protected(t) is False


def test_no_resources_gives_empty_frames_with_their_columns(run: Runner) -> None:
    b = BundleBuilder()
    b.selection(b.plan("p"), "all", resources=["*"])
    r = run(b)
    assert r.protection.verdicts.empty and "protected" in r.protection.verdicts.columns
    assert r.protection.matches.empty and "fsx_tags_on_filesystem" in r.protection.matches.columns


def test_no_selection_in_the_account_region_says_so(run: Runner) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.selection(b.plan("p", region="us-east-1"), "all", resources=["*"], region="us-east-1")
    r = run(b)
    assert r.protected(t) is False
    assert r.reason(t) == f"no backup selection exists in {A}/{R}: add it to a backup plan there"


def test_reason_names_the_condition_that_failed_and_the_value_seen(run: Runner) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-1", tags={"env": "dev"})
    b.selection(
        b.plan("volumes"),
        "prod-volumes",
        resources=["arn:aws:ec2:*:*:volume/*"],
        conditions=[("StringEquals", "aws:ResourceTag/env", "prod")],
    )
    r = run(b)
    assert r.protected(vol) is False
    assert r.reason(vol) == (
        "plan `volumes` / selection `prod-volumes` matches it by Resources but its condition StringEquals "
        'aws:ResourceTag/env = "prod" fails (resource: "dev"), and no other selection in '
        f"{A}/{R} selects it"
    )


def test_missing_dynamodb_tags_leave_unprotected_tables_undecided_when_tags_matter(run: Runner) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t", tags={"backup": "daily"})
    inst = b.ec2_instance("i-1")
    b.selection(b.plan("p"), "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    b.error("dynamodb", "ListTagsOfResource")
    r = run(b)
    assert r.protected(t) is None  # its tags were not read: it may well be selected
    assert "dynamodb.ListTagsOfResource" in r.reason(t)
    assert r.protected(inst) is False  # EC2 tags come with the listing


def test_missing_dynamodb_tags_do_not_matter_without_tag_selections(run: Runner) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.selection(b.plan("p"), "ec2", resources=["arn:aws:ec2:*:*:instance/*"])
    b.error("dynamodb", "ListTagsOfResource")
    assert run(b).protected(t) is False
