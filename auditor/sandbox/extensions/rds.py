"""RDS: DocumentDB clusters (engine ``docdb``), RDS Custom instances (``custom-sqlserver-*``,
``custom-oracle-*``: moto has no default port for them) and RDS on Outposts (a DB subnet group whose
EC2 subnets were created with an ``OutpostArn`` reports ``Subnets[].SubnetOutpost.Arn``)."""

from __future__ import annotations

from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.responses.subnets import Subnets as SubnetsResponse
from moto.rds import models as rds_models
from moto.rds.models import DBCluster, DBInstance, DBSubnetGroup
from moto.rds.utils import ClusterEngine, DbInstanceEngine

DOCDB_ENGINE_VERSION = "5.0.0"
DOCDB_PORT = 27017

_EXTRA_INSTANCE_PORTS = {
    "docdb": DOCDB_PORT,
    "custom-sqlserver-ee": 1433,
    "custom-sqlserver-se": 1433,
    "custom-sqlserver-web": 1433,
    "custom-oracle-ee": 1521,
    "custom-oracle-ee-cdb": 1521,
}
_EXTRA_INSTANCE_VERSIONS = {
    "docdb": DOCDB_ENGINE_VERSION,
    "custom-sqlserver-ee": "15.00.4312.2.v1",
    "custom-sqlserver-se": "15.00.4312.2.v1",
    "custom-sqlserver-web": "15.00.4312.2.v1",
    "custom-oracle-ee": "19.cev.2023",
    "custom-oracle-ee-cdb": "19.cev.2023",
}
_EXTRA_INSTANCE_STORAGE = {
    "docdb": {"gp2": 0, "io1": 0, "standard": 0},
    "custom-sqlserver-ee": {"gp2": 20, "io1": 100, "standard": 20},
    "custom-sqlserver-se": {"gp2": 20, "io1": 100, "standard": 20},
    "custom-sqlserver-web": {"gp2": 20, "io1": 100, "standard": 20},
    "custom-oracle-ee": {"gp2": 40, "io1": 100, "standard": 40},
    "custom-oracle-ee-cdb": {"gp2": 40, "io1": 100, "standard": 40},
}

_cluster_engines = ClusterEngine.list_cluster_engines
_instance_engines = DbInstanceEngine.valid_db_instance_engine
_cluster_version = DBCluster.default_engine_version
_cluster_port = DBCluster.default_port
_cluster_storage = DBCluster.default_allocated_storage
_cluster_init = DBCluster.__init__
_instance_port = DBInstance.default_port
_instance_storage = DBInstance.default_allocated_storage
_instance_init = DBInstance.__init__
_subnets_property: Any = DBSubnetGroup.__dict__["subnets"]
_cluster_multi_az: Any = DBCluster.__dict__["multi_az"]
_create_subnet = SubnetsResponse.create_subnet


def _list_cluster_engines() -> list[str]:
    return sorted({*_cluster_engines(), "docdb"})


def _valid_db_instance_engine() -> list[str]:
    return sorted({*_instance_engines(), "docdb"})


def _cluster_default_engine_version(engine: str) -> str:
    return DOCDB_ENGINE_VERSION if engine == "docdb" else _cluster_version(engine)


def _cluster_default_port(engine: str) -> int:
    return DOCDB_PORT if engine == "docdb" else _cluster_port(engine)


def _cluster_default_allocated_storage(engine: str, storage_type: str) -> int:
    return 1 if engine == "docdb" else _cluster_storage(engine, storage_type)


def _cluster_initialise(self: Any, *args: Any, **kwargs: Any) -> None:
    _cluster_init(self, *args, **kwargs)
    if self.engine == "docdb":
        if not kwargs.get("db_cluster_parameter_group_name"):
            self.parameter_group = "default.docdb5.0"
        self.option_group_name = None


def _cluster_is_multi_az(self: Any) -> bool:
    """A Multi-AZ DB cluster (non-Aurora engine with a DB cluster instance class) spans three AZs."""
    if self.engine in ("mysql", "postgres") and self.db_cluster_instance_class:
        return True
    return bool(_cluster_multi_az.fget(self))


def _instance_default_port(engine: str) -> int:
    return _EXTRA_INSTANCE_PORTS.get(engine) or _instance_port(engine)


def _instance_default_allocated_storage(engine: str, storage_type: str) -> int:
    extra = _EXTRA_INSTANCE_STORAGE.get(engine)
    return extra[storage_type] if extra else _instance_storage(engine, storage_type)


def _instance_initialise(self: Any, *args: Any, **kwargs: Any) -> None:
    _instance_init(self, *args, **kwargs)
    if str(self.engine).startswith("custom-"):
        # RDS Custom: DescribeDBInstances carries the instance profile and the automation mode.
        self.custom_iam_instance_profile = (
            kwargs.get("custom_iam_instance_profile") or "AWSRDSCustomInstanceProfile"
        )
        self.automation_mode = "full"


def _subnets_with_outposts(self: Any) -> list[dict[str, Any]]:
    subnets: list[dict[str, Any]] = _subnets_property.fget(self)
    by_id = {subnet.id: subnet for subnet in self._subnets}
    for entry in subnets:
        outpost_arn = getattr(by_id.get(entry["SubnetIdentifier"]), "outpost_arn", None)
        if outpost_arn:
            entry["SubnetOutpost"] = {"Arn": outpost_arn}
    return subnets


def _create_subnet_with_outpost(self: Any) -> Any:
    result: Any = _create_subnet(self)
    outpost_arn = self._get_param("OutpostArn")
    if outpost_arn:
        subnet = result.result["Subnet"]
        subnet.outpost_arn = outpost_arn
    return result


def outpost_arn_of_subnet(account_id: str, region: str, subnet_id: str) -> str | None:
    subnet = ec2_backends[account_id][region].get_subnet(subnet_id)
    value = getattr(subnet, "outpost_arn", None)
    return str(value) if value else None


def install() -> None:
    setattr(ClusterEngine, "list_cluster_engines", staticmethod(_list_cluster_engines))  # noqa: B010
    setattr(DbInstanceEngine, "valid_db_instance_engine", staticmethod(_valid_db_instance_engine))  # noqa: B010
    setattr(DBCluster, "default_engine_version", staticmethod(_cluster_default_engine_version))  # noqa: B010
    setattr(DBCluster, "default_port", staticmethod(_cluster_default_port))  # noqa: B010
    setattr(DBCluster, "default_allocated_storage", staticmethod(_cluster_default_allocated_storage))  # noqa: B010
    setattr(DBCluster, "__init__", _cluster_initialise)  # noqa: B010
    setattr(DBCluster, "multi_az", property(_cluster_is_multi_az))  # noqa: B010
    setattr(DBInstance, "default_port", staticmethod(_instance_default_port))  # noqa: B010
    setattr(DBInstance, "default_allocated_storage", staticmethod(_instance_default_allocated_storage))  # noqa: B010
    setattr(DBInstance, "__init__", _instance_initialise)  # noqa: B010
    DBInstance.default_engine_versions.update(_EXTRA_INSTANCE_VERSIONS)
    setattr(DBSubnetGroup, "subnets", property(_subnets_with_outposts, _subnets_property.fset))  # noqa: B010
    setattr(SubnetsResponse, "create_subnet", _create_subnet_with_outpost)  # noqa: B010
    assert rds_models.DBInstance is DBInstance
