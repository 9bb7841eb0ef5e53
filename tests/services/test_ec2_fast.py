"""EC2's one-pass instance reading equals the member-by-member reading.

On well-formed responses the fast instance reading takes the call and gives the checked reading's
rows and instance tags; on corrupted responses, whatever it takes it reads as the checked reading
does, and whatever the checked reading refuses it refuses too (the checked reading then raises
the error naming the member).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import BundleError
from auditor.evidence import Call, read_bundle
from auditor.model.frames import load_inventory
from auditor.model.loading import BundleFiles, RegionContext, Sinks
from auditor.model.shapes import ShapeError
from auditor.services import ec2
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
ANY_VALUE: tuple[Any, ...] = (None, 0, 2.5, True, False, "", "s", "terminated", [], ["x"], {}, {"a": 1})
ATTACH = "2026-10-01T00:00:00+00:00"


def _files(tmp_path: Path) -> BundleFiles:
    return BundleFiles(read_bundle(BundleBuilder().build(tmp_path / "b")))


def _context(files: BundleFiles) -> RegionContext:
    """A fresh account-region context (its own state)."""
    return RegionContext(files, Sinks(), A, R)


def _reservations() -> dict[str, Any]:
    def instance(n: int, **more: Any) -> dict[str, Any]:
        return {
            "InstanceId": f"i-{n:017x}",
            "State": {"Code": 16, "Name": "running"},
            "Tags": [{"Key": "Name", "Value": f"web-{n}"}, {"Key": "env", "Value": "prod"}],
            **more,
        }

    mappings = [
        {"DeviceName": "/dev/xvda", "Ebs": {"AttachTime": "2026-10-02T00:00:00+00:00", "VolumeId": "vol-1"}},
        {"DeviceName": "/dev/xvdb", "Ebs": {"AttachTime": "2026-10-01T00:00:00.500000+00:00"}},
        {"DeviceName": "/dev/xvdc"},
    ]
    return {
        "Reservations": [
            {"OwnerId": A, "Instances": [instance(0), instance(1, BlockDeviceMappings=mappings)]},
            {"OwnerId": "222222222222", "Instances": [instance(2, State={"Name": "terminated"})]},
            {"Instances": [instance(3, BlockDeviceMappings=[]), instance(4, Tags=[])]},
            {"OwnerId": "", "Instances": [instance(5, State=None, BlockDeviceMappings=None)]},
            {"OwnerId": "333333333333"},
        ]
    }


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member path (dict keys and list indices) of ``value``."""
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for k in path[:-1]:
        value = value[k]
    value[path[-1]] = new


def _checked(ctx: RegionContext, response: Any) -> list[Any] | ShapeError:
    try:
        return ec2._instances_checked(ctx, response)
    except ShapeError as exc:
        return exc


def test_fast_instance_reading_takes_a_well_formed_call_and_equals_the_checked_one(tmp_path: Path) -> None:
    files = _files(tmp_path)
    fast_ctx, checked_ctx = _context(files), _context(files)
    response = _reservations()
    fast = ec2._instances_fast(fast_ctx, response)
    assert fast is not None
    checked = ec2._instances_checked(checked_ctx, response)
    assert fast == checked
    assert [r.arn.rsplit(":", 2)[-2] for r in fast] == [A, A, A, A, A]  # empty OwnerId: the account
    assert [r.created for r in fast] == [None, "2026-10-01T00:00:00.500000+00:00", None, None, None]
    assert fast_ctx.state(ec2._InstanceTags) == checked_ctx.state(ec2._InstanceTags)
    assert list(fast_ctx.state(ec2._InstanceTags)) == list(checked_ctx.state(ec2._InstanceTags))
    assert ec2._instances_fast(fast_ctx, {}) == []


def test_corrupted_instances_are_read_as_the_checked_reading_reads_them(tmp_path: Path) -> None:
    """Every member of a response replaced by every kind of value (and a few at once, at random):
    the fast reading refuses whatever the checked reading refuses, and reads the rest alike."""
    base = _reservations()
    paths = _paths(base)
    cases = [[(p, v)] for p in paths for v in ANY_VALUE]
    rng = random.Random(11)
    cases += [[(rng.choice(paths), rng.choice(ANY_VALUE)) for _ in range(3)] for _ in range(1500)]
    taken = refused = 0
    files = _files(tmp_path)
    for changes in cases:
        response = copy.deepcopy(base)
        for path, value in changes:
            try:
                _set(response, path, copy.deepcopy(value))
            except (KeyError, IndexError, TypeError):  # an earlier change removed its parent
                continue
        fast_ctx, checked_ctx = _context(files), _context(files)
        try:
            fast = ec2._instances_fast(fast_ctx, response)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:  # pragma: no cover - the failure
            pytest.fail(f"{changes}: the fast reading raised {exc!r}")
        checked = _checked(checked_ctx, response)
        if isinstance(checked, ShapeError):
            assert fast is None, changes
            refused += 1
        elif fast is not None:
            assert fast == checked, changes
            assert fast_ctx.state(ec2._InstanceTags) == checked_ctx.state(ec2._InstanceTags), changes
            taken += 1
    assert taken > 100 and refused > 100


def test_a_bad_instance_or_volume_names_its_member(tmp_path: Path) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "DescribeInstances",
            {"Reservations": [{"Instances": [{"InstanceId": "i-1"}, {"InstanceId": "i-2", "Tags": [7]}]}]},
            "member 'Reservations[0].Instances[1].Tags' must hold {Key, Value} objects, found int",
        ),
        (
            "DescribeInstances",
            {
                "Reservations": [
                    {
                        "Instances": [
                            {"InstanceId": "i-1", "BlockDeviceMappings": [{"Ebs": {"AttachTime": "x"}}]}
                        ]
                    }
                ]
            },
            "member 'Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.AttachTime' is not an ISO 8601 timestamp: 'x'",
        ),
        (
            "DescribeVolumes",
            {"Volumes": [{"VolumeId": "vol-1"}, {"VolumeId": "vol-2", "Attachments": [{"InstanceId": 3}]}]},
            "member 'Volumes[1].Attachments[0].InstanceId' must be a string, found int",
        ),
        (
            "DescribeVolumes",
            {"Volumes": [{"VolumeId": "vol-1", "CreateTime": 5}]},
            "member 'Volumes[0].CreateTime'",
        ),
    ]
    for n, (operation, response, message) in enumerate(cases):
        b = BundleBuilder()
        b.raw_calls("ec2", operation, [Call({}, response)])
        with pytest.raises(BundleError) as info:
            load_inventory(read_bundle(b.build(tmp_path / f"b{n}")))
        assert info.value.problem.startswith(f"call [0]: {message}")
