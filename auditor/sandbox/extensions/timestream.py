"""Timestream (``timestream-write``) ListDatabases / ListTables as AWS answers them: ``MaxResults`` /
``NextToken`` pages (moto 5.2 returns everything at once), and tables in botocore's ``Table``
shape (moto leaves ``MagneticStoreWriteProperties.EnableMagneticStoreWrites`` out and gives a
table created without a schema a partition key with an empty name and enforcement)."""

from __future__ import annotations

import json
from typing import Any

from moto.timestreamwrite.responses import TimestreamWriteResponse

from auditor.sandbox.extensions._common import paginate

_MAX_RESULTS = 20
"""The largest ``MaxResults`` the API accepts (botocore's model); also its default page here."""


def _page(self: Any, items: list[dict[str, Any]], member: str) -> str:
    raw_max = self._get_param("MaxResults")
    page, token = paginate(
        items,
        int(raw_max) if raw_max else None,
        self._get_param("NextToken"),
        default_page=_MAX_RESULTS,
        error_code="ValidationException",
    )
    result: dict[str, Any] = {member: page}
    if token:
        result["NextToken"] = token
    return json.dumps(result)


def _table(description: dict[str, Any]) -> dict[str, Any]:
    """A table's description in botocore's shape (what AWS returns for a table without a schema
    or magnetic store writes: writes off, the default measure-name partition key)."""
    table = dict(description)
    magnetic = dict(table.get("MagneticStoreWriteProperties") or {})
    magnetic.setdefault("EnableMagneticStoreWrites", False)
    table["MagneticStoreWriteProperties"] = magnetic
    keys = [
        k
        for k in (table.get("Schema") or {}).get("CompositePartitionKey") or []
        if k.get("Type") == "MEASURE" or k.get("Name")
    ]
    table["Schema"] = {
        "CompositePartitionKey": [
            {name: value for name, value in k.items() if value not in ("", None)} for k in keys
        ]
        or [{"Type": "MEASURE"}]
    }
    return table


def list_databases(self: Any) -> str:
    databases = [db.description() for db in self.timestreamwrite_backend.list_databases()]
    return _page(self, databases, "Databases")


def list_tables(self: Any) -> str:
    tables = self.timestreamwrite_backend.list_tables(self._get_param("DatabaseName"))
    return _page(self, [_table(t.description()) for t in tables], "Tables")


def install() -> None:
    setattr(TimestreamWriteResponse, "list_databases", list_databases)  # noqa: B010
    setattr(TimestreamWriteResponse, "list_tables", list_tables)  # noqa: B010
