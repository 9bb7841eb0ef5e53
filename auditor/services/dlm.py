"""Amazon Data Lifecycle Manager snapshot policies (bundle version 3): EBS backups made outside
AWS Backup (BKP-017).

No resource kind of its own: the ENABLED EBS snapshot policies of an account-region are passed to
the EC2 loader (:class:`SnapshotPolicies`, loaded before it), which notes on each EBS volume the
policy that targets it (``own_backup``). What targets a volume (Amazon EBS user guide,
https://docs.amazonaws.cn/en_us/AWSEC2/latest/UserGuide/policy-differences.html, "Default policies vs
custom policies"; ``PolicyDetails`` and ``Exclusions`` of the DLM API reference,
https://docs.aws.amazon.com/dlm/latest/APIReference/API_PolicyDetails.html,
https://docs.amazonaws.cn/dlm/latest/APIReference/API_Exclusions.html):

* a custom policy (``PolicyType`` ``EBS_SNAPSHOT_MANAGEMENT``) "targets only volumes or instances
  that have specific tags": ``ResourceTypes`` ``VOLUME`` targets volumes carrying one of its
  ``TargetTags``; ``INSTANCE`` snapshots every volume attached to an instance carrying one, except
  data volumes with one of ``Parameters.ExcludeDataVolumeTags``;
* the default policy for EBS snapshots (``DefaultPolicy``, ``PolicyDetails.ResourceType``
  ``VOLUME``) "targets all volumes in the Region" except those its ``Exclusions`` name (volume
  types, tags, boot volumes).

Readings (``docs/semantics-review.md``, "Backups made outside AWS Backup"): a volume matching any
one of several ``TargetTags`` is targeted; where an exclusion of boot volumes applies the bundle
cannot tell a boot volume from a data volume, so attached volumes are then not counted (a signal
is only claimed when certain); AMI policies (``IMAGE_MANAGEMENT``, the default policy for
EBS-backed AMIs) and policies not ``ENABLED`` are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from auditor.evidence import Call
from auditor.model.loading import RegionContext
from auditor.model.shapes import as_obj, bool_of, list_of, obj_of, opt_str, str_of, strs_of, tags_of
from auditor.services.base import Operation, Service

# -- declaration: operations and resource kinds -------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dlm",
        "GetLifecyclePolicies",
        since=3,
        required=False,
        doc="summaries of every lifecycle policy (not paginated)",
    ),
    Operation(
        "dlm",
        "GetLifecyclePolicy",
        parent="dlm.GetLifecyclePolicies",
        items="Policies",
        item_params={"PolicyId": "{item[PolicyId]}"},
        since=3,
        required=False,
        doc="target tags, resource types, exclusions of one policy",
    ),
)

# -- loader into frames -------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotPolicy:
    """One ENABLED EBS snapshot policy, as far as it decides which volumes it targets."""

    policy_id: str
    resource_type: str
    """``VOLUME`` or ``INSTANCE``."""
    target_tags: tuple[tuple[str, str], ...] = ()
    default: bool = False
    exclude_boot: bool = False
    exclude_volume_types: tuple[str, ...] = ()
    exclude_tags: tuple[tuple[str, str], ...] = ()
    """Default policy: ``Exclusions.ExcludeTags``; instance policy: ``ExcludeDataVolumeTags``."""

    def targets(
        self,
        volume_tags: Mapping[str, str],
        volume_type: str | None,
        instance_tags: Sequence[Mapping[str, str]],
    ) -> str | None:
        """How this policy targets a volume (attached to instances with ``instance_tags``), or None."""
        if _any_tag(self.exclude_tags, volume_tags):
            return None
        attached = bool(instance_tags)
        if self.default:
            if self.resource_type != "VOLUME" or volume_type in self.exclude_volume_types:
                return None
            if self.exclude_boot and attached:
                return None  # a boot volume is excluded, and the bundle cannot tell which one it is
            return f"Data Lifecycle Manager default policy {self.policy_id} (all volumes of the Region)"
        if self.resource_type == "VOLUME":
            tag = _any_tag(self.target_tags, volume_tags)
            return (
                None if tag is None else f"Data Lifecycle Manager policy {self.policy_id} (volume tag {tag})"
            )
        if self.exclude_boot:
            return None
        for tags in instance_tags:
            tag = _any_tag(self.target_tags, tags)
            if tag is not None:
                return f"Data Lifecycle Manager policy {self.policy_id} (tag {tag} on its instance)"
        return None


def _any_tag(pairs: tuple[tuple[str, str], ...], tags: Mapping[str, str]) -> str | None:
    for key, value in pairs:
        if tags.get(key) == value:
            return f"{key}={value}"
    return None


@dataclass
class SnapshotPolicies:
    """The account-region's ENABLED EBS snapshot policies (read by the EC2 loader)."""

    policies: list[SnapshotPolicy] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)
    described: set[str] = field(default_factory=set)

    def target(
        self,
        volume_tags: Mapping[str, str],
        volume_type: str | None,
        instance_tags: Sequence[Mapping[str, str]],
    ) -> str | None:
        """The first policy targeting the volume, described; None when none does."""
        for p in self.policies:
            found = p.targets(volume_tags, volume_type, instance_tags)
            if found is not None:
                return found
        return None


def load(ctx: RegionContext) -> None:
    """Snapshot policies: listed, then each described (only the details decide targets)."""
    state = ctx.state(SnapshotPolicies)
    if not ctx.each("dlm.GetLifecyclePolicies", _list):
        return
    ctx.listed("dlm.GetLifecyclePolicies", len(state.listed))
    ctx.each("dlm.GetLifecyclePolicy", _policy)
    missing = sorted(state.listed - state.described)
    if missing and "dlm.GetLifecyclePolicy" in ctx.present:
        ctx.incomplete("dlm.GetLifecyclePolicy", f"no call for policy {missing[0]}")


def _list(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(SnapshotPolicies)
    for j, p in enumerate(list_of(call.response, "Policies", "")):
        state.listed.add(str_of(as_obj(p, f"Policies[{j}]."), "PolicyId", f"Policies[{j}]."))


def _pairs(d: Mapping[str, object], key: str, where: str) -> tuple[tuple[str, str], ...]:
    return tuple(tags_of(d, key, where).items())


def _policy(ctx: RegionContext, src: int, call: Call) -> None:
    state = ctx.state(SnapshotPolicies)
    p = obj_of(call.response, "Policy", "")
    w = "Policy."
    pid = opt_str(p, "PolicyId", w) or str_of(call.params, "PolicyId", "params.")
    state.described.add(pid)
    details = obj_of(p, "PolicyDetails", w)
    dw = w + "PolicyDetails."
    if opt_str(p, "State", w) != "ENABLED" or opt_str(details, "PolicyType", dw) not in (
        None,
        "EBS_SNAPSHOT_MANAGEMENT",
    ):
        return
    if bool_of(p, "DefaultPolicy", w):
        exclusions = obj_of(details, "Exclusions", dw)
        ew = dw + "Exclusions."
        state.policies.append(
            SnapshotPolicy(
                pid,
                opt_str(details, "ResourceType", dw) or "",
                default=True,
                exclude_boot=bool_of(exclusions, "ExcludeBootVolumes", ew),
                exclude_volume_types=strs_of(exclusions, "ExcludeVolumeTypes", ew),
                exclude_tags=_pairs(exclusions, "ExcludeTags", ew),
            )
        )
        return
    params = obj_of(details, "Parameters", dw)
    pw = dw + "Parameters."
    for resource_type in strs_of(details, "ResourceTypes", dw):
        state.policies.append(
            SnapshotPolicy(
                pid,
                resource_type,
                target_tags=_pairs(details, "TargetTags", dw),
                exclude_boot=resource_type == "INSTANCE" and bool_of(params, "ExcludeBootVolume", pw),
                exclude_tags=_pairs(params, "ExcludeDataVolumeTags", pw)
                if resource_type == "INSTANCE"
                else (),
            )
        )


SERVICE = Service(name="dlm", operations=OPERATIONS, loader=load)
