"""Bulk item declarations (``ItemSpec``): the one-pass reading equals the checked reading.

For every declared list (recovery points, backup / copy / restore jobs, protected resources): on the
items of a built bundle (read back from its files, as the loader sees them) the fast reading takes
every item and gives the checked reading's rows item for item; on corrupted items, whatever the fast
reading takes it reads as the checked reading does, and whatever the checked reading refuses the fast
reading refuses too (the checked reading then names the member).
"""

from __future__ import annotations

import copy
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evidence import read_bundle
from auditor.evidence.bundle import load_calls
from auditor.model.rows import JobRow, RecoveryPointRow
from auditor.model.shapes import BOOL, NUM, OPT_STR, STR, ItemSpec, Member, ShapeError
from auditor.services.backup import BULK_ITEMS, RECOVERY_POINTS
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

GIVEN = (DEFAULT_ACCOUNT, DEFAULT_REGION)
FILES = {
    "RecoveryPoints": "backup.ListRecoveryPointsByBackupVault.json",
    "BackupJobs": "backup.ListBackupJobs.json",
    "CopyJobs": "backup.ListCopyJobs.json",
    "RestoreJobs": "backup.ListRestoreJobs.json",
    "Results": "backup.ListProtectedResources.json",
}
SPECS = {spec.list_key: spec for spec in BULK_ITEMS}
#: Values of every JSON type (and an out-of-range int) a corrupted member may hold.
ANY_VALUE: tuple[Any, ...] = (None, 0, 1, 2.5, -3, True, False, "", "s", [], ["x"], {}, {"a": 1}, 2**70)


def _fast(spec: ItemSpec, items: list[Any], default: str | None = None) -> tuple[int, list[Any]]:
    rows: list[Any] = []
    return spec.fast(items, 0, len(items), rows, GIVEN, default), rows


def _checked(spec: ItemSpec, item: Any, default: str | None = None) -> Any | ShapeError:
    try:
        return spec.checked(item, f"{spec.list_key}[0].", GIVEN, default)
    except ShapeError as exc:
        return exc


def _bundle_items(tmp_path: Path) -> dict[str, list[tuple[str | None, list[Any]]]]:
    """(call's default vault, items) of each declared list, read back from a built bundle."""
    b = BundleBuilder()
    pid = b.plan("daily")
    for n in range(6):
        arn = f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:volume/vol-{n:017x}"
        created = b.collected_at - timedelta(hours=n)
        b.recovery_point(arn, "EBS", plan_id=pid if n % 2 else None, delete_after_days=None if n == 3 else 7)
        b.recovery_point(arn, "EBS", vault="other", created=created, plan_version="v1", plan_id=pid)
        b.job(arn, "EBS", plan_id=pid if n % 3 else None, state="RUNNING" if n == 2 else "COMPLETED")
        b.job(arn, "EBS", status_message="failed", state="FAILED", plan_id=pid, rule_id="r")
        dest = f"arn:aws:backup:us-east-1:{DEFAULT_ACCOUNT}:backup-vault:dr"
        b.copy_job(arn, "EBS", dest, plan_id=pid if n % 2 else None, status_message="m" if n == 4 else None)
        b.restore_job(
            arn, "EBS", testing_plan="weekly" if n % 2 else None, status="RUNNING" if n == 5 else "COMPLETED"
        )
        b.protected_resource(arn, "EBS", restore_minutes=n if n % 2 else None)
    path = b.build(tmp_path / "bundle")
    bundle = read_bundle(path)
    found: dict[str, list[tuple[str | None, list[Any]]]] = {}
    for key, name in FILES.items():
        directory = bundle.path / "accounts" / DEFAULT_ACCOUNT / DEFAULT_REGION
        for call in load_calls(directory / name):
            vault = call.params.get("BackupVaultName")
            found.setdefault(key, []).append((vault, list(call.response.get(key, []))))
    return found


def test_fast_reading_takes_every_item_of_a_bundle_and_equals_the_checked_reading(tmp_path: Path) -> None:
    found = _bundle_items(tmp_path)
    assert set(found) == set(SPECS)
    for key, calls in found.items():
        spec = SPECS[key]
        items = [(vault, item) for vault, listed in calls for item in listed]
        assert len(items) >= 6, key
        for vault, item in items:
            taken, rows = _fast(spec, [item], vault)
            assert taken == 1, (key, item)
            assert rows == [spec.checked(item, "x.", GIVEN, vault)]
        listed = [item for _, item in items]
        assert spec.read(listed, GIVEN, "v") == [spec.checked(i, "x.", GIVEN, "v") for i in listed]


def _corrupt(rng: random.Random, item: dict[str, Any]) -> Any:
    """One to three random faults: a member removed or given a value of another type, in the
    item or in one of its object members; now and then the item itself is not an object."""
    if rng.random() < 0.05:
        return rng.choice(["x", 3, None, [], [item], True])
    item = copy.deepcopy(item)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        target = item
        key = rng.choice([*item, "Lifecycle", "CalculatedLifecycle", "CreatedBy", "Extra"])
        if isinstance(item.get(key), dict) and rng.random() < 0.6:
            target = item[key] = dict(item[key])
            key = rng.choice(
                [*target, "BackupPlanId", "DeleteAt", "DeleteAfterDays", "RestoreTestingPlanArn"]
            )
        if rng.random() < 0.25:
            target.pop(key, None)
        else:
            target[key] = rng.choice(ANY_VALUE)
    return item


def test_corrupted_items_are_read_as_the_checked_reading_reads_them(tmp_path: Path) -> None:
    found = _bundle_items(tmp_path)
    rng = random.Random(11)
    taken = refused = 0
    for _ in range(20_000):
        key = rng.choice(sorted(found))
        spec = SPECS[key]
        vault, listed = rng.choice(found[key])
        if not listed:
            continue
        default = rng.choice((vault, None, ""))
        item = _corrupt(rng, rng.choice(listed))
        checked = _checked(spec, item, default)
        n, rows = _fast(spec, [item], default)
        if n == 1:
            taken += 1
            assert rows == [checked], (key, item)
        else:
            refused += 1
        # read(): the same row, or the same error (the checked reading's, naming the member)
        try:
            assert spec.read([listed[0], item], GIVEN, default)[1] == checked
        except ShapeError as exc:
            assert isinstance(checked, ShapeError)
            assert str(exc) == str(checked).replace(f"{key}[0]", f"{key}[1]")
    assert taken > 2_000 and refused > 10_000


def _member_value(kind: str) -> st.SearchStrategy[Any]:
    """A value the checked reading reads for ``kind`` (None: as absent)."""
    right = {STR: st.text(max_size=5), OPT_STR: st.none() | st.text(max_size=5), NUM: st.none() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False), BOOL: st.none() | st.booleans()}  # fmt: skip
    return right[kind]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)


@st.composite
def _items(draw: st.DrawFn, spec: ItemSpec, wrong: bool) -> Any:
    """An item of ``spec``: each member of its kind or absent (a required one present); with
    ``wrong``, any JSON value or absent, and now and then an object member or the item not an object."""
    item: dict[str, Any] = {}
    for m in spec.members:
        holder = item if m.inside is None else item.setdefault(m.inside, {})
        if (m.kind == STR and not wrong) or draw(st.booleans()):
            holder[m.key] = draw(_JSON if wrong and draw(st.booleans()) else _member_value(m.kind))
    for o in spec.objects:
        if not item[o] and draw(st.booleans()):
            del item[o]
        elif wrong and draw(st.integers(0, 5)) == 0:
            item[o] = draw(_JSON)
    return draw(_JSON) if wrong and draw(st.integers(0, 20)) == 0 else item


@pytest.mark.parametrize("spec", BULK_ITEMS, ids=[s.list_key for s in BULK_ITEMS])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_well_formed_items_take_the_fast_reading(spec: ItemSpec, data: st.DataObject) -> None:
    item = data.draw(_items(spec, wrong=False))
    default = data.draw(st.none() | st.text(max_size=2))
    n, rows = _fast(spec, [item], default)
    assert n == 1
    assert rows == [spec.checked(item, "x.", GIVEN, default)]


@pytest.mark.parametrize("spec", BULK_ITEMS, ids=[s.list_key for s in BULK_ITEMS])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_item_fast_reading_agrees_with_the_checked_reading(spec: ItemSpec, data: st.DataObject) -> None:
    item = data.draw(_items(spec, wrong=True))
    checked = _checked(spec, item)
    n, rows = _fast(spec, [item])
    if n == 1:
        assert rows == [checked]
    else:
        assert n == 0 and rows == []


def test_refused_item_mid_list_is_read_checked_and_the_rest_fast() -> None:
    good = {"RecoveryPointArn": "rp", "BackupSizeInBytes": 3, "Lifecycle": {"DeleteAfterDays": 7}}
    null_lifecycle = {"RecoveryPointArn": "rp2", "Lifecycle": None}  # refused by the fast reading, valid
    rows = RECOVERY_POINTS.read([good, null_lifecycle, good], GIVEN, "vault")
    assert [r[3] for r in rows] == ["rp", "rp2", "rp"]
    assert rows[1] == RECOVERY_POINTS.checked({"RecoveryPointArn": "rp2"}, "x.", GIVEN, "vault")
    bad = [good, good, {**good, "IsEncrypted": "yes"}]
    row = RecoveryPointRow._make(rows[0])
    assert (row.vault_name, row.backup_size_bytes, row.delete_after_days, row.is_encrypted) == (
        "vault",
        3.0,
        7.0,
        False,
    )
    with pytest.raises(
        ShapeError, match=r"member 'RecoveryPoints\[2\]\.IsEncrypted' must be a boolean, found str"
    ):
        RECOVERY_POINTS.read([*bad, good], GIVEN, None)
    with pytest.raises(
        ShapeError, match=r"'RecoveryPoints\[2\]\.IsEncrypted'"
    ):  # the index in the whole list
        RECOVERY_POINTS.read([*bad, good], GIVEN, None, 2, 4)
    assert len(RECOVERY_POINTS.read([*bad, good], GIVEN, None, 0, 2)) == 2
    assert len(RECOVERY_POINTS.read([*bad, good], GIVEN, None, 3, 99)) == 1


def test_checked_reading_names_the_first_bad_member_in_declaration_order() -> None:
    spec = SPECS["BackupJobs"]
    # objects first, then the members in order: CreatedBy.BackupPlanId comes before BackupVaultName
    item = {"BackupJobId": 1, "CreatedBy": {"BackupPlanId": 2}, "BackupVaultName": 3}
    with pytest.raises(ShapeError, match=r"'BackupJobs\[0\]\.BackupJobId' must be a string, found int"):
        spec.read([item], GIVEN)
    with pytest.raises(
        ShapeError, match=r"'BackupJobs\[0\]\.CreatedBy\.BackupPlanId' must be a string, found int"
    ):
        spec.read([{**item, "BackupJobId": "j"}], GIVEN)
    with pytest.raises(ShapeError, match=r"'BackupJobs\[0\]\.CreatedBy' must be an object, found list"):
        spec.read([{**item, "CreatedBy": []}], GIVEN)


def test_declaration_must_name_each_field_once() -> None:
    members = tuple(Member(f, f) for f in JobRow._fields[2:])
    assert ItemSpec("Jobs", JobRow, members).fast_source.startswith("def fast(")
    with pytest.raises(ValueError, match="once"):
        ItemSpec("Jobs", JobRow, (*members[:-1], Member("job_id", "X")))  # twice; rule_id: its default
    with pytest.raises(ValueError, match="once"):
        ItemSpec("Jobs", JobRow, (*members, Member("nope", "X")))
    with pytest.raises(ValueError, match="once"):
        ItemSpec("Jobs", JobRow, members[1:])  # job_id: required (no default), neither given nor read
    with pytest.raises(ValueError, match="unknown kind"):
        ItemSpec("Jobs", JobRow, (*members[:-1], Member("rule_id", "X", "int")))
