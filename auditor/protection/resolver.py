"""The effective-protection resolver: will AWS Backup actually back up each resource?

``resolve(inventory) -> Protection`` applies every backup selection of an account-region to the
resources of that same account-region only (selections never reach other accounts or regions),
then the service opt-in of the region, then the types AWS Backup cannot protect at all:

* a selection reaching a resource by exact ARN or by a resource-type pattern backs it up even with
  the type's opt-in off, except Aurora, Neptune and DocumentDB which always need their opt-in
  (AWS Backup guide, "Opt in to managing services with AWS Backup"; `Assign resources with AWS CLI
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html>`_);
* a service-wide pattern, ``"*"``, an empty selection or tags only back it up only when the
  type's opt-in is on ("Selection by service name");
* RDS Custom (engines ``custom-*``) and RDS on Outposts are never protected (AWS Backup guide,
  "Working with Amazon RDS and Aurora");
* FSx for ONTAP volumes are selected by their own tags, not their file system's
  ("apply tags to individual volumes instead of the whole file system");
* an EBS volume attached to an EC2 instance (``Attachments[].State`` ``attached`` or
  ``attaching``) is backed up with that instance when the instance is protected: an EC2 backup
  is an AMI with a snapshot of every EBS volume attached to the instance, taken at the same moment
  (AWS Backup guide, "Working with Amazon EC2", Images and snapshots: "a snapshot of the root
  Amazon EBS storage volume, the launch configurations, and all associated EBS volumes"
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html>;
  `Amazon EBS and AWS Backup, "multi-volume, crash-consistent backups"
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/multi-volume-crash-consistent.html>`_;
  AWS re:Post, `"when you create an AMI from an instance, snapshots are made of each EBS volume
  attached to the instance" <https://repost.aws/knowledge-center/create-ami-ebs-backed>`_).
  Such a volume, when its own selections do not protect it, is protected ``via`` ``instance``
  (a match row per effective selection of the instance, ``through_arn`` = the instance); when
  an attached instance's verdict is unknown (or ``ec2.DescribeInstances`` was not collected, so
  the instance cannot be judged), the volume's verdict is unknown too, never False. A volume its
  own selections protect keeps its own verdict and gets no ``instance`` rows.

Cost: each selection is evaluated only against the resources of its own account-region (and,
for selections whose ``Resources`` patterns all fix a service, only that service's resources), so
work grows with resources x selections-per-account-region, never resources x all selections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import pandas as pd

from auditor import services
from auditor.model.frames import Inventory, paused_gc
from auditor.protection.patterns import (
    ALWAYS_NEED_OPT_IN,
    CompiledSelection,
    TagCondition,
    Via,
    compile_selection,
)

#: Operations that hold a type's tags apart from its listing: when one is missing and a
#: selection of the account-region uses tags, that type's unprotected verdicts are undecided.
TAG_OPERATIONS: Final[Mapping[str, tuple[str, ...]]] = services.tag_operations()

#: Operations whose absence leaves a verdict undecided (``protected`` = None).
DECIDING_OPERATIONS: Final[tuple[str, ...]] = (
    services.operation("backup.DescribeRegionSettings").key,
    *services.chain("backup.GetBackupSelection"),
)

VERDICT_COLUMNS: Final = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "protected",
    "reason",
    "unsupported",
    "opt_in",
)
MATCH_COLUMNS: Final = (
    "arn",
    "account_id",
    "region",
    "resource_type",
    "plan_id",
    "plan_name",
    "selection_id",
    "selection_name",
    "via",
    "effective",
    "blocked_by",
    "fsx_tags_on_filesystem",
    "through_arn",
)

BLOCKED_OPT_IN: Final = "opt-in"
BLOCKED_OPT_IN_UNKNOWN: Final = "opt-in-unknown"
BLOCKED_UNSUPPORTED: Final = "unsupported"
#: ``via`` of a match row that protects an attached EBS volume through its EC2 instance (not a
#: selection route: the selection selects the instance, AWS Backup snapshots its volumes).
VIA_INSTANCE: Final = "instance"
#: The listing whose absence leaves an attached volume's instance (so the volume) undecided.
INSTANCE_LISTING: Final = "ec2.DescribeInstances"


@dataclass(frozen=True)
class Protection:
    """``verdicts``: one row per resource; ``matches``: one row per (resource, selection) pair
    where the selection selects the resource (effective or not), or would have selected an
    ONTAP volume carrying its file system's tags, or protects the EC2 instance an EBS volume is
    attached to (``via`` ``instance``, ``through_arn`` the instance) when the volume's own
    selections do not. Columns: :data:`VERDICT_COLUMNS`, :data:`MATCH_COLUMNS`."""

    verdicts: pd.DataFrame
    matches: pd.DataFrame


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


def deciding_gaps(
    inventory: Inventory, operations: Sequence[str] = DECIDING_OPERATIONS
) -> dict[tuple[str, str], list[Gap]]:
    """Account-regions missing one of ``operations`` (default :data:`DECIDING_OPERATIONS`)."""
    c = inventory.coverage
    rows = c[c["operation"].isin(operations) & ~c["collected"]]
    out: dict[tuple[str, str], list[Gap]] = {}
    for a, r, op, msg in zip(
        rows["account_id"], rows["region"], rows["operation"], rows["error_message"], strict=True
    ):
        out.setdefault((a, r), []).append(Gap(op, msg or f"{op} not collected"))
    return out


def settings_read(inventory: Inventory) -> set[tuple[str, str]]:
    c = inventory.coverage
    rows = c[(c["operation"] == "backup.DescribeRegionSettings") & c["collected"]]
    return set(zip(rows["account_id"], rows["region"], strict=True))


def opt_in_value(
    settings: Mapping[str, bool] | None, settings_collected: bool, resource_type: str
) -> bool | None:
    """The opt-in in force: ``None`` when region settings were not read; a type the settings do
    not list counts as off (types added after a region started using AWS Backup stay off until
    someone opts in: AWS Backup guide, "Opt in to managing services")."""
    if not settings_collected:
        return None
    return bool((settings or {}).get(resource_type, False))


def unsupported_reason(rds_custom: bool, on_outposts: bool, resource_type: str) -> str | None:
    if rds_custom:
        return "rds-custom"
    if on_outposts and resource_type == "RDS":
        return "outposts"
    return None


def effectiveness(
    via: Via, resource_type: str, opt_in: bool | None, unsupported: str | None
) -> tuple[bool, str | None]:
    """``(effective, blocked_by)`` for a resource a selection reaches through ``via``."""
    if unsupported is not None:
        return False, BLOCKED_UNSUPPORTED
    if via in _NO_OPT_IN_NEEDED and resource_type not in ALWAYS_NEED_OPT_IN:
        return True, None
    if opt_in is True:
        return True, None
    return False, BLOCKED_OPT_IN if opt_in is False else BLOCKED_OPT_IN_UNKNOWN


_NO_OPT_IN_NEEDED: Final = frozenset(v for v in Via if not v.needs_opt_in)
_VIA_VALUE: Final[Mapping[Via, str]] = {v: v.value for v in Via}


@dataclass(frozen=True)
class _Match:
    sel: CompiledSelection
    via: Via
    effective: bool
    blocked_by: str | None
    fsx: bool


def resolve(inventory: Inventory) -> Protection:
    """Decide, for every resource of the inventory, whether AWS Backup will back it up."""
    with paused_gc():
        return _resolve(inventory)


def _resolve(inventory: Inventory) -> Protection:
    res = inventory.resources
    arns: list[str] = res["arn"].tolist()
    types: list[str] = res["resource_type"].tolist()
    tags_l: list[dict[str, str]] = res["tags"].tolist()
    services: list[str] = res["service"].tolist()
    custom: list[bool] = res["rds_custom"].tolist()
    outposts: list[bool] = res["on_outposts"].tolist()
    engines: list[str | None] = res["engine"].tolist()
    parent_tags: list[dict[str, str] | None] = res["parent_tags"].tolist()
    parent_arns: list[str | None] = res["parent_arn"].tolist()
    attached: list[tuple[str, ...]] = res["attached_instances"].tolist()

    selections = compile_selections(inventory)
    settings = opt_in_settings(inventory)
    read = settings_read(inventory)
    gaps = deciding_gaps(inventory)
    tag_gaps = deciding_gaps(inventory, sorted({op for ops in TAG_OPERATIONS.values() for op in ops}))
    instance_gaps = deciding_gaps(inventory, (INSTANCE_LISTING,))

    n = len(arns)
    protected: list[bool | None] = [None] * n
    reasons: list[str] = [""] * n
    unsupported_col: list[str | None] = [None] * n
    opt_col: list[bool | None] = [None] * n
    match_rows: list[tuple[Any, ...]] = []

    groups: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(zip(res["account_id"].tolist(), res["region"].tolist(), strict=True)):
        groups.setdefault(key, []).append(i)
    for (a, r), positions in groups.items():
        sels = selections.get((a, r), [])
        ar_settings = settings.get((a, r))
        collected = (a, r) in read
        by_service: dict[str, list[int]] = {}
        if any(s.candidate_services() is not None for s in sels):
            for p in positions:
                by_service.setdefault(services[p], []).append(p)
        found: dict[int, list[_Match]] = {}
        by_arn: dict[str, int] | None = None
        opt_cache: dict[str, bool | None] = {}
        for sel in sels:
            exact = sel.candidate_arns()
            if exact is not None:
                if by_arn is None:
                    by_arn = {arns[p]: p for p in positions}
                cands = sorted(by_arn[x] for x in exact if x in by_arn)
            else:
                svc = sel.candidate_services()
                cands = positions if svc is None else [p for s in sorted(svc) for p in by_service.get(s, ())]
            uses_tags = sel.uses_tags
            for p in cands:
                via = sel.route(arns[p], tags_l[p])
                fsx = False
                if via is None:
                    pt = parent_tags[p]
                    if not (uses_tags and pt):
                        continue
                    via = sel.route(arns[p], {**tags_l[p], **pt})
                    if via is None:
                        continue
                    fsx = True
                t = types[p]
                if t not in opt_cache:
                    opt_cache[t] = opt_in_value(ar_settings, collected, t)
                uns = unsupported_reason(custom[p], outposts[p], t)
                blocked_by: str | None
                if fsx:
                    eff, blocked_by = False, None
                else:
                    eff, blocked_by = effectiveness(via, t, opt_cache[t], uns)
                found.setdefault(p, []).append(_Match(sel, via, eff, blocked_by, fsx))
                match_rows.append(
                    (
                        arns[p],
                        a,
                        r,
                        t,
                        sel.plan_id,
                        sel.plan_name,
                        sel.selection_id,
                        sel.selection_name,
                        _VIA_VALUE[via],
                        eff,
                        blocked_by,
                        fsx,
                        None,
                    )
                )
        ar_gaps = gaps.get((a, r), [])
        ar_tag_gaps = tag_gaps.get((a, r), []) if any(sel.uses_tags for sel in sels) else []
        deferred: list[int] = []
        """Attached EBS volumes their own selections do not protect: decided after the instances."""
        for p in positions:
            t = types[p]
            if t not in opt_cache:
                opt_cache[t] = opt_in_value(ar_settings, collected, t)
            opt = opt_cache[t]
            uns = unsupported_reason(custom[p], outposts[p], t)
            ms = found.get(p, [])
            opt_col[p] = opt
            unsupported_col[p] = uns
            verdict: bool | None
            if uns is not None:
                verdict = False
            elif any(m.effective for m in ms):
                verdict = True
            else:
                type_gaps = [g for g in ar_tag_gaps if g.operation in TAG_OPERATIONS.get(t, ())]
                verdict = None if ar_gaps or type_gaps else False
            protected[p] = verdict
            reasons[p] = _reason(
                verdict,
                arn=arns[p],
                resource_type=t,
                region=r,
                account_id=a,
                tags=tags_l[p],
                engine=engines[p],
                unsupported=uns,
                opt_in=opt,
                type_listed=ar_settings is not None and t in ar_settings,
                matches=ms,
                selections=sels,
                gaps=ar_gaps or [g for g in ar_tag_gaps if g.operation in TAG_OPERATIONS.get(t, ())],
                parent_arn=parent_arns[p],
            )
            if verdict is not True and attached[p] and uns is None:
                deferred.append(p)
        if deferred:
            instance_at = {arns[q]: q for q in positions if types[q] == "EC2"}
            listing_gaps = instance_gaps.get((a, r), [])
            for p in deferred:
                verdict, reason, rows = _through_instance(
                    protected[p],
                    reasons[p],
                    [(x, instance_at.get(x)) for x in attached[p]],
                    protected,
                    reasons,
                    found,
                    own=found.get(p, []),
                    listing_gaps=listing_gaps,
                    where=f"{a}/{r}",
                )
                protected[p] = verdict
                reasons[p] = reason
                for x, m in rows:
                    match_rows.append(
                        (
                            arns[p],
                            a,
                            r,
                            types[p],
                            m.sel.plan_id,
                            m.sel.plan_name,
                            m.sel.selection_id,
                            m.sel.selection_name,
                            VIA_INSTANCE,
                            True,
                            None,
                            False,
                            x,
                        )
                    )

    verdicts = pd.DataFrame(
        {
            "arn": pd.Series(arns, dtype="object"),
            "account_id": res["account_id"].astype("object").reset_index(drop=True),
            "region": res["region"].astype("object").reset_index(drop=True),
            "resource_type": pd.Series(types, dtype="object"),
            "protected": pd.Series(protected, dtype="object"),
            "reason": pd.Series(reasons, dtype="object"),
            "unsupported": pd.Series(unsupported_col, dtype="object"),
            "opt_in": pd.Series(opt_col, dtype="object"),
        },
        columns=list(VERDICT_COLUMNS),
    )
    return Protection(verdicts=verdicts, matches=_matches_frame(match_rows))


def _instance_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _through_instance(
    own_verdict: bool | None,
    own_reason: str,
    instances: Sequence[tuple[str, int | None]],
    protected: Sequence[bool | None],
    reasons: Sequence[str],
    found: Mapping[int, Sequence[_Match]],
    *,
    own: Sequence[_Match],
    listing_gaps: Sequence[Gap],
    where: str,
) -> tuple[bool | None, str, list[tuple[str, _Match]]]:
    """Verdict, reason and ``instance`` match rows of an attached EBS volume that its own
    selections do not protect (``own_verdict`` False or None), from its instances' verdicts.

    ``instances``: ``(instance ARN, its position)`` with position None when the instance is not
    a resource of the inventory (not listed, or its listing was not collected: ``listing_gaps``).
    """
    saving = [(x, q) for x, q in instances if q is not None and protected[q] is True]
    if saving:
        rows = [(x, m) for x, q in saving for m in found.get(q, ()) if m.effective]
        x0, m0 = rows[0]
        more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
        reason = f"backed up with its EC2 instance {_instance_id(x0)} ({m0.sel.label}){more}"
        skipped = [m for m in own if m.blocked_by in (BLOCKED_OPT_IN, BLOCKED_OPT_IN_UNKNOWN)]
        if skipped:
            reason += (
                f"; its own selection {skipped[0].sel.label} is skipped (opt-in), so it is backed up on "
                "the instance's plan, not that one"
            )
        return True, reason, rows
    for x, q in instances:
        if q is None and listing_gaps:
            gap = listing_gaps[0]
            return (
                None,
                f"not audited: attached to EC2 instance {_instance_id(x)}, which could not be judged: "
                f"{gap.operation} was not collected in {where}: {gap.detail}",
                [],
            )
        if q is not None and protected[q] is None:
            return (
                None,
                f"not audited: attached to EC2 instance {_instance_id(x)}, whose protection is unknown "
                f"({reasons[q]})",
                [],
            )
    if own_verdict is None:
        return None, own_reason, []
    ids = ", ".join(_instance_id(x) for x, _ in instances)
    return (
        False,
        f"{own_reason}; the EC2 instance it is attached to ({ids}) is not protected either "
        "(protecting the instance would back this volume up with it)",
        [],
    )


def _matches_frame(rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    cols: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in MATCH_COLUMNS]
    data: dict[str, pd.Series[Any]] = {}
    for name, values in zip(MATCH_COLUMNS, cols, strict=True):
        dtype = "bool" if name in ("effective", "fsx_tags_on_filesystem") else "object"
        data[name] = pd.Series(list(values), dtype=dtype)
    return pd.DataFrame(data, columns=list(MATCH_COLUMNS))


def opt_in_text(resource_type: str, opt_in: bool | None, type_listed: bool, region: str) -> str:
    if opt_in is None:
        return f"the {resource_type} opt-in in {region} is unknown (region settings not collected)"
    if opt_in:
        return f"the {resource_type} opt-in is on in {region}"
    if not type_listed:
        return f"the {resource_type} opt-in is not set in {region} (treated as off)"
    return f"the {resource_type} opt-in is off in {region}"


def _reason(
    verdict: bool | None,
    *,
    arn: str,
    resource_type: str,
    region: str,
    account_id: str,
    tags: Mapping[str, str],
    engine: str | None,
    unsupported: str | None,
    opt_in: bool | None,
    type_listed: bool,
    matches: Sequence[_Match],
    selections: Sequence[CompiledSelection],
    gaps: Sequence[Gap],
    parent_arn: str | None,
) -> str:
    """One line a person can act on."""
    if unsupported == "rds-custom":
        return (
            f"RDS Custom (engine {engine}) is not supported by AWS Backup: protect it with RDS Custom "
            "automated backups and snapshots"
        )
    if unsupported == "outposts":
        return (
            "RDS on Outposts is not supported by AWS Backup: protect it with RDS automated backups / "
            "local snapshots on the Outpost"
        )
    effective = [m for m in matches if m.effective]
    if verdict is True:
        first = effective[0]
        more = f" (and {len(effective) - 1} more)" if len(effective) > 1 else ""
        return f"protected by {first.sel.label} ({first.via.short}){more}"
    where = f"{account_id}/{region}"
    if verdict is None:
        gap = gaps[0]
        more = f" (+{len(gaps) - 1} more)" if len(gaps) > 1 else ""
        return f"not audited: {gap.operation} was not collected in {where}{more}: {gap.detail}"
    blocked = [m for m in matches if m.blocked_by in (BLOCKED_OPT_IN, BLOCKED_OPT_IN_UNKNOWN)]
    if blocked:
        m = blocked[0]
        opt = opt_in_text(resource_type, opt_in, type_listed, region)
        if not m.via.needs_opt_in:
            how = f"{m.via.describe}, but {resource_type} always needs its opt-in and {opt}"
        else:
            how = f"{m.via.describe}, and {opt}"
        return f"selected by {m.sel.label} {how}: turn on the {resource_type} opt-in in AWS Backup settings"
    fsx = [m for m in matches if m.fsx]
    if fsx:
        m = fsx[0]
        return (
            f"FSx for ONTAP volume not selected: {m.sel.label} matches the tags of its file system "
            f"{parent_arn}, but AWS Backup reads the volume's own tags: tag the volume"
        )
    if not selections:
        return f"no backup selection exists in {where}: add it to a backup plan there"
    for sel in selections:
        excl = sel.excluded_by(arn)
        if excl is not None and _selects_without_exclusion(sel, arn, tags):
            return (
                f"excluded by NotResources `{excl.text}` of {sel.label}, and no other selection in "
                f"{where} selects it"
            )
    for sel in selections:
        if decided_by_missing_key(sel, arn, tags):
            keys = sorted({c.tag for c in sel.conditions if c.missing_key_decides(tags)})
            return (
                f"not selected by {sel.label} because it has no tag {', '.join(keys)} required by "
                f"StringNot* (reading applied: a missing key does not satisfy StringNotEquals/StringNotLike)"
            )
    for sel in selections:
        failed = _failed_condition(sel, arn, tags)
        if failed is not None:
            actual = tags.get(failed.tag)
            seen = "no such tag" if actual is None else f'"{actual}"'
            return (
                f"{sel.label} matches it by Resources but its condition {failed} fails (resource: {seen}), "
                f"and no other selection in {where} selects it"
            )
    return (
        f"none of the {len(selections)} backup selection(s) in {where} selects it: "
        "tag it or add it to a selection"
    )


def _failed_condition(sel: CompiledSelection, arn: str, tags: Mapping[str, str]) -> TagCondition | None:
    """The first condition that fails where ``Resources`` did select the resource."""
    if not sel.resources or sel.resource_route(arn) is None or sel.excluded_by(arn) is not None:
        return None
    for c in sel.conditions:
        if not c.holds(tags):
            return c
    return None


def _selects_without_exclusion(sel: CompiledSelection, arn: str, tags: Mapping[str, str]) -> bool:
    return replace(sel, not_resources=()).route(arn, tags) is not None


def decided_by_missing_key(sel: CompiledSelection, arn: str, tags: Mapping[str, str]) -> bool:
    """Whether the selection would select the resource if StringNot* held on a missing key."""
    if not any(c.missing_key_decides(tags) for c in sel.conditions):
        return False
    if not all(c.holds(tags) or c.missing_key_decides(tags) for c in sel.conditions):
        return False
    kept = tuple(c for c in sel.conditions if not c.missing_key_decides(tags))
    return replace(sel, conditions=kept).route(arn, tags) is not None


__all__ = [
    "DECIDING_OPERATIONS",
    "INSTANCE_LISTING",
    "MATCH_COLUMNS",
    "VERDICT_COLUMNS",
    "VIA_INSTANCE",
    "Protection",
    "resolve",
]
