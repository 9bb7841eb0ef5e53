"""The controls of other frameworks our rules give evidence for, each with the AWS page it rests on.

Three frameworks: AWS Backup Audit Manager controls (``BACKUP_RECOVERY_POINT_ENCRYPTED``), AWS
Config managed rules (``backup-recovery-point-encrypted``) and AWS Security Hub controls
(``Backup.1``). Every control here names the AWS documentation page it was read from (no mapping
without a source); a rule lists the ids of the controls it gives evidence for in its metadata::

    metadata = RuleMetadata(..., controls=("BACKUP_RECOVERY_POINT_ENCRYPTED", "Backup.1"))

and :class:`~auditor.rules.base.RuleMetadata` rejects, at import, an id that is not in
:data:`CATALOGUE`. Ids are unique across the three frameworks (their spellings differ).

A control may be narrowed to AWS Backup resource types (``resource_types``): the Security Hub
control ``DynamoDB.4`` is about DynamoDB tables only, so a BKP-002 finding about an EBS volume is
no evidence for it. ``subject`` says what the control judges (resources, protected resources,
backup plans or vaults): the report's Controls section counts compliant subjects from it.

Audit Manager controls also carry ``parameters``: how each ``ControlInputParameters`` name of
``aws backup describe-framework`` maps onto our ``[controls.BKP-NNN]`` keys
(:mod:`auditor.framework_file`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

AWS_DOCS = "https://docs.aws.amazon.com/"


class FrameworkError(TypeError):
    """A control of the catalogue is malformed. Raised at import time."""


class Framework(StrEnum):
    """The frameworks a rule can be mapped to (the values are ``rules --framework`` choices)."""

    AUDIT_MANAGER = "audit-manager"
    CONFIG = "config"
    SECURITY_HUB = "security-hub"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Framework.AUDIT_MANAGER: "AWS Backup Audit Manager",
    Framework.CONFIG: "AWS Config",
    Framework.SECURITY_HUB: "AWS Security Hub",
}


class Subject(StrEnum):
    """What a control judges; the Controls section counts compliant subjects among these."""

    RESOURCE = "resource"
    """Every inventoried resource (of the control's resource types)."""
    PROTECTED = "protected"
    """Resources a backup selection protects (a control on their backups or plans)."""
    PLAN = "plan"
    """Backup plans."""
    VAULT = "vault"
    """Backup vaults: the report lists none, so only non-compliant ones can be counted."""


ParamKind = Literal["whole", "list", "unit"]


@dataclass(frozen=True)
class Parameter:
    """One Audit Manager ``ControlInputParameters`` name and the ``[controls.BKP-NNN]`` key it sets.

    ``kind`` says how the string ``ParameterValue`` reads: ``whole`` a whole number, ``list`` a
    comma-separated list, ``unit`` the ``hours`` / ``days`` unit of a value parameter: then
    ``key`` is the stem (``frequency``) and the value parameter named ``value`` sets
    ``<stem>-hours`` or ``<stem>-days``.
    """

    name: str
    key: str
    kind: ParamKind = "whole"
    value: str | None = None
    """For ``kind="unit"``: the name of the parameter holding the number."""


@dataclass(frozen=True)
class FrameworkControl:
    """One control of another framework, as its owner's documentation describes it."""

    framework: Framework
    id: str
    """The control's name in its framework: ``BACKUP_RECOVERY_POINT_ENCRYPTED``,
    ``backup-recovery-point-encrypted``, ``Backup.1``."""
    title: str
    url: str
    """The AWS documentation page the control and this mapping were read from."""
    subject: Subject = Subject.RESOURCE
    resource_types: tuple[str, ...] = ()
    """AWS Backup resource types the control judges; empty = every type."""
    parameters: tuple[Parameter, ...] = ()
    """Audit Manager only: how its input parameters map onto our control keys."""

    def __post_init__(self) -> None:
        if not self.url.startswith(AWS_DOCS):
            raise FrameworkError(f"{self.id}: the source URL must be an AWS documentation page: {self.url!r}")
        if not self.id.strip() or not self.title.strip():
            raise FrameworkError(f"{self.framework}: a control needs an id and a title")
        if self.parameters and self.framework is not Framework.AUDIT_MANAGER:
            raise FrameworkError(f"{self.id}: only Audit Manager controls take parameters")

    @property
    def requirement(self) -> str:
        """How the control reads in ASFF ``Compliance.RelatedRequirements`` and SARIF tags."""
        return f"{self.framework.label} {self.id}"

    def applies_to(self, resource_type: str | None) -> bool:
        """Whether a finding about a resource of this type is evidence for the control."""
        return not self.resource_types or resource_type is None or resource_type in self.resource_types

    def to_json(self) -> dict[str, object]:
        return {
            "framework": self.framework.value,
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "subject": self.subject.value,
            "resource_types": list(self.resource_types),
        }


# --------------------------------------------------------------------------------------------
# The catalogue. Each entry was read from the page it names (AWS Backup developer guide, AWS
# Config developer guide, AWS Security Hub user guide); add a control here, then name its id in
# the rule's metadata.
# --------------------------------------------------------------------------------------------

_AM = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"
_CONFIG = "https://docs.aws.amazon.com/config/latest/developerguide/"
_SH = "https://docs.aws.amazon.com/securityhub/latest/userguide/"


def _am(name: str, title: str, subject: Subject, *parameters: Parameter) -> FrameworkControl:
    return FrameworkControl(Framework.AUDIT_MANAGER, name, title, _AM, subject, (), parameters)


def _config(
    name: str, title: str, subject: Subject = Subject.RESOURCE, types: tuple[str, ...] = ()
) -> FrameworkControl:
    return FrameworkControl(Framework.CONFIG, name, title, f"{_CONFIG}{name}.html", subject, types)


def _sh(
    control_id: str, title: str, page: str, types: tuple[str, ...], subject: Subject = Subject.RESOURCE
) -> FrameworkControl:
    anchor = control_id.lower().replace(".", "-")
    return FrameworkControl(
        Framework.SECURITY_HUB, control_id, title, f"{_SH}{page}#{anchor}", subject, types
    )


_FREQUENCY = (
    Parameter("requiredFrequencyUnit", "frequency", "unit", value="requiredFrequencyValue"),
    Parameter("requiredRetentionDays", "retention-days"),
)
_AGE = (Parameter("recoveryPointAgeUnit", "max-age", "unit", value="recoveryPointAgeValue"),)

_CONTROLS: tuple[FrameworkControl, ...] = (
    # AWS Backup Audit Manager: controls-and-remediation.html; API names and parameter names
    # from creating-frameworks-api.html. A control's parameters are listed once a rule reads
    # them from its [controls.BKP-NNN] table (auditor/controls.py); a framework file setting a
    # parameter listed nowhere is refused.
    _am(
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
        "Backup resources are included in at least one backup plan",
        Subject.RESOURCE,
    ),
    _am(
        "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        "Backup plan has minimum frequency and minimum retention",
        Subject.PLAN,
        *_FREQUENCY,
    ),
    _am(
        "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
        "Vaults prevent manual deletion of recovery points",
        Subject.VAULT,
        Parameter("principalArnList", "exempt-principals", "list"),
    ),
    _am("BACKUP_RECOVERY_POINT_ENCRYPTED", "Recovery points are encrypted", Subject.PROTECTED),
    _am(
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
        "Minimum retention established for recovery point",
        Subject.PROTECTED,
        Parameter("requiredRetentionDays", "retention-days"),
    ),
    _am(
        "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
        "Cross-Region backup copy is scheduled",
        Subject.PROTECTED,
        Parameter("crossRegionList", "destination-regions", "list"),
    ),
    _am(
        "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
        "Cross-account backup copy is scheduled",
        Subject.PROTECTED,
        Parameter("crossAccountList", "destination-accounts", "list"),
    ),
    _am(
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
        "Resources are in a backup plan with an AWS Backup Vault Lock",
        Subject.PROTECTED,
        Parameter("minRetentionDays", "min-retention-days"),
        Parameter("maxRetentionDays", "max-retention-days"),
    ),
    _am(
        "BACKUP_LAST_RECOVERY_POINT_CREATED",
        "Last recovery point was created",
        Subject.PROTECTED,
        *_AGE,
    ),
    _am(
        "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
        "Restore time for resources meet target",
        Subject.PROTECTED,
        Parameter("maxRestoreTime", "max-restore-minutes"),
    ),
    _am(
        "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
        "Resources are in a logically air-gapped vault",
        Subject.PROTECTED,
        *_AGE,
    ),
    # AWS Config managed rules: one page each, named after the rule.
    _config(
        "backup-plan-min-frequency-and-min-retention-check",
        "Backup plan frequency and retention",
        Subject.PLAN,
    ),
    _config("backup-recovery-point-encrypted", "Recovery point is encrypted", Subject.PROTECTED),
    _config(
        "backup-recovery-point-minimum-retention-check", "Recovery point minimum retention", Subject.PROTECTED
    ),
    _config(
        "backup-recovery-point-manual-deletion-disabled", "Vault policy prevents deletion", Subject.VAULT
    ),
    _config("dynamodb-in-backup-plan", "DynamoDB table is in a backup plan", types=("DynamoDB",)),
    _config("ebs-in-backup-plan", "EBS volume is in a backup plan", types=("EBS",)),
    _config("efs-in-backup-plan", "EFS file system is in a backup plan", types=("EFS",)),
    _config("rds-in-backup-plan", "RDS database is in a backup plan", types=("RDS",)),
    _config(
        "aurora-resources-protected-by-backup-plan",
        "Aurora cluster protected by a backup plan",
        types=("Aurora",),
    ),
    _config(
        "dynamodb-resources-protected-by-backup-plan",
        "DynamoDB table protected by a backup plan",
        types=("DynamoDB",),
    ),
    _config(
        "ebs-resources-protected-by-backup-plan", "EBS volume protected by a backup plan", types=("EBS",)
    ),
    _config(
        "ec2-resources-protected-by-backup-plan", "EC2 instance protected by a backup plan", types=("EC2",)
    ),
    _config(
        "efs-resources-protected-by-backup-plan", "EFS file system protected by a backup plan", types=("EFS",)
    ),
    _config(
        "fsx-resources-protected-by-backup-plan", "FSx file system protected by a backup plan", types=("FSx",)
    ),
    _config(
        "rds-resources-protected-by-backup-plan", "RDS instance protected by a backup plan", types=("RDS",)
    ),
    *(
        _config(
            f"{t.lower()}-last-backup-recovery-point-created",
            f"{t} has a recent recovery point",
            Subject.PROTECTED,
            (t,),
        )
        for t in ("Aurora", "DynamoDB", "RDS")
    ),
    _config(
        "ec2-last-backup-recovery-point-created",
        "EC2 instance has a recent recovery point",
        Subject.PROTECTED,
        ("EC2",),
    ),
    _config(
        "s3-last-backup-recovery-point-created",
        "S3 bucket has a recent recovery point",
        Subject.PROTECTED,
        ("S3",),
    ),
    # For the rules of restore testing (BKP-038) and logically air-gapped vaults (BKP-039).
    *(
        _config(
            f"{t.lower()}-meets-restore-time-target",
            f"{t} restore time meets the target",
            Subject.PROTECTED,
            (t,),
        )
        for t in ("Aurora", "EC2", "RDS", "S3")
    ),
    _config(
        "ebs-resources-in-logically-air-gapped-vault",
        "EBS volume in a logically air-gapped vault",
        Subject.PROTECTED,
        ("EBS",),
    ),
    _config(
        "s3-resources-in-logically-air-gapped-vault",
        "S3 bucket in a logically air-gapped vault",
        Subject.PROTECTED,
        ("S3",),
    ),
    _config(
        "storagegateway-resources-in-logically-air-gapped-vault",
        "Storage Gateway volume in a logically air-gapped vault",
        Subject.PROTECTED,
        ("Storage Gateway",),
    ),
    _config(
        "virtualmachine-resources-in-logically-air-gapped-vault",
        "Backup gateway virtual machine in a logically air-gapped vault",
        Subject.PROTECTED,
        ("VirtualMachine",),
    ),
    # AWS Security Hub controls: one page per service, one anchor per control.
    _sh(
        "Backup.1",
        "AWS Backup recovery points should be encrypted at rest",
        "backup-controls.html",
        (),
        Subject.PROTECTED,
    ),
    _sh(
        "DynamoDB.4",
        "DynamoDB tables should be present in a backup plan",
        "dynamodb-controls.html",
        ("DynamoDB",),
    ),
    _sh("EC2.28", "EBS volumes should be covered by a backup plan", "ec2-controls.html", ("EBS",)),
    _sh("EFS.2", "Amazon EFS volumes should be in backup plans", "efs-controls.html", ("EFS",)),
    _sh("RDS.26", "RDS DB instances should be protected by a backup plan", "rds-controls.html", ("RDS",)),
)


def _index(controls: tuple[FrameworkControl, ...]) -> Mapping[str, FrameworkControl]:
    out: dict[str, FrameworkControl] = {}
    for c in controls:
        if c.id in out:
            raise FrameworkError(f"control {c.id} is listed twice")
        out[c.id] = c
    return out


CATALOGUE: Mapping[str, FrameworkControl] = _index(_CONTROLS)
"""Every known control by id."""

PROTECTED_BY_PLAN: tuple[str, ...] = (
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "dynamodb-in-backup-plan",
    "ebs-in-backup-plan",
    "efs-in-backup-plan",
    "rds-in-backup-plan",
    "aurora-resources-protected-by-backup-plan",
    "dynamodb-resources-protected-by-backup-plan",
    "ebs-resources-protected-by-backup-plan",
    "ec2-resources-protected-by-backup-plan",
    "efs-resources-protected-by-backup-plan",
    "fsx-resources-protected-by-backup-plan",
    "rds-resources-protected-by-backup-plan",
    "DynamoDB.4",
    "EC2.28",
    "EFS.2",
    "RDS.26",
)
"""The controls asking that a resource be in (protected by) a backup plan: the rules that report a
resource no selection effectively protects list these."""


def check_controls(owner: str, ids: object) -> tuple[FrameworkControl, ...]:
    """The catalogue entries of ``ids``; :class:`FrameworkError` naming ``owner`` for an id that is
    not a tuple of known control ids."""
    if not isinstance(ids, tuple) or not all(isinstance(i, str) for i in ids):
        raise FrameworkError(f"{owner}: 'controls' must be a tuple of control ids")
    unknown = [i for i in ids if i not in CATALOGUE]
    if unknown:
        raise FrameworkError(
            f"{owner}: unknown control(s) {', '.join(unknown)}: add them to auditor/frameworks.py "
            "with their AWS documentation page first"
        )
    if len(set(ids)) != len(ids):
        raise FrameworkError(f"{owner}: a control is listed twice")
    return tuple(CATALOGUE[i] for i in ids)
