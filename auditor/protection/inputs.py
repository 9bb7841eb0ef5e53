"""What the resolver reads from an inventory, as plain columns and per-account-region facts.

:class:`ResourceColumns` holds the resources frame as Python lists (one position per resource);
:class:`RegionFacts` holds what decides verdicts in one account-region: its compiled selections,
its opt-in settings and the deciding operations it lacks (:class:`Gap`). Selections apply only to
resources of their own account-region, so everything here is keyed by ``(account, region)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from auditor.model.frames import Inventory
from auditor.protection.patterns import CompiledSelection, compile_selection

REGION_SETTINGS_OPERATION = "backup.DescribeRegionSettings"


@dataclass(frozen=True)
class Gap:
    """A deciding operation not collected for an account-region."""

    operation: str
    detail: str


def compile_selections(inventory: Inventory) -> dict[tuple[str, str], list[CompiledSelection]]:
    """Every selection of the inventory, compiled and grouped by (account, region)."""
    out: dict[tuple[str, str], list[CompiledSelection]] = {}
    s = inventory.selections
    for row in zip(
        s["account_id"],
        s["region"],
        s["plan_id"],
        s["plan_name"],
        s["selection_id"],
        s["selection_name"],
        s["resources"],
        s["not_resources"],
        s["list_of_tags"],
        s["conditions"],
        strict=True,
    ):
        a, r, pid, pname, sid, sname, resources, not_resources, tags, conds = row
        out.setdefault((a, r), []).append(
            compile_selection(
                account_id=a,
                region=r,
                plan_id=pid,
                plan_name=pname,
                selection_id=sid,
                selection_name=sname,
                resources=resources,
                not_resources=not_resources,
                list_of_tags=tags,
                conditions=conds,
            )
        )
    return out


def opt_in_settings(inventory: Inventory) -> dict[tuple[str, str], dict[str, bool]]:
    """``(account, region) -> {resource type: enabled}`` for regions whose settings were read."""
    out: dict[tuple[str, str], dict[str, bool]] = {}
    o = inventory.opt_in
    for a, r, t, e in zip(o["account_id"], o["region"], o["resource_type"], o["enabled"], strict=True):
        out.setdefault((a, r), {})[t] = bool(e)
    return out


def deciding_gaps(inventory: Inventory, operations: Sequence[str]) -> dict[tuple[str, str], list[Gap]]:
    """Account-regions missing one of ``operations``, each with the gaps in coverage order."""
    c = inventory.coverage
    rows = c[c["operation"].isin(operations) & ~c["collected"]]
    out: dict[tuple[str, str], list[Gap]] = {}
    for a, r, op, msg in zip(
        rows["account_id"], rows["region"], rows["operation"], rows["error_message"], strict=True
    ):
        out.setdefault((a, r), []).append(Gap(op, msg or f"{op} not collected"))
    return out


def settings_read(inventory: Inventory) -> set[tuple[str, str]]:
    """Account-regions whose ``backup.DescribeRegionSettings`` was collected."""
    c = inventory.coverage
    rows = c[(c["operation"] == REGION_SETTINGS_OPERATION) & c["collected"]]
    return set(zip(rows["account_id"], rows["region"], strict=True))


@dataclass(frozen=True)
class ResourceColumns:
    """The resources frame as lists; position ``p`` is row ``p`` of ``inventory.resources``."""

    arns: list[str]
    account_ids: list[str]
    regions: list[str]
    types: list[str]
    tags: list[dict[str, str]]
    services: list[str]
    rds_custom: list[bool]
    on_outposts: list[bool]
    versioning: list[str | None]
    engines: list[str | None]
    parent_tags: list[dict[str, str] | None]
    parent_arns: list[str | None]
    links: Mapping[str, list[tuple[str, ...]]]
    """Columns naming related resources (such as ``attached_instances``), by column name."""

    @classmethod
    def of(cls, res: pd.DataFrame, link_columns: Iterable[str]) -> ResourceColumns:
        return cls(
            arns=res["arn"].tolist(),
            account_ids=res["account_id"].tolist(),
            regions=res["region"].tolist(),
            types=res["resource_type"].tolist(),
            tags=res["tags"].tolist(),
            services=res["service"].tolist(),
            rds_custom=res["rds_custom"].tolist(),
            on_outposts=res["on_outposts"].tolist(),
            versioning=res["versioning"].tolist(),
            engines=res["engine"].tolist(),
            parent_tags=res["parent_tags"].tolist(),
            parent_arns=res["parent_arn"].tolist(),
            links={c: res[c].tolist() for c in link_columns},
        )

    def by_region(self) -> dict[tuple[str, str], list[int]]:
        """Positions grouped by (account, region), groups in first-seen order."""
        groups: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(zip(self.account_ids, self.regions, strict=True)):
            groups.setdefault(key, []).append(i)
        return groups


def opt_in_value(
    settings: Mapping[str, bool] | None, settings_collected: bool, resource_type: str
) -> bool | None:
    """The opt-in in force: ``None`` when region settings were not read; a type the settings do
    not list counts as off (types added after a region started using AWS Backup stay off until
    someone opts in: AWS Backup guide, "Opt in to managing services")."""
    if not settings_collected:
        return None
    return bool((settings or {}).get(resource_type, False))


@dataclass(frozen=True)
class RegionFacts:
    """What decides verdicts in one account-region."""

    account_id: str
    region: str
    selections: Sequence[CompiledSelection]
    settings: Mapping[str, bool] | None
    """The opt-in settings, ``None`` when none were read."""
    settings_collected: bool
    gaps: Sequence[Gap]
    """Missing deciding operations: every unprotected verdict here is undecided."""
    tag_gaps: Sequence[Gap]
    """Missing tag operations, only when a selection here uses tags."""
    link_gaps: Mapping[str, Sequence[Gap]]
    """Missing parent listings, by the operation that lists the parents."""
    _opt_in: dict[str, bool | None] = field(default_factory=dict, repr=False, compare=False)

    @property
    def where(self) -> str:
        return f"{self.account_id}/{self.region}"

    def opt_in(self, resource_type: str) -> bool | None:
        """The type's opt-in in force here (see :func:`opt_in_value`); computed once per type."""
        cache = self._opt_in
        if resource_type not in cache:
            cache[resource_type] = opt_in_value(self.settings, self.settings_collected, resource_type)
        return cache[resource_type]

    def type_listed(self, resource_type: str) -> bool:
        """Whether the region's settings name the type at all."""
        return self.settings is not None and resource_type in self.settings


@dataclass(frozen=True)
class InventoryFacts:
    """:class:`RegionFacts` of every account-region of an inventory, built once."""

    selections: Mapping[tuple[str, str], list[CompiledSelection]]
    settings: Mapping[tuple[str, str], dict[str, bool]]
    read: set[tuple[str, str]]
    gaps: Mapping[tuple[str, str], list[Gap]]
    tag_gaps: Mapping[tuple[str, str], list[Gap]]
    link_gaps: Mapping[str, Mapping[tuple[str, str], list[Gap]]]

    @classmethod
    def of(
        cls,
        inventory: Inventory,
        deciding: Sequence[str],
        tag_operations: Mapping[str, Sequence[str]],
        listings: Iterable[str],
    ) -> InventoryFacts:
        """``deciding``: operations whose absence leaves verdicts undecided; ``tag_operations``:
        type -> operations holding its tags; ``listings``: operations listing parent resources."""
        return cls(
            selections=compile_selections(inventory),
            settings=opt_in_settings(inventory),
            read=settings_read(inventory),
            gaps=deciding_gaps(inventory, deciding),
            tag_gaps=deciding_gaps(inventory, sorted({op for ops in tag_operations.values() for op in ops})),
            link_gaps={op: deciding_gaps(inventory, (op,)) for op in listings},
        )

    def region(self, account_id: str, region: str) -> RegionFacts:
        key = (account_id, region)
        sels = self.selections.get(key, [])
        uses_tags = any(sel.uses_tags for sel in sels)
        return RegionFacts(
            account_id=account_id,
            region=region,
            selections=sels,
            settings=self.settings.get(key),
            settings_collected=key in self.read,
            gaps=self.gaps.get(key, []),
            tag_gaps=self.tag_gaps.get(key, []) if uses_tags else [],
            link_gaps={op: gaps.get(key, []) for op, gaps in self.link_gaps.items()},
        )
