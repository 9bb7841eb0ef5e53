"""The sandbox's Storage Gateway, AWS Backup gateway and Systems Manager for SAP (moto lacks all
three): botocore's shapes on the wire and parsed, real pagination, per account-region state,
errors AWS names, and ``/moto-api/reset`` clearing it all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from auditor.sandbox import Sandbox, start_sandbox
from auditor.sandbox.control import (
    ControlError,
    add_gateway_volume,
    add_sap_hana_database,
    add_virtual_machine,
)
from tests.sandbox.helpers import RecordingClient

ACCOUNT = "123456789012"
N = 5


@pytest.fixture(scope="module")
def isolated() -> Iterator[Sandbox]:
    with start_sandbox(own_process=True) as running:
        yield running


def _all_pages(
    client: RecordingClient, operation: str, key: str, size: str, token: str, out_token: str, **params: Any
) -> list[list[Any]]:
    pages: list[list[Any]] = []
    marker: str | None = None
    while True:
        request = {**params, size: 2}
        if marker:
            request[token] = marker
        answer = client.check(operation, **request)
        pages.append(answer[key])
        marker = answer.get(out_token)
        if not marker:
            return pages
        assert len(pages) < 50, "pagination does not end"


def test_storage_gateway_volumes_paginate_with_their_shapes(isolated: Sandbox) -> None:
    url = isolated.endpoint_url
    arns = [
        add_gateway_volume(
            url,
            account_id=ACCOUNT,
            region="eu-west-1",
            gateway_id=f"sgw-0000000{n % 2}",
            gateway_name=f"gw-{n % 2}",
            volume_id=f"vol-0000000{n}",
            tags={"n": str(n)},
        )
        for n in range(N)
    ]
    sgw = RecordingClient(url, "storagegateway", "eu-west-1")
    gateways = sgw.check("ListGateways")["Gateways"]
    assert sorted(g["GatewayName"] for g in gateways) == ["gw-0", "gw-1"]
    pages = _all_pages(sgw, "ListVolumes", "VolumeInfos", "Limit", "Marker", "Marker")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(v["VolumeARN"] for p in pages for v in p) == sorted(arns)
    one_gateway = sgw.check("ListVolumes", GatewayARN=gateways[0]["GatewayARN"])
    assert one_gateway["GatewayARN"] == gateways[0]["GatewayARN"]
    assert all(v["GatewayARN"] == gateways[0]["GatewayARN"] for v in one_gateway["VolumeInfos"])
    assert sgw.check("ListTagsForResource", ResourceARN=arns[3])["Tags"] == [{"Key": "n", "Value": "3"}]
    with pytest.raises(ClientError) as error:
        sgw.client.list_tags_for_resource(ResourceARN=arns[0].replace("vol-00000000", "vol-0000000F"))
    assert error.value.response["Error"]["Code"] == "InvalidGatewayRequestException"
    # Another Region of the account holds nothing.
    assert RecordingClient(url, "storagegateway", "us-east-1").check("ListVolumes")["VolumeInfos"] == []


def test_virtual_machines_paginate_with_their_shapes(isolated: Sandbox) -> None:
    url = isolated.endpoint_url
    arns = [
        add_virtual_machine(
            url, account_id=ACCOUNT, region="eu-west-1", vm_id=f"vm-000000000000000{n}", name=f"app-{n}"
        )
        for n in range(N)
    ]
    add_virtual_machine(
        url, account_id=ACCOUNT, region="eu-west-1", vm_id="vm-0000000000000009", tags={"backup": "daily"}
    )
    bgw = RecordingClient(url, "backup-gateway", "eu-west-1")
    pages = _all_pages(bgw, "ListVirtualMachines", "VirtualMachines", "MaxResults", "NextToken", "NextToken")
    listed = [vm["ResourceArn"] for p in pages for vm in p]
    assert [len(p) for p in pages] == [2, 2, 2] and set(arns) < set(listed)
    tagged = next(a for a in listed if a.endswith("vm-0000000000000009"))
    assert bgw.check("ListTagsForResource", ResourceArn=tagged)["Tags"] == [
        {"Key": "backup", "Value": "daily"}
    ]
    with pytest.raises(ClientError) as error:
        bgw.client.list_tags_for_resource(ResourceArn=tagged.replace("09", "08"))
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ControlError, match="already exists"):
        add_virtual_machine(url, account_id=ACCOUNT, region="eu-west-1", vm_id="vm-0000000000000009")


def test_sap_hana_databases_paginate_with_their_shapes(isolated: Sandbox) -> None:
    url = isolated.endpoint_url
    for n in range(3):
        add_sap_hana_database(
            url,
            account_id=ACCOUNT,
            region="eu-west-1",
            application_id=f"APP{n}",
            database_id="SYSTEMDB",
            database_type="SYSTEM",
        )
    arns = [
        add_sap_hana_database(
            url,
            account_id=ACCOUNT,
            region="eu-west-1",
            application_id="APP0",
            database_id=f"T{n}",
            tags={"n": str(n)},
        )
        for n in range(N)
    ]
    sap = RecordingClient(url, "ssm-sap", "eu-west-1")
    apps = _all_pages(sap, "ListApplications", "Applications", "MaxResults", "NextToken", "NextToken")
    assert [a["Id"] for p in apps for a in p] == ["APP0", "APP1", "APP2"]
    pages = _all_pages(
        sap, "ListDatabases", "Databases", "MaxResults", "NextToken", "NextToken", ApplicationId="APP0"
    )
    assert [len(p) for p in pages] == [2, 2, 2]
    assert [d["Arn"] for p in pages for d in p][1:] == arns
    got = sap.check("GetDatabase", ApplicationId="APP0", ComponentId="HDB-HDB00", DatabaseId="T2")
    assert (got["Database"]["Arn"], got["Tags"]) == (arns[2], {"n": "2"})
    assert got["Database"]["DatabaseType"] == "TENANT"
    by_arn = sap.check("GetDatabase", DatabaseArn=arns[4])
    assert by_arn["Database"]["DatabaseId"] == "T4"
    with pytest.raises(ClientError) as error:
        sap.client.list_databases(ApplicationId="NOPE")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_reset_clears_what_the_three_services_hold() -> None:
    with start_sandbox(own_process=True) as sandbox:
        url = sandbox.endpoint_url
        add_gateway_volume(
            url, account_id=ACCOUNT, region="us-east-1", gateway_id="sgw-00000001", volume_id="vol-00000001"
        )
        add_virtual_machine(url, account_id=ACCOUNT, region="us-east-1", vm_id="vm-00000000000000001")
        add_sap_hana_database(
            url, account_id=ACCOUNT, region="us-east-1", application_id="A", database_id="D"
        )
        sgw = RecordingClient(url, "storagegateway")
        bgw = RecordingClient(url, "backup-gateway")
        sap = RecordingClient(url, "ssm-sap")
        assert sgw.check("ListVolumes")["VolumeInfos"] and bgw.check("ListVirtualMachines")["VirtualMachines"]
        assert sap.check("ListApplications")["Applications"]
        sandbox.reset()
        assert sgw.check("ListGateways")["Gateways"] == []
        assert sgw.check("ListVolumes")["VolumeInfos"] == []
        assert bgw.check("ListVirtualMachines")["VirtualMachines"] == []
        assert sap.check("ListApplications")["Applications"] == []
