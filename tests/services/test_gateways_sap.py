"""Storage Gateway volumes, VMware virtual machines (AWS Backup gateway) and SAP HANA databases:
inventory, selection semantics and opt-in, explain's readings, old bundles, Regions without the
service, incomplete per-item files."""

from __future__ import annotations

from pathlib import Path

from auditor import services
from auditor.collect.engine import service_regions
from auditor.evaluate import evaluate_bundle
from auditor.evidence import Call, read_bundle
from auditor.model.frames import load_inventory
from auditor.not_evaluated import NOT_COLLECTED
from auditor.protection.explain import explain, render_text
from auditor.protection.resolver import resolve
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
TYPES = ("Storage Gateway", "VirtualMachine", "SAP HANA on Amazon EC2")
KEYS = (
    "storagegateway.ListGateways",
    "storagegateway.ListVolumes",
    "storagegateway.ListTagsForResource",
    "backup-gateway.ListVirtualMachines",
    "backup-gateway.ListTagsForResource",
    "ssm-sap.ListApplications",
    "ssm-sap.ListDatabases",
    "ssm-sap.GetDatabase",
)


def _one_of_each(b: BundleBuilder) -> tuple[str, str, str, str]:
    vol = b.storage_gateway_volume("vol-0A1B2C3D", gateway_name="plant-gw", tags={"backup": "daily"})
    vm = b.virtual_machine("vm-0123456789ABCDEF0", name="erp-app", tags={"backup": "daily"})
    system = b.sap_hana_database("ERP", "SYSTEMDB", database_type="SYSTEM", tags={"backup": "daily"})
    tenant = b.sap_hana_database("ERP", "HDB")
    return vol, vm, system, tenant


def test_each_kind_is_a_resource_with_the_arn_aws_backup_uses_and_its_own_tags(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol, vm, system, tenant = _one_of_each(b)
    assert vol == f"arn:aws:storagegateway:{R}:{A}:gateway/sgw-12A3456B/volume/vol-0A1B2C3D"
    assert vm == f"arn:aws:backup-gateway:{R}:{A}:vm/vm-0123456789ABCDEF0"
    assert system == f"arn:aws:ssm-sap:{R}:{A}:HANA/ERP/DB/SYSTEMDB"
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    res = inv.resources.set_index("arn")
    got = {
        arn: (res.loc[arn, "resource_type"], res.loc[arn, "name"], res.loc[arn, "tags"]) for arn in res.index
    }
    assert got == {
        vol: ("Storage Gateway", "vol-0A1B2C3D (gateway plant-gw)", {"backup": "daily"}),
        vm: ("VirtualMachine", "erp-app", {"backup": "daily"}),
        system: ("SAP HANA on Amazon EC2", "SYSTEMDB", {"backup": "daily"}),
        tenant: ("SAP HANA on Amazon EC2", "HDB", {}),
    }
    assert inv.coverage[inv.coverage["operation"].isin(KEYS)]["collected"].all()
    assert set(KEYS) <= set(inv.coverage["operation"])


def test_selections_and_opt_in_apply_as_to_every_type(tmp_path: Path) -> None:
    """Opt-in off for all three: tags alone (ListOfTags, Conditions) and service-wide patterns do not
    back them up; a resource-type pattern or an exact ARN does; NotResources excludes."""
    b = BundleBuilder()
    for t in TYPES:
        b.opt_in(t, False)
    by_tag = b.storage_gateway_volume("vol-00000001", tags={"backup": "daily"})
    by_type = b.storage_gateway_volume("vol-00000002")
    excluded = b.storage_gateway_volume("vol-00000003")
    vm_service_wide = b.virtual_machine("vm-00000000000000001")
    vm_exact = b.virtual_machine("vm-00000000000000002")
    sap_condition = b.sap_hana_database("ERP", "HDB", tags={"env": "prod"})
    sap_type = b.sap_hana_database("CRM", "HDB")
    plan = b.plan("daily")
    b.selection(plan, "tagged", list_of_tags=[("backup", "daily")])
    b.selection(
        plan,
        "volumes",
        resources=["arn:aws:storagegateway:*:*:gateway/*/volume/*"],
        not_resources=[excluded],
    )
    b.selection(plan, "all-vms", resources=["arn:aws:backup-gateway:*"])
    b.selection(plan, "one-vm", resources=[vm_exact])
    b.selection(plan, "prod", conditions=[("StringEquals", "aws:ResourceTag/env", "prod")])
    b.selection(plan, "crm", resources=["arn:aws:ssm-sap:*:*:HANA/CRM/DB/*"])
    path = b.build(tmp_path / "b")
    p = resolve(load_inventory(read_bundle(path)))
    verdicts = dict(zip(p.verdicts["arn"], p.verdicts["protected"], strict=True))
    assert verdicts == {
        by_tag: True,  # also matched by the volumes pattern (type level: no opt-in needed)
        by_type: True,
        excluded: False,
        vm_service_wide: False,
        vm_exact: True,
        sap_condition: False,
        sap_type: True,
    }
    result = evaluate_bundle(read_bundle(path))
    found = {(f.rule_id, f.resource_arn) for f in result.findings if f.rule_id in ("BKP-001", "BKP-002")}
    # BKP-001 names every selection the opt-in blocks, also where another selection protects.
    blocked = {vm_service_wide, sap_condition, by_tag, vm_exact}
    assert found == {("BKP-001", arn) for arn in blocked} | {("BKP-002", excluded)}
    opt_in_off = {f.resource_type for f in result.findings if f.rule_id == "BKP-004"}
    assert set(TYPES) <= opt_in_off


def test_a_volume_selected_only_by_tags_needs_the_storage_gateway_opt_in(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.storage_gateway_volume("vol-0A1B2C3D", tags={"backup": "daily"})
    plan = b.plan("daily")
    b.selection(plan, "tagged", list_of_tags=[("backup", "daily")])
    on = resolve(load_inventory(read_bundle(b.build(tmp_path / "on"))))
    b.opt_in("Storage Gateway", False)
    off = resolve(load_inventory(read_bundle(b.build(tmp_path / "off"))))
    assert bool(on.verdicts.set_index("arn").loc[vol, "protected"])
    assert not bool(off.verdicts.set_index("arn").loc[vol, "protected"])


def test_explain_states_the_reading_of_each_kind(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol, vm, system, _ = _one_of_each(b)
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    p = resolve(inv)
    for arn, needle in (
        (vol, "ListVolumes without GatewayARN"),
        (vm, "VMware tags count only once AWS Backup has mapped them"),
        (system, "SYSTEM and TENANT alike"),
    ):
        text = render_text(explain(inv, p, arn))
        assert "verdict    PROTECTED" in text
        assert any(line.startswith("reading") and needle in line for line in text.splitlines()), text


def test_a_version_2_bundle_says_the_three_types_were_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder(version=2)
    _one_of_each(b)  # a version 2 collector never called these services: nothing is written
    b.selection(b.plan("daily"), "everything", resources=["*"])
    root = b.build(tmp_path / "b")
    assert not [
        p
        for p in root.rglob("*.json")
        if p.name.split(".")[0] in ("storagegateway", "backup-gateway", "ssm-sap")
    ]
    bundle = read_bundle(root)
    inv = load_inventory(bundle)
    assert set(KEYS) <= set(inv.not_collected)
    result = evaluate_bundle(bundle)
    assert {c.status for c in result.coverage} == {"audited"}
    assert not [f for f in result.findings if f.rule_id == "BKP-090"]
    assert not [r for r in result.resources if r["resource_type"] in TYPES]
    gone = {e["resource_type"]: e for e in result.summary["not_evaluated"] if e["resource_type"] in TYPES}
    assert {t: (e["why"], e["operations"]) for t, e in gone.items()} == {
        "Storage Gateway": (NOT_COLLECTED, ["storagegateway.ListVolumes"]),
        "VirtualMachine": (NOT_COLLECTED, ["backup-gateway.ListVirtualMachines"]),
        "SAP HANA on Amazon EC2": (NOT_COLLECTED, ["ssm-sap.ListDatabases"]),
    }


def test_a_version_3_bundle_without_their_files_is_partial(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.omit("backup-gateway", "ListVirtualMachines")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert [c.status for c in result.coverage] == ["partial"]
    assert "backup-gateway.ListVirtualMachines" in result.coverage[0].missing
    assert [f.rule_id for f in result.findings if f.rule_id == "BKP-090"] == ["BKP-090"]


def test_a_region_without_the_service_is_not_partial_and_calls_nothing(tmp_path: Path) -> None:
    """botocore lists no AWS Backup gateway endpoint in il-central-1: the collector does not call
    it there and records it in the manifest's ``unavailable``; the evaluator reads that record, so
    the Region is still fully audited (no file of the service, not missing)."""
    assert "il-central-1" not in service_regions("backup-gateway", "aws")
    assert "il-central-1" in service_regions("ssm-sap", "aws")
    assert {"storagegateway", "backup-gateway", "ssm-sap"} <= services.some_region_services()
    b = BundleBuilder()
    b.account(A, ["il-central-1"])
    b.unavailable("backup-gateway", "il-central-1")
    db = b.sap_hana_database("ERP", "HDB", region="il-central-1")
    root = b.build(tmp_path / "b")
    assert not list(root.rglob("backup-gateway.*"))
    assert list(root.rglob("ssm-sap.GetDatabase.json*"))
    bundle = read_bundle(root)
    assert bundle.manifest.unavailable == (("backup-gateway", "il-central-1"),)
    result = evaluate_bundle(bundle)
    assert [c.status for c in result.coverage] == ["audited"]
    assert not [f for f in result.findings if f.rule_id == "BKP-090"]
    inv = load_inventory(bundle)
    gateway = inv.coverage[inv.coverage["operation"].str.startswith("backup-gateway.")]
    assert sorted(gateway["operation"]) == [
        "backup-gateway.ListTagsForResource",
        "backup-gateway.ListVirtualMachines",
    ]
    assert gateway["collected"].all()
    assert set(gateway["error_message"]) == {"backup-gateway is not available in il-central-1"}
    assert db in set(inv.resources["arn"])


def test_the_evaluator_reads_the_manifest_record_not_the_endpoint_data(tmp_path: Path) -> None:
    """Without the manifest's record, a Region whose files lack the service is partial, even where
    botocore lists no endpoint (the collector alone decides; the bundle says what it decided)."""
    b = BundleBuilder()
    b.account(A, ["il-central-1"])
    for operation in ("ListVirtualMachines", "ListTagsForResource"):
        b.omit("backup-gateway", operation, region="il-central-1")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert [c.status for c in result.coverage] == ["partial"]
    assert "backup-gateway.ListVirtualMachines" in result.coverage[0].missing


def test_a_listed_resource_without_its_per_item_call_makes_the_region_partial(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.storage_gateway_volume("vol-0A1B2C3D", tags={"backup": "daily"})
    b.storage_gateway_volume("vol-0A1B2C3E")
    tenant = b.sap_hana_database("ERP", "HDB", tags={"team": "erp"})
    b.sap_hana_database("ERP", "SYSTEMDB", database_type="SYSTEM")
    b.raw_calls(
        "storagegateway",
        "ListTagsForResource",
        [Call({"ResourceARN": vol}, {"ResourceARN": vol, "Tags": [{"Key": "backup", "Value": "daily"}]})],
    )
    b.raw_calls(
        "ssm-sap",
        "GetDatabase",
        [
            Call(
                {"ApplicationId": "ERP", "ComponentId": "HDB-HDB00", "DatabaseId": "HDB"},
                {"Database": {"Arn": tenant, "DatabaseId": "HDB"}, "Tags": {"team": "erp"}},
            )
        ],
    )
    bundle = read_bundle(b.build(tmp_path / "b"))
    result = evaluate_bundle(bundle)
    assert [c.status for c in result.coverage] == ["partial"]
    assert {"storagegateway.ListTagsForResource", "ssm-sap.GetDatabase"} <= set(result.coverage[0].missing)
    inv = load_inventory(bundle)
    assert len(inv.resources) == 4  # every listed resource is still in the inventory
