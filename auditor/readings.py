"""The open readings of AWS Backup's documentation and the probes that confirm them on a real account.

Every entry of ``docs/semantics-review.md`` "Ambiguities" (A1 ... A15) has one :class:`Reading`
here: the code's reading in one line, the opposite one, and either the probes that exercise it or
why no cheap probe in one Region can. A :class:`Probe` is one small, cheap resource (a DynamoDB
on-demand table, a 1 GiB gp3 EBS volume, an EFS file system), its tags, the one backup selection
made for it, and what AWS Backup does under our reading and under the opposite one.

This table is the single source of the verification kit: ``deploy/verify-readings.yaml`` is
rendered from it (``python -m auditor.deploy render``), and ``backup-auditor verify-readings``
reads it to recognise the probes (tag :data:`PROBE_TAG`) in a findings JSON. A new reading adds
one row here; tests check the table against the semantics review and the template against the
table.

ARN patterns are written with placeholders: ``{partition}``, ``{region}``, ``{account}``,
``{stack}`` (the kit's stack name, which prefixes every table name) and ``{self}`` (the probe's
own ARN); :func:`expand` fills them in.

The test Region must have these opt-in settings (``DescribeRegionSettings``'s
``ResourceTypeOptInPreference``), which a template cannot set: :data:`OPT_IN_PRECONDITIONS`.
DynamoDB is on, so the condition probes (tables) never depend on the opt-in; EBS and EFS are off,
so the volumes and the file system exercise the opt-in readings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Outcome(StrEnum):
    """What AWS Backup does with a probe on the plan's scheduled run."""

    BACKED_UP = "backed up"
    NOT_BACKED_UP = "not backed up"


class ProbeKind(StrEnum):
    """The cheap resource kinds a probe can be; the value is the AWS Backup resource type."""

    DYNAMODB_TABLE = "DynamoDB"
    EBS_VOLUME = "EBS"
    EFS_FILE_SYSTEM = "EFS"


PROBE_TAG: Final = "backup-auditor:probe"
"""Tag key the template puts on every probe; its value is the probe's id."""

KIT_PLAN_NAME: Final = "backup-auditor-verify-readings"
"""``BackupPlanName`` of the kit's one plan (one hourly rule, one selection per probe)."""

OPT_IN_PRECONDITIONS: Final[Mapping[ProbeKind, bool]] = {
    ProbeKind.DYNAMODB_TABLE: True,
    ProbeKind.EBS_VOLUME: False,
    ProbeKind.EFS_FILE_SYSTEM: False,
}
"""The opt-in each probe kind's type must have in the test Region (AWS Backup settings)."""

TAG_KEY_PREFIX: Final = "aws:ResourceTag/"


@dataclass(frozen=True)
class TagCondition:
    """One ``Conditions`` entry: ``operator`` on the tag ``tag`` (written ``aws:ResourceTag/tag``)."""

    operator: str
    """``StringEquals``, ``StringNotEquals``, ``StringLike`` or ``StringNotLike``."""
    tag: str
    value: str

    @property
    def key(self) -> str:
        return TAG_KEY_PREFIX + self.tag


@dataclass(frozen=True)
class ProbeSelection:
    """The backup selection made for one probe (patterns with placeholders, see :func:`expand`)."""

    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: tuple[TagCondition, ...] = ()
    list_of_tags: tuple[tuple[str, str], ...] = ()
    """``(tag key, value)`` pairs, ``STRINGEQUALS``, the key written without ``aws:ResourceTag/``."""


@dataclass(frozen=True)
class Probe:
    """One probe resource, its selection, and what AWS Backup does under each reading."""

    id: str
    """Lower-case, ``-``-separated; the value of :data:`PROBE_TAG` and part of names."""
    kind: ProbeKind
    purpose: str
    selection: ProbeSelection
    ours: Outcome
    """Under the code's reading (what the resolver predicts given :data:`OPT_IN_PRECONDITIONS`)."""
    opposite: Outcome
    """Under the opposite reading. Equal to ``ours`` for a control or a contrast probe."""
    tags: tuple[tuple[str, str], ...] = ()
    """Tags besides :data:`PROBE_TAG` (which every probe carries)."""

    @property
    def all_tags(self) -> tuple[tuple[str, str], ...]:
        return ((PROBE_TAG, self.id), *self.tags)

    @property
    def selection_name(self) -> str:
        return f"probe-{self.id}"

    @property
    def decisive(self) -> bool:
        """Whether AWS's outcome tells the two readings apart."""
        return self.ours is not self.opposite


@dataclass(frozen=True)
class Reading:
    """One open reading of ``docs/semantics-review.md`` "Ambiguities"."""

    id: str
    """``A1`` ... as in the semantics review."""
    title: str
    """The entry's bold title in the semantics review, without its id and final period."""
    ours: str
    opposite: str
    probes: tuple[Probe, ...] = ()
    not_probed: str | None = None
    """Why no cheap probe in one Region exercises it (set exactly when ``probes`` is empty)."""


SELF: Final = "{self}"
_TABLE = "arn:{partition}:dynamodb:{region}:{account}:table/"


def _exact(*conditions: TagCondition, list_of_tags: tuple[tuple[str, str], ...] = ()) -> ProbeSelection:
    """A selection naming the probe by its exact ARN (plus conditions): it can select nothing else."""
    return ProbeSelection(resources=(SELF,), conditions=conditions, list_of_tags=list_of_tags)


_B, _N = Outcome.BACKED_UP, Outcome.NOT_BACKED_UP
_TABLE_KIND, _VOLUME, _EFS = ProbeKind.DYNAMODB_TABLE, ProbeKind.EBS_VOLUME, ProbeKind.EFS_FILE_SYSTEM

CONTROLS: Final[tuple[Probe, ...]] = (
    Probe(
        "control-exact-arn",
        _TABLE_KIND,
        "positive control: a table named by its exact ARN (DynamoDB opt-in on) is backed up under "
        "every reading; if it is not, the plan has not run or its role cannot back up",
        _exact(),
        _B,
        _B,
    ),
    Probe(
        "control-ebs-opt-in-off",
        _VOLUME,
        "precondition control: a volume selected by tags only is skipped while the EBS opt-in is "
        "off (documented); if it is backed up, the EBS opt-in is on and the A6 probes prove nothing",
        ProbeSelection(list_of_tags=(("bar-control", "tags-only"),)),
        _N,
        _N,
        tags=(("bar-control", "tags-only"),),
    ),
)
"""Probes no reading decides: they confirm the kit works and its preconditions hold."""

READINGS: Final[tuple[Reading, ...]] = (
    Reading(
        "A1",
        "`?` in Resources patterns",
        "`?` in a Resources ARN pattern is a literal character",
        "`?` is a wildcard for one character, as in IAM",
        probes=(
            Probe(
                "a1-question-mark",
                _TABLE_KIND,
                "table STACK-a1-question-mark against the pattern table/STACK-a1-question-mar?",
                ProbeSelection(resources=(_TABLE + "{stack}-a1-question-mar?",)),
                _N,
                _B,
            ),
        ),
    ),
    Reading(
        "A2",
        "`?` in StringLike / StringNotLike",
        "in StringLike `?` matches exactly one character and `*` any run, the empty one included",
        "`?` is a literal character; `*` needs at least one character",
        probes=(
            Probe(
                "a2-question-mark",
                _TABLE_KIND,
                'tag bar-a2q = "v1" against StringLike "v?"',
                _exact(TagCondition("StringLike", "bar-a2q", "v?")),
                _B,
                _N,
                tags=(("bar-a2q", "v1"),),
            ),
            Probe(
                "a2-star-empty",
                _TABLE_KIND,
                'tag bar-a2s = "prod" against StringLike "prod*" (`*` matching nothing)',
                _exact(TagCondition("StringLike", "bar-a2s", "prod*")),
                _B,
                _N,
                tags=(("bar-a2s", "prod"),),
            ),
        ),
    ),
    Reading(
        "A3",
        "StringNot* on a missing key",
        "StringNotEquals / StringNotLike do not hold on a resource that lacks the tag key",
        "they hold on a resource that lacks the key, as IAM's StringNotEquals does",
        probes=(
            Probe(
                "a3-not-equals-missing-key",
                _TABLE_KIND,
                'no tag bar-env, StringNotEquals bar-env = "dev"',
                _exact(TagCondition("StringNotEquals", "bar-env", "dev")),
                _N,
                _B,
            ),
            Probe(
                "a3-not-like-missing-key",
                _TABLE_KIND,
                'no tag bar-env, StringNotLike bar-env = "dev*"',
                _exact(TagCondition("StringNotLike", "bar-env", "dev*")),
                _N,
                _B,
            ),
        ),
    ),
    Reading(
        "A4",
        "ListOfTags together with Conditions",
        "a selection selects (Resources AND Conditions) OR ListOfTags",
        "ListOfTags and Conditions must both hold (AND)",
        probes=(
            Probe(
                "a4-list-of-tags-only",
                _TABLE_KIND,
                "the ListOfTags entry holds, the condition fails",
                _exact(
                    TagCondition("StringEquals", "bar-a4l-cond", "yes"),
                    list_of_tags=(("bar-a4l-list", "yes"),),
                ),
                _B,
                _N,
                tags=(("bar-a4l-list", "yes"),),
            ),
            Probe(
                "a4-conditions-only",
                _TABLE_KIND,
                "the condition holds, the ListOfTags entry does not",
                _exact(
                    TagCondition("StringEquals", "bar-a4c-cond", "yes"),
                    list_of_tags=(("bar-a4c-list", "yes"),),
                ),
                _B,
                _N,
                tags=(("bar-a4c-cond", "yes"),),
            ),
        ),
    ),
    Reading(
        "A5",
        '"Resource type takes priority over the tag condition"',
        "Conditions filter what a resource-type pattern selected",
        "a resource-type pattern selects the resource whatever its tags",
        probes=(
            Probe(
                "a5-type-vs-tag",
                _TABLE_KIND,
                'resource-type pattern table/STACK-a5-*, tag bar-a5 = "no", StringEquals bar-a5 = "yes"',
                ProbeSelection(
                    resources=(_TABLE + "{stack}-a5-*",),
                    conditions=(TagCondition("StringEquals", "bar-a5", "yes"),),
                ),
                _N,
                _B,
                tags=(("bar-a5", "no"),),
            ),
        ),
    ),
    Reading(
        "A6",
        "Exact ARN vs opt-in, and [DRS]",
        "an exact ARN or a resource-type pattern backs a resource up with its type's opt-in off; "
        "a service-wide pattern does not",
        "the opt-in applies to every selection (DescribeRegionSettings read literally)",
        probes=(
            Probe(
                "a6-exact-arn-opt-in-off",
                _VOLUME,
                "a volume named by its exact ARN, EBS opt-in off",
                _exact(),
                _B,
                _N,
            ),
            Probe(
                "a6-type-opt-in-off",
                _EFS,
                'resource-type pattern file-system/* with StringEquals bar-a6 = "type", EFS opt-in off',
                ProbeSelection(
                    resources=("arn:{partition}:elasticfilesystem:{region}:{account}:file-system/*",),
                    conditions=(TagCondition("StringEquals", "bar-a6", "type"),),
                ),
                _B,
                _N,
                tags=(("bar-a6", "type"),),
            ),
            Probe(
                "a6-service-opt-in-off",
                _VOLUME,
                'contrast: service-wide pattern arn:PARTITION:ec2:* with StringEquals bar-a6 = "service", '
                "EBS opt-in off: skipped under both readings ([CLI] documents it)",
                ProbeSelection(
                    resources=("arn:{partition}:ec2:*",),
                    conditions=(TagCondition("StringEquals", "bar-a6", "service"),),
                ),
                _N,
                _N,
                tags=(("bar-a6", "service"),),
            ),
        ),
    ),
    Reading(
        "A7",
        "FSx shared ARN",
        "an FSx file system selected by resource type is backed up with the FSx opt-in off",
        "the FSx opt-in is needed, as for Aurora / Neptune / DocumentDB",
        not_probed="no cheap probe: an FSx file system has a minimum storage capacity, billed per "
        "GB-month, and takes many minutes to create",
    ),
    Reading(
        "A8",
        "RDS-family shared opt-in",
        "Aurora, Neptune and DocumentDB need their own opt-in; the RDS one does not count",
        "opting in to one of RDS / Aurora / Neptune / DocumentDB opts in to all of them",
        not_probed="no cheap probe: it needs an Aurora (or Neptune / DocumentDB) cluster, billed by "
        "the hour, and RDS and Aurora opt-ins set differently",
    ),
    Reading(
        "A9",
        "S3 buckets (issue 9)",
        "a bucket belongs to its BucketRegion; versioning Suspended is like never enabled; the S3 "
        "opt-in follows the generic rules; any NoncurrentVersionExpiration rule counts",
        "a bucket is in scope of every Region; a Suspended bucket is backed up; the S3 opt-in always applies",
        not_probed="not in this kit: the Region reading needs a bucket in a second Region; a bucket "
        "with versioning Suspended ends in a failed job, not a selection decision, and needs the "
        "S3 backup managed policy; the opt-in reading is the A6 question, probed with EFS; the "
        "lifecycle reading is no backup outcome",
    ),
    Reading(
        "A10",
        "The resource type's own opt-in inside a stack backup",
        "a resource of a protected stack is backed up with the stack whatever its own type's opt-in",
        "a resource whose type's opt-in is off is left out of the stack's composite recovery point",
        not_probed="needs a second stack to back up: backing up the kit's own stack would back up "
        "every probe with it and void the other probes",
    ),
    Reading(
        "A11",
        "Redshift: what was checked, what is read",
        "opt-in key Redshift, cluster ARN arn:PARTITION:redshift:REGION:ACCOUNT:cluster:NAME, not "
        "always needing the opt-in",
        "another opt-in key or ARN form; the opt-in always needed",
        not_probed="no cheap probe: a provisioned Redshift cluster is billed by the hour",
    ),
    Reading(
        "A12",
        "Timestream tables: what was checked, what is read",
        "table ARN arn:PARTITION:timestream:REGION:ACCOUNT:database/DB/table/T is the one AWS Backup "
        "selects; tables DELETING are not resources",
        "AWS Backup selects another ARN form",
        not_probed="not in this kit: outside its three resource kinds, and Timestream for "
        "LiveAnalytics exists in a few Regions only (A12)",
    ),
    Reading(
        "A13",
        "Storage Gateway volumes, VMware virtual machines, SAP HANA databases (issue 9)",
        "the ARN forms, own-tag selection and generic opt-in rules of the declarations",
        "other ARN forms or the parent's tags",
        not_probed="no cheap probe: it needs a Storage Gateway, a VMware hypervisor or an SAP HANA "
        "system on EC2",
    ),
    Reading(
        "A14",
        "Redshift Serverless namespaces: the type string is a reading",
        "resource type and opt-in key `Redshift Serverless`",
        "namespaces are filed under `Redshift`",
        not_probed="no probe needed: `aws backup describe-region-settings` in the Region lists the "
        "opt-in keys, which answers it (docs/verify-readings.md)",
    ),
    Reading(
        "A15",
        "Resources of nested stacks",
        "a resource belongs only to the stack whose ListStackResources lists it",
        "backing up a root stack backs up the resources of its nested stacks too",
        not_probed="needs a nested stack (its template hosted in S3) and a stack backup, which "
        "would back up the kit's probes with it",
    ),
)


def all_probes() -> tuple[Probe, ...]:
    """Controls first, then each reading's probes in table order."""
    return CONTROLS + tuple(p for r in READINGS for p in r.probes)


def reading_of(probe_id: str) -> Reading | None:
    """The reading a probe exercises (``None`` for a control)."""
    for r in READINGS:
        if any(p.id == probe_id for p in r.probes):
            return r
    return None


def table_name(probe: Probe, stack: str) -> str:
    """A probe table's ``TableName``: the stack name, then the probe id."""
    return f"{stack}-{probe.id}"


def expand(pattern: str, *, partition: str, region: str, account: str, stack: str, self_arn: str) -> str:
    """A pattern of the table with its placeholders filled in."""
    return (
        pattern.replace(SELF, self_arn)
        .replace("{partition}", partition)
        .replace("{region}", region)
        .replace("{account}", account)
        .replace("{stack}", stack)
    )


__all__ = [
    "CONTROLS",
    "KIT_PLAN_NAME",
    "OPT_IN_PRECONDITIONS",
    "PROBE_TAG",
    "READINGS",
    "SELF",
    "Outcome",
    "Probe",
    "ProbeKind",
    "ProbeSelection",
    "Reading",
    "TagCondition",
    "all_probes",
    "expand",
    "reading_of",
    "table_name",
]
