"""FSx for ONTAP: CreateStorageVirtualMachine, CreateVolume, DescribeVolumes (moto has none).
Volume tags live in moto's FSx tagger, so TagResource / ListTagsForResource work on volumes too."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from moto.fsx import models as fsx_models
from moto.fsx.models import FSxBackend
from moto.fsx.responses import FSxResponse
from moto.moto_api._internal import mock_random

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate, utcnow


@dataclass
class FsxExtState:
    svms: dict[str, dict[str, Any]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)


def state(backend: FSxBackend) -> FsxExtState:
    return backend_state(backend, "fsx", FsxExtState)


def _params(response: Any) -> dict[str, Any]:
    parsed = json.loads(response.body or "{}")
    return parsed if isinstance(parsed, dict) else {}


def _with_tags(backend: FSxBackend, record: dict[str, Any]) -> dict[str, Any]:
    result = dict(record)
    tags = backend.list_tags_for_resource(record["ResourceARN"])
    if tags:
        result["Tags"] = tags
    return result


def create_storage_virtual_machine(self: Any) -> str:
    backend: FSxBackend = self.fsx_backend
    params = _params(self)
    file_system_id = params.get("FileSystemId")
    file_system = backend.file_systems.get(str(file_system_id))
    if file_system is None:
        raise SandboxError("FileSystemNotFound", f"File system {file_system_id} not found")
    if file_system.file_system_type != "ONTAP":
        raise SandboxError("BadRequest", f"File system {file_system_id} is not an ONTAP file system")
    svm_id = f"svm-{mock_random.uuid4().hex[:17]}"
    arn = f"arn:aws:fsx:{backend.region_name}:{backend.account_id}:storage-virtual-machine/{file_system_id}/{svm_id}"
    record = {
        "CreationTime": utcnow().timestamp(),
        "FileSystemId": file_system_id,
        "Lifecycle": "CREATED",
        "Name": str(params.get("Name")),
        "ResourceARN": arn,
        "StorageVirtualMachineId": svm_id,
        "Subtype": "DEFAULT",
        "UUID": str(mock_random.uuid4()),
        "RootVolumeSecurityStyle": params.get("RootVolumeSecurityStyle") or "UNIX",
    }
    if params.get("Tags"):
        backend.tagger.tag_resource(arn, params["Tags"])
    state(backend).svms[svm_id] = record
    return json.dumps({"StorageVirtualMachine": _with_tags(backend, record)})


def create_volume(self: Any) -> str:
    backend: FSxBackend = self.fsx_backend
    params = _params(self)
    if params.get("VolumeType") != "ONTAP":
        raise SandboxError("BadRequest", "The sandbox only models ONTAP volumes")
    ontap = dict(params.get("OntapConfiguration") or {})
    svm = state(backend).svms.get(str(ontap.get("StorageVirtualMachineId")))
    if svm is None:
        raise SandboxError(
            "StorageVirtualMachineNotFound",
            f"Storage virtual machine {ontap.get('StorageVirtualMachineId')} not found",
        )
    file_system_id = svm["FileSystemId"]
    volume_id = f"fsvol-{mock_random.uuid4().hex[:17]}"
    arn = f"arn:aws:fsx:{backend.region_name}:{backend.account_id}:volume/{file_system_id}/{volume_id}"
    size_mb = int(ontap.get("SizeInMegabytes") or 1024)
    configuration = {
        "FlexCacheEndpointType": "NONE",
        "JunctionPath": ontap.get("JunctionPath") or f"/{params['Name']}",
        "SecurityStyle": ontap.get("SecurityStyle") or "UNIX",
        "SizeInMegabytes": size_mb,
        "StorageEfficiencyEnabled": bool(ontap.get("StorageEfficiencyEnabled", True)),
        "StorageVirtualMachineId": svm["StorageVirtualMachineId"],
        "StorageVirtualMachineRoot": False,
        "TieringPolicy": ontap.get("TieringPolicy") or {"CoolingPeriod": 31, "Name": "AUTO"},
        "UUID": str(mock_random.uuid4()),
        "OntapVolumeType": ontap.get("OntapVolumeType") or "RW",
        "SnapshotPolicy": ontap.get("SnapshotPolicy") or "default",
        "CopyTagsToBackups": bool(ontap.get("CopyTagsToBackups", False)),
        "VolumeStyle": ontap.get("VolumeStyle") or "FLEXVOL",
        "SizeInBytes": int(ontap.get("SizeInBytes") or size_mb * 1024 * 1024),
    }
    record = {
        "CreationTime": utcnow().timestamp(),
        "FileSystemId": file_system_id,
        "Lifecycle": "CREATED",
        "Name": str(params["Name"]),
        "OntapConfiguration": configuration,
        "ResourceARN": arn,
        "VolumeId": volume_id,
        "VolumeType": "ONTAP",
    }
    if params.get("Tags"):
        backend.tagger.tag_resource(arn, params["Tags"])
    state(backend).volumes[volume_id] = record
    return json.dumps({"Volume": _with_tags(backend, record)})


def describe_volumes(self: Any) -> str:
    backend: FSxBackend = self.fsx_backend
    params = _params(self)
    volumes = list(state(backend).volumes.values())
    wanted = params.get("VolumeIds")
    if wanted:
        missing = [v for v in wanted if v not in state(backend).volumes]
        if missing:
            raise SandboxError("VolumeNotFound", f"Volumes not found: {', '.join(missing)}")
        volumes = [v for v in volumes if v["VolumeId"] in wanted]
    for volume_filter in params.get("Filters") or []:
        values = set(volume_filter.get("Values") or [])
        if volume_filter.get("Name") == "file-system-id":
            volumes = [v for v in volumes if v["FileSystemId"] in values]
        elif volume_filter.get("Name") == "storage-virtual-machine-id":
            volumes = [v for v in volumes if v["OntapConfiguration"]["StorageVirtualMachineId"] in values]
    max_results = params.get("MaxResults")
    page, token = paginate(
        volumes, int(max_results) if max_results else None, params.get("NextToken"), error_code="BadRequest"
    )
    result: dict[str, Any] = {"Volumes": [_with_tags(backend, v) for v in page]}
    if token:
        result["NextToken"] = token
    return json.dumps(result)


def install() -> None:
    for handler in (create_storage_virtual_machine, create_volume, describe_volumes):
        setattr(FSxResponse, handler.__name__, handler)
    # moto's FSx draws file system ids from uuid.uuid4, which /moto-api/seed does not reach; its
    # seeded generator makes the demo's ids the same on every run.
    fsx_models.uuid4 = mock_random.uuid4  # type: ignore[attr-defined]  # moto imports it unexported
