"""BundleBuilder writes what collect would: every response member exists in botocore's model."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.services import regional_keys
from tests.builders import BundleBuilder

ROOT = Path(__file__).resolve().parents[2]
SESSION = botocore.session.get_session()
PRIMITIVES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (int, float),
    "float": (int, float),
    "timestamp": (str,),  # ISO 8601 in the bundle
}


def check(shape: Shape, value: Any, where: str) -> None:
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), f"{where}: expected object"
        for key, member in value.items():
            assert key in shape.members, f"{where}.{key} is not a member of {shape.name}"
            check(shape.members[key], member, f"{where}.{key}")
    elif isinstance(shape, ListShape):
        assert isinstance(value, list), f"{where}: expected list"
        for i, item in enumerate(value):
            check(shape.member, item, f"{where}[{i}]")
    elif isinstance(shape, MapShape):
        assert isinstance(value, dict), f"{where}: expected map"
        for k, v in value.items():
            check(shape.value, v, f"{where}[{k}]")
    else:
        expected = PRIMITIVES[shape.type_name]
        assert isinstance(value, expected), f"{where}: {type(value).__name__} is not {shape.type_name}"
        if shape.type_name in ("integer", "long"):
            assert not isinstance(value, bool), f"{where}: bool is not {shape.type_name}"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    b.management("DynamoDB", False)
    aurora = b.rds_cluster("aur", tags={"backup": "daily"}, member_instances=2)
    b.rds_cluster("doc", engine="docdb")
    b.rds_instance("custom", engine="custom-sqlserver-ee")
    b.rds_instance("edge", outpost_arn="arn:aws:outposts:eu-west-1:111111111111:outpost/op-1")
    table = b.dynamodb_table("orders", tags={"team": "a"})
    b.efs("fs-1", tags={"Name": "shared"})
    b.fsx_file_system("fs-2", kind="ONTAP", tags={"backup": "daily"})
    b.fsx_volume("fs-2", "fsvol-1", tags={"x": "y"})
    inst = b.ec2_instance("i-1", tags={"Name": "web"})
    b.ebs_volume("vol-1")
    b.ebs_volume("vol-2", attached_to=["i-1", "i-2"])
    pid = b.plan(
        "daily",
        rules=[
            {
                "CopyActions": [
                    {
                        "DestinationBackupVaultArn": "arn:aws:backup:us-east-1:111111111111:backup-vault:dr",
                        "Lifecycle": {"DeleteAfterDays": 90},
                    }
                ]
            }
        ],
    )
    b.selection(
        pid,
        "mixed",
        resources=["arn:aws:ec2:*:*:instance/*"],
        not_resources=[inst],
        list_of_tags=[("backup", "daily")],
        conditions=[("StringLike", "aws:ResourceTag/env", "prod*")],
    )
    b.vault("Default", locked=True, min_retention_days=7, max_retention_days=365, policy={"Statement": []})
    b.recovery_point(aurora, "Aurora", plan_id=pid)
    b.recovery_point(table, "DynamoDB", status="EXPIRED")
    b.job(inst, "EC2", state="FAILED", status_message="boom", plan_id=pid)
    b.rbin_rule("EBS_SNAPSHOT", lock_state="locked")
    b.effective_policy("111111111111", {"plans": {}})
    return b.build(tmp_path_factory.mktemp("b") / "bundle")


def test_every_response_matches_botocore_output_shape(bundle: Path) -> None:
    seen = set()
    for account, region, service, operation, path in read_bundle(bundle).iter_files():
        model = SESSION.get_service_model(service).operation_model(operation)
        calls = read_bundle(bundle).calls(account, region, service, operation) or []
        output, inputs = model.output_shape, model.input_shape
        assert output is not None, f"{service}.{operation}"
        for i, call in enumerate(calls):
            check(output, dict(call.response), f"{path.name}[{i}]")
            for key in call.params:
                assert inputs is not None and key in inputs.members, f"{path.name}[{i}] param {key}"
        seen.add(f"{service}.{operation}")
    assert set(regional_keys()) <= seen


def test_ids_are_the_same_in_every_process(tmp_path: Path) -> None:
    """Fixture bundles are committed byte for byte: no id may depend on str hash salting."""
    script = (
        "from tests.builders import BundleBuilder\n"
        "b = BundleBuilder()\n"
        "b.rds_instance('db-1')\n"
        "b.rds_cluster('aur', member_instances=2)\n"
        "b.ebs_volume('vol-1', attached_to='i-1')\n"
        "b.plan('daily')\n"
        "import sys; b.build(sys.argv[1])\n"
    )
    outputs = []
    for n, seed in enumerate(("1", "2", "random")):
        out = tmp_path / f"b{n}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, cwd=ROOT, env=env, timeout=120)
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1] == outputs[2]
    subnets = json.loads(
        (
            tmp_path / "b0" / "accounts" / "111111111111" / "eu-west-1" / "rds.DescribeDBInstances.json"
        ).read_text()
    )
    ids = {
        s["SubnetIdentifier"]
        for c in subnets
        for d in c["response"]["DBInstances"]
        for s in d["DBSubnetGroup"]["Subnets"]
    }
    assert len(ids) == 3 and all(i.startswith("subnet-") and len(i) == len("subnet-") + 8 for i in ids)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (None, [35.0]),
        ([{}], [35.0]),
        ([{"DeleteAfterDays": 7}], [7.0]),
        ([{"DeleteAfterDays": None}], [None]),
        ([BundleBuilder.rule(DeleteAfterDays=None)], [None]),
        ([BundleBuilder.rule(RuleName="weekly", DeleteAfterDays=90)], [90.0]),
        ([BundleBuilder.rule(RuleName="a", DeleteAfterDays=None), {"RuleName": "b"}], [None, 35.0]),
    ],
)
def test_plan_rule_retention_none_means_keep_forever(
    tmp_path: Path, rules: list[dict[str, Any]] | None, expected: list[float | None]
) -> None:
    b = BundleBuilder()
    b.plan("p", rules)
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    got = [None if math.isnan(x) else x for x in inv.plan_rules["delete_after_days"].tolist()]
    assert got == expected
