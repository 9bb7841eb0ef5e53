"""The demo organization, declared in one place. ``seed.py`` creates it through the AWS APIs.

Reading guide
- Accounts and resources are named by *keys* (``prod``, ``vol-web``); AWS assigns the real account
  ids and resource ids when the seed creates them. In selection ARN patterns ``{arn:KEY}`` stands for
  the ARN of resource KEY of the same account and region.
- Every deliberate gap is a ``Gap`` in ``GAPS`` with the public rule id expected to fire. A gap may
  have consequences another rule also reports (an Aurora cluster skipped because its opt-in is off is
  BKP-001 *and* makes BKP-004 fire for its account-region); both are listed when both are meant.
- An EC2 instance's root EBS volume is resource ``<instance key>-root``, tagged like the instance
  (as ``RunInstances`` with a ``volume`` tag specification does).
- An ``ebs-volume`` with ``attached_to`` is attached to that instance (``AttachVolume``). AWS Backup
  backs up every EBS volume attached to an instance with the instance (AWS Backup guide, "Amazon
  EBS multi-volume, crash-consistent backups"): such a volume is protected when its instance is,
  whatever its own tags, and a volume of an unprotected instance (its root volume included) is a
  gap unless a selection picks the volume itself.
- ``CLEAN`` lists resources that are protected and meant to raise no finding at all.
- Dates are relative to the moment of seeding (``age_days`` back from "now"), so the default 14-day
  job window of the collector always catches the recent jobs.

Selection semantics the gaps rely on: ``docs/selection-semantics.md`` (shared docs).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

AUDIT_ROLE = "OrganizationAccountAccessRole"
REGIONS: tuple[str, ...] = ("us-east-1", "eu-west-1")
BACKUP_ROLE = "service-role/AWSBackupDefaultServiceRole"

# ---- building blocks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A protectable resource. ``kind``: ``ec2-instance``, ``ebs-volume``, ``dynamodb-table``,
    ``efs``, ``aurora`` / ``neptune`` / ``docdb`` / ``multi-az`` (clusters), ``rds`` (instance),
    ``rds-custom``, ``rds-outposts``, ``ontap`` (file system + its volumes, see ``volumes``),
    ``s3-bucket`` (named ``<account key>-<key>``: bucket names are global),
    ``cfn-stack`` (a CloudFormation stack whose template creates the tables of ``stack_tables``),
    ``redshift`` (a provisioned cluster), ``timestream-table`` (a table of the Timestream database
    ``database``), ``serverless-namespace`` (a Redshift Serverless namespace), ``sgw-volume`` (a
    Volume Gateway volume of gateway ``parent``), ``vmware-vm`` (a virtual machine of AWS Backup
    gateway), ``sap-hana-db`` (key ``APP-DB``: database ``DB``, upper case, of the SAP HANA
    application ``parent``)."""

    key: str
    kind: str
    tags: tuple[tuple[str, str], ...] = ()
    engine: str | None = None
    members: int = 0
    """Cluster member instances (Aurora / Neptune / DocumentDB)."""
    retention_days: int = 1
    """RDS automated backup retention (BackupRetentionPeriod)."""
    deleted: bool = False
    """Created, backed up, then deleted: only its recovery points remain."""
    volumes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    """ONTAP: (volume key, volume tags)."""
    attached_to: str | None = None
    """EBS volume: key of the EC2 instance (same account and region, declared before it) it is
    attached to."""
    versioning: str | None = "Enabled"
    """S3 bucket: the versioning status set (None: never enabled)."""
    noncurrent_days: int | None = None
    """S3 bucket: an enabled lifecycle rule expiring noncurrent versions after these days."""
    stack_tables: tuple[str, ...] = ()
    """CloudFormation stack: DynamoDB tables (name = resource key, untagged) its template creates;
    AWS Backup backs them up with the stack."""
    database: str = "telemetry"
    """Timestream table: its database (created with the first table naming it)."""
    # -- backups made outside AWS Backup (BKP-017) --
    pitr: bool = False
    """DynamoDB table: point-in-time recovery enabled (UpdateContinuousBackups)."""
    parent: str | None = None
    """Storage Gateway volume: its gateway's name; SAP HANA database: its application id."""


@dataclass(frozen=True)
class Selection:
    name: str
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    list_of_tags: tuple[tuple[str, str], ...] = ()
    """Legacy StringEquals tag conditions (key, value), OR-ed."""
    conditions: tuple[tuple[str, str, str], ...] = ()
    """(operator, tag key, value), AND-ed; operator in StringEquals / StringNotEquals / StringLike /
    StringNotLike; the key is written ``aws:ResourceTag/KEY``."""
    age_days: float = 30
    """How long before the seed the selection was created (its ``CreationDate``, backdated so that
    the demo's backup jobs ran under it; 0: created at seeding, after every job: BKP-091)."""


@dataclass(frozen=True)
class Plan:
    name: str
    vault: str
    delete_after_days: int
    selections: tuple[Selection, ...]
    schedule: str = "cron(0 5 ? * * *)"
    copy_to: tuple[tuple[str, str, str], ...] = ()
    """CopyActions of its rule: (account key, region, vault name) of each destination vault."""


@dataclass(frozen=True)
class RecoveryPoint:
    resource: str
    """Resource key (its ARN is used even when the resource was deleted)."""
    vault: str
    plan: str
    age_days: float
    status: str = "COMPLETED"
    encrypted: bool = True


@dataclass(frozen=True)
class Job:
    resource: str
    vault: str
    plan: str
    age_days: float
    state: str = "COMPLETED"
    message: str | None = None
    plan_version: str | None = None
    """``CreatedBy.BackupPlanVersion`` when the job ran under an earlier version of the plan
    (default: the plan's current version)."""


@dataclass(frozen=True)
class RbinRule:
    resource_type: str
    """EBS_SNAPSHOT or EC2_IMAGE."""
    retention_days: int
    description: str


@dataclass(frozen=True)
class RestoreSelection:
    """A restore testing selection of the region's restore testing plan ``restore-tests``."""

    name: str
    resource_type: str
    arns: tuple[str, ...] = ("*",)
    conditions: tuple[tuple[str, str, str], ...] = ()
    """(``StringEquals`` / ``StringNotEquals``, ``aws:ResourceTag/KEY``, value), AND-ed."""


@dataclass(frozen=True)
class RestoreJob:
    """A restore job of a resource, started by the region's restore testing plan."""

    resource: str
    age_days: float
    status: str = "COMPLETED"
    minutes: int = 30
    message: str | None = None


@dataclass(frozen=True)
class DlmPolicy:
    """An ENABLED Data Lifecycle Manager EBS snapshot policy targeting volumes by tag (backups made
    outside AWS Backup, BKP-017)."""

    description: str
    target_tags: tuple[tuple[str, str], ...]
    resource_type: str = "VOLUME"


@dataclass(frozen=True)
class CopyPoint:
    """A copy recovery point in a destination vault (of another region or account): it keeps its
    source resource's ARN. Seeded after every account, from the source's declaration."""

    account: str
    region: str
    vault: str
    source_account: str
    source_region: str
    resource: str
    age_days: float
    delete_after_days: int = 35


@dataclass(frozen=True)
class CopyJob:
    """A copy job listed in the source account-region (ListCopyJobs)."""

    account: str
    region: str
    resource: str
    vault: str
    """The source vault."""
    plan: str
    destination: tuple[str, str, str]
    """(account key, region, vault name) of the destination vault."""
    age_days: float
    state: str = "COMPLETED"
    message: str | None = None


@dataclass(frozen=True)
class Region:
    name: str
    opt_in: tuple[tuple[str, bool], ...] = ()
    """Changes to the default ResourceTypeOptInPreference (defaults: every type supported in early
    2022 on, newer ones off; see ``extensions/backup.py``)."""
    management: tuple[tuple[str, bool], ...] = ()
    """Changes to the default ResourceTypeManagementPreference (DynamoDB and EFS on)."""
    vaults: tuple[str, ...] = ()
    vault_policies: tuple[str, ...] = ()
    """Vaults given an access policy (deny deleting recovery points, changing their lifecycle and
    replacing the policy)."""
    resources: tuple[Resource, ...] = ()
    plans: tuple[Plan, ...] = ()
    recovery_points: tuple[RecoveryPoint, ...] = ()
    jobs: tuple[Job, ...] = ()
    rbin_rules: tuple[RbinRule, ...] = ()
    dlm_policies: tuple[DlmPolicy, ...] = ()
    """Data Lifecycle Manager snapshot policies (backups made outside AWS Backup, BKP-017)."""
    lag_vaults: tuple[str, ...] = ()
    """Logically air-gapped vaults (CreateLogicallyAirGappedBackupVault: locked, 7-35 days)."""
    # vault lock, restore testing (BKP-023 / BKP-034 / BKP-038)
    vault_locks: tuple[tuple[str, int, int], ...] = ()
    """(vault, MinRetentionDays, MaxRetentionDays) of the vaults given a Vault Lock."""
    restore_selections: tuple[RestoreSelection, ...] = ()
    restore_jobs: tuple[RestoreJob, ...] = ()


@dataclass(frozen=True)
class Account:
    key: str
    name: str
    regions: tuple[Region, ...]
    management: bool = False
    denied: bool = False
    """Its audit role does not trust the management account: sts:AssumeRole is AccessDenied."""
    suspended: bool = False
    """Closed (SUSPENDED) after creation: the audit skips it."""

    @property
    def email(self) -> str:
        return f"aws+{self.key}@example.com"


@dataclass(frozen=True)
class Gap:
    """One finding the audit must report, named by what identifies it: its rule, account, region,
    subject ARN and resource type. The demo and the e2e test compare the findings with the gaps one
    for one (``auditor/sandbox/truth.py``)."""

    rule_id: str
    account: str
    region: str | None
    resource: str | None
    """The finding's subject: a resource key (its ARN and AWS Backup resource type identify the
    finding), ``vault:NAME`` (a backup vault's ARN), ``plan:NAME`` (a backup plan's ARN),
    ``rbin:RESOURCE_TYPE`` (the ARN of the region's
    recycle-bin rule for that type), or None for an account / region level finding."""
    note: str
    resource_type: str | None = None
    """For a finding without a resource subject: the AWS Backup resource type it names (BKP-004 and
    BKP-005 report one finding per type and account-region), or None when it names none."""


@dataclass(frozen=True)
class BackupPolicy:
    """An AWS Organizations backup policy (JSON text) and the account keys it is attached to."""

    name: str
    content: str
    targets: tuple[str, ...]


PROTECTED = "protected"
UNPROTECTED = "unprotected"
UNKNOWN = "unknown"
"""The audit could not decide (``protected`` is null in the findings JSON)."""
ABSENT = "absent"
"""Not in the audit's resources at all: deleted, not protectable by AWS Backup on its own (an ONTAP
file system: its volumes are), or in an account the audit skips (closed) or cannot read."""
VERDICT_NAMES: tuple[str, ...] = (PROTECTED, UNPROTECTED, UNKNOWN, ABSENT)

Verdicts = tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
"""(account key, region, ((resource key, verdict), ...)) for every resource the seed creates."""


@dataclass(frozen=True)
class DemoOrg:
    accounts: tuple[Account, ...]
    gaps: tuple[Gap, ...]
    clean: tuple[tuple[str, str, str], ...]
    """(account key, region, resource key) of resources protected with no finding expected."""
    backup_policy: str = field(default="")
    verdicts: Verdicts = ()
    """The expected verdict of every resource the seed creates (root volumes included); the seed
    refuses an organization where one is missing or names no resource."""
    backup_policy_targets: tuple[str, ...] = ()
    """Account keys the backup policy is attached to (empty: the organization's root)."""
    other_backup_policies: tuple[BackupPolicy, ...] = ()
    """More backup policies, each attached to its own accounts."""
    # -- copies and air-gapped vaults (BKP-022/036/037/039)
    copies: tuple[CopyPoint, ...] = ()
    copy_jobs: tuple[CopyJob, ...] = ()
    cross_account_backup: bool = False
    """The management account's AWS Backup global setting isCrossAccountBackupEnabled."""
    controls: str = ""
    """The ``[controls]`` tables of the config file the demo audit runs with (TOML)."""
    denied_operations: tuple[tuple[str, str, str, str], ...] = ()
    """(account key, region, service, operation) calls the audit role is denied in the demo: the
    demo injects an AccessDenied answer to each through the sandbox's fault layer (the seed only
    describes them, ``SeededOrg.faults``: other users of the seeded sandbox read everything)."""


def tags(**pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple(pairs.items())


DAILY = tags(backup="daily")
"""The organization's tagging convention: ``backup=daily`` opts a resource in."""
BY_TAG = Selection("tagged-daily", list_of_tags=(("backup", "daily"),))
"""Legacy tag-only selection (ListOfTags)."""
ORG_BASELINE_SELECTION = Selection("baseline", list_of_tags=(("org-backup", "baseline"),))
"""The selection of the organization backup policy's plan (see ORG_BACKUP_POLICY)."""
ORG_BASELINE = Plan("org-baseline", "org-vault", 35, (ORG_BASELINE_SELECTION,))
"""The plan ORG_BACKUP_POLICY deploys, as it deploys it (rule daily, 05:00, start window 60 and
completion window 480 minutes as the seed writes every rule)."""
# -- copies and air-gapped vaults (BKP-022/036/037/039)
DR = tags(dr="copies")
"""Resources whose copies the organization audits: the demo's copy controls are scoped to the tag
``dr`` (Audit Manager's ControlScope), see ``DEMO_CONTROLS``."""
PROD_DAILY_COPIES = (("prod", "eu-west-1", "prod-eu-vault"), ("management", "us-east-1", "org-lag-vault"))
"""prod-daily copies to prod's eu-west-1 vault (another Region) and to the management account's
logically air-gapped vault (another account)."""

# ---- management account -----------------------------------------------------------------------

MANAGEMENT = Account(
    key="management",
    name="Management",
    management=True,
    regions=(
        Region(
            "us-east-1",
            vaults=("org-vault",),
            resources=(
                Resource("billing-table", "dynamodb-table", DAILY),
                # Timestream and Redshift Serverless (issue 9): opted in, tagged, backed up.
                Resource("billing-events", "timestream-table", DAILY, database="billing"),
                Resource("finance-dw", "serverless-namespace", DAILY),
            ),
            plans=(Plan("org-daily", "org-vault", 35, (BY_TAG,)), ORG_BASELINE),
            recovery_points=(
                RecoveryPoint("billing-table", "org-vault", "org-daily", 0.5),
                RecoveryPoint("billing-events", "org-vault", "org-daily", 0.5),
                RecoveryPoint("finance-dw", "org-vault", "org-daily", 0.5),
            ),
            jobs=(
                Job("billing-table", "org-vault", "org-daily", 1),
                Job("billing-events", "org-vault", "org-daily", 1),
                Job("finance-dw", "org-vault", "org-daily", 1),
            ),
            # Both types are off by default in the sandbox (supported after the account started).
            opt_in=(("Timestream", True), ("Redshift Serverless", True)),
            # copies: the organization's logically air-gapped vault, receiving prod's copies; its
            # policy denies deleting them (BKP-033 clean).
            lag_vaults=("org-lag-vault",),
            vault_policies=("org-lag-vault",),
        ),
        Region(
            "eu-west-1",
            vaults=("org-vault",),
            # No selection: only its schedule matters (BKP-030: weekdays only, 3 days apart over weekends).
            plans=(
                Plan("org-weekdays", "org-vault", 35, (), schedule="cron(0 5 ? * MON-FRI *)"),
                ORG_BASELINE,
            ),
        ),
    ),
)

# ---- prod: the well-protected account, with a few deliberate slips ----------------------------

PROD = Account(
    key="prod",
    name="Production",
    regions=(
        Region(
            "us-east-1",
            # S3 is opted in here (off by default in the sandbox, as for accounts older than S3 support).
            # Opted in to CloudFormation (AWS Backup supports stacks since after this account
            # started: off by default), as a team that backs up stacks does.
            opt_in=(("S3", True), ("CloudFormation", True)),
            vaults=("prod-vault", "org-vault"),  # org-vault: the backup policy's (plan never deployed)
            vault_policies=("prod-vault",),
            resources=(
                Resource("web-1", "ec2-instance", tags(backup="daily", app="web-frontend")),
                Resource("vol-web", "ebs-volume", tags(env="prod", app="web-frontend", tier="gold")),
                Resource("vol-cache", "ebs-volume", tags(env="prod", app="web-cache", tier="scratch")),
                Resource("vol-temp", "ebs-volume", tags(env="prod", app="web-temp", tier="gold")),
                Resource("vol-archive", "ebs-volume", tags(env="prod", app="web-archive", tier="cold")),
                Resource("orders-table", "dynamodb-table", DAILY + DR),
                Resource("shared-efs", "efs", DAILY),
                Resource("orders-aurora", "aurora", engine="aurora-postgresql", members=2, retention_days=7),
                Resource("ledger-maz", "multi-az", DAILY, engine="postgres", retention_days=7),
                Resource("legacy-mysql", "rds", DAILY, engine="mysql", retention_days=7),
                Resource("assets", "s3-bucket", DAILY, noncurrent_days=30),
                Resource("uploads", "s3-bucket", DAILY, versioning=None, noncurrent_days=30),
                Resource("media", "s3-bucket", DAILY + DR),
                Resource("scratch", "s3-bucket", tags(app="tmp"), noncurrent_days=7),
                Resource("orders-app", "cfn-stack", stack_tables=("orders-app-events",)),
                # -- backups made outside AWS Backup (BKP-017): own backups *and* AWS Backup --
                Resource("payments-table", "dynamodb-table", DAILY, pitr=True),
                Resource("vol-db", "ebs-volume", tags(env="prod", app="web-db", tier="gold", dlm="daily")),
            ),
            plans=(
                Plan("prod-daily", "prod-vault", 35, (BY_TAG,), copy_to=PROD_DAILY_COPIES),
                Plan(
                    "prod-volumes",
                    "prod-vault",
                    35,
                    (
                        Selection(
                            "web-volumes",
                            resources=("arn:aws:ec2:*:*:volume/*",),
                            not_resources=("{arn:vol-temp}",),
                            conditions=(
                                ("StringEquals", "aws:ResourceTag/env", "prod"),
                                ("StringLike", "aws:ResourceTag/app", "web-*"),
                                ("StringNotEquals", "aws:ResourceTag/tier", "scratch"),
                            ),
                        ),
                    ),
                ),
                Plan(
                    "prod-aurora",
                    "prod-vault",
                    35,
                    (Selection("orders-clusters", resources=("arn:aws:rds:*:*:cluster:orders-*",)),),
                ),
                Plan(
                    "prod-stacks",
                    "prod-vault",
                    35,
                    (Selection("app-stacks", resources=("arn:aws:cloudformation:*:*:stack/orders-app/*",)),),
                ),
            ),
            recovery_points=(
                RecoveryPoint("web-1", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("vol-web", "prod-vault", "prod-volumes", 0.5),
                RecoveryPoint("vol-web", "prod-vault", "prod-volumes", 2),
                RecoveryPoint("vol-archive", "prod-vault", "prod-volumes", 2),
                RecoveryPoint("vol-archive", "prod-vault", "prod-volumes", 40, status="EXPIRED"),
                RecoveryPoint("vol-archive", "prod-vault", "prod-volumes", 3, encrypted=False),
                RecoveryPoint("orders-table", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("shared-efs", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("orders-aurora", "prod-vault", "prod-aurora", 0.5),
                RecoveryPoint("ledger-maz", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("legacy-mysql", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("assets", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("media", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("orders-app", "prod-vault", "prod-stacks", 0.5),
                # -- backups made outside AWS Backup (BKP-017) --
                RecoveryPoint("payments-table", "prod-vault", "prod-daily", 0.5),
                RecoveryPoint("vol-db", "prod-vault", "prod-volumes", 0.5),
            ),
            jobs=(
                Job("web-1", "prod-vault", "prod-daily", 1),
                Job("vol-web", "prod-vault", "prod-volumes", 1),
                Job("vol-archive", "prod-vault", "prod-volumes", 1),
                Job("orders-table", "prod-vault", "prod-daily", 1),
                Job("shared-efs", "prod-vault", "prod-daily", 1),
                Job("orders-aurora", "prod-vault", "prod-aurora", 1),
                Job("ledger-maz", "prod-vault", "prod-daily", 1),
                Job("legacy-mysql", "prod-vault", "prod-daily", 1),
                Job("assets", "prod-vault", "prod-daily", 1),
                Job("media", "prod-vault", "prod-daily", 1),
                Job("orders-app", "prod-vault", "prod-stacks", 1),
                # -- backups made outside AWS Backup (BKP-017) --
                Job("payments-table", "prod-vault", "prod-daily", 1),
                Job("vol-db", "prod-vault", "prod-volumes", 1),
                # Outside the 14-day window: must not be reported.
                Job("vol-web", "prod-vault", "prod-volumes", 20, state="FAILED", message="Old failure"),
            ),
            rbin_rules=(RbinRule("EBS_SNAPSHOT", 30, "Keep deleted EBS snapshots 30 days"),),
            # Backups made outside AWS Backup (BKP-017): vol-db is snapshotted by both.
            dlm_policies=(DlmPolicy("Daily snapshots of dlm=daily volumes", tags(dlm="daily")),),
        ),
        Region(
            "eu-west-1",
            opt_in=(("Redshift", True),),
            vaults=("prod-eu-vault",),
            resources=(
                Resource(
                    "reports-aurora",
                    "aurora",
                    DAILY,
                    engine="aurora-mysql",
                    members=1,
                    retention_days=14,
                ),
                Resource(
                    "sessions-aurora",
                    "aurora",
                    DAILY,
                    engine="aurora-postgresql",
                    members=1,
                    retention_days=14,
                ),
                Resource("eu-efs", "efs", DAILY),
                Resource("eu-table", "dynamodb-table", DAILY),
                Resource("dw-main", "redshift", DAILY),
            ),
            plans=(
                Plan("prod-eu-daily", "prod-eu-vault", 7, (BY_TAG,)),
                # The backup policy's plan, drifted: 03:00 into prod-eu-vault (no org-vault here).
                Plan(
                    "org-baseline",
                    "prod-eu-vault",
                    35,
                    (ORG_BASELINE_SELECTION,),
                    schedule="cron(0 3 ? * * *)",
                ),
            ),
            recovery_points=(
                RecoveryPoint("reports-aurora", "prod-eu-vault", "prod-eu-daily", 0.5),
                RecoveryPoint("sessions-aurora", "prod-eu-vault", "prod-eu-daily", 0.5),
                RecoveryPoint("eu-efs", "prod-eu-vault", "prod-eu-daily", 0.5),
                RecoveryPoint("eu-table", "prod-eu-vault", "prod-eu-daily", 0.5),
                RecoveryPoint("dw-main", "prod-eu-vault", "prod-eu-daily", 0.5),
            ),
            jobs=(
                Job("reports-aurora", "prod-eu-vault", "prod-eu-daily", 1),
                Job("sessions-aurora", "prod-eu-vault", "prod-eu-daily", 1),
                Job(
                    "sessions-aurora",
                    "prod-eu-vault",
                    "prod-eu-daily",
                    2,
                    state="EXPIRED",
                    message="Backup job expired before completion.",
                ),
                # eu-efs and eu-table: an older success, then the latest job FAILED / ABORTED.
                Job("eu-efs", "prod-eu-vault", "prod-eu-daily", 1),
                Job(
                    "eu-efs",
                    "prod-eu-vault",
                    "prod-eu-daily",
                    0.5,
                    state="FAILED",
                    message="Access denied: the IAM role cannot read the file system.",
                ),
                Job("eu-table", "prod-eu-vault", "prod-eu-daily", 1),
                Job("eu-table", "prod-eu-vault", "prod-eu-daily", 0.5, state="ABORTED", message="Aborted."),
                Job("dw-main", "prod-eu-vault", "prod-eu-daily", 1),
            ),
        ),
    ),
)

# ---- analytics: service opt-in mistakes ---------------------------------------------------------

ANALYTICS = Account(
    key="analytics",
    name="Analytics",
    regions=(
        Region(
            "us-east-1",
            opt_in=(("Aurora", False), ("EFS", False)),
            management=(("DynamoDB", False),),
            vaults=("analytics-vault",),
            resources=(
                Resource(
                    "warehouse-aurora",
                    "aurora",
                    engine="aurora-postgresql",
                    members=1,
                    retention_days=7,
                ),
                Resource("events-table", "dynamodb-table", DAILY + DR),
                Resource("lake-efs", "efs", DAILY),
                # Timestream (issue 9): tagged backup=daily, selected by the tag condition only,
                # while the Timestream opt-in is off (the sandbox's default).
                Resource("clickstream", "timestream-table", DAILY, database="web"),
            ),
            plans=(
                Plan(
                    "analytics-daily",
                    "analytics-vault",
                    7,
                    (
                        Selection("warehouse", resources=("{arn:warehouse-aurora}",)),
                        Selection(
                            "tagged",
                            conditions=(("StringEquals", "aws:ResourceTag/backup", "daily"),),
                        ),
                    ),
                    # copies: to the security account, which the audit cannot read.
                    copy_to=(("security", "us-east-1", "security-vault"),),
                ),
            ),
            recovery_points=(RecoveryPoint("events-table", "analytics-vault", "analytics-daily", 0.5),),
            jobs=(Job("events-table", "analytics-vault", "analytics-daily", 1),),
        ),
        Region(
            "eu-west-1",
            opt_in=(("EBS", False), ("DocumentDB", False)),
            vaults=("analytics-eu-vault",),
            resources=(
                Resource("vol-logs", "ebs-volume", tags(app="etl")),
                Resource("catalog-docdb", "docdb", engine="docdb", members=1),
                Resource("graph-neptune", "neptune", engine="neptune", members=1, retention_days=7),
            ),
            plans=(
                Plan(
                    "analytics-eu-compute",
                    "analytics-eu-vault",
                    14,
                    (Selection("all-ec2", resources=("arn:aws:ec2:*",)),),
                ),
                Plan(
                    "analytics-eu-all", "analytics-eu-vault", 14, (Selection("everything", resources=("*",)),)
                ),
            ),
            recovery_points=(RecoveryPoint("graph-neptune", "analytics-eu-vault", "analytics-eu-all", 0.5),),
            jobs=(Job("graph-neptune", "analytics-eu-vault", "analytics-eu-all", 1),),
        ),
    ),
)

# ---- dev: unsupported resources, orphaned backups, FSx tagging -------------------------------

DEV = Account(
    key="dev",
    name="Development",
    regions=(
        Region(
            "us-east-1",
            vaults=("dev-vault",),
            resources=(
                Resource(
                    "files-ontap",
                    "ontap",
                    DAILY,
                    volumes=(("vol-home", ()), ("vol-builds", DAILY)),
                ),
                Resource("sql-custom", "rds-custom", DAILY, engine="custom-sqlserver-ee", retention_days=7),
                Resource("edge-mysql", "rds-outposts", DAILY, engine="mysql", retention_days=7),
                Resource("sandbox-1", "ec2-instance", tags(owner="dev-team")),
                Resource("gone-aurora", "aurora", DAILY, engine="aurora-mysql", deleted=True),
                Resource("vol-gone", "ebs-volume", DAILY, deleted=True),
                Resource("build-1", "ec2-instance", DAILY),
                Resource("build-1-data", "ebs-volume", tags(owner="dev-team"), attached_to="build-1"),
                Resource("sandbox-1-data", "ebs-volume", tags(owner="dev-team"), attached_to="sandbox-1"),
                Resource("dw-scratch", "redshift", tags(owner="dev-team")),
                # Redshift Serverless (issue 9): untagged, its opt-in off (the sandbox's default).
                Resource("adhoc-ns", "serverless-namespace", tags(owner="dev-team")),
                # -- backups made outside AWS Backup (BKP-017): only their own service backs them up --
                Resource("billing-mysql", "rds", tags(owner="dev-team"), engine="mysql", retention_days=7),
                Resource("ledger-table", "dynamodb-table", tags(owner="dev-team"), pitr=True),
                Resource("vol-snap", "ebs-volume", tags(owner="dev-team", dlm="daily")),
            ),
            dlm_policies=(DlmPolicy("Daily snapshots of dlm=daily volumes", tags(dlm="daily")),),
            plans=(Plan("dev-daily", "dev-vault", 14, (BY_TAG,)),),
            recovery_points=(
                RecoveryPoint("gone-aurora", "dev-vault", "dev-daily", 3),
                RecoveryPoint("gone-aurora", "dev-vault", "dev-daily", 4),
                RecoveryPoint("vol-gone", "dev-vault", "dev-daily", 5),
                RecoveryPoint("build-1", "dev-vault", "dev-daily", 0.5),
                RecoveryPoint("vol-builds", "dev-vault", "dev-daily", 0.5),
            ),
            jobs=(
                Job("build-1", "dev-vault", "dev-daily", 1),
                Job("vol-builds", "dev-vault", "dev-daily", 1),
            ),
        ),
        Region(
            "eu-west-1",
            opt_in=(("EFS", False),),
            vaults=("dev-eu-vault",),
            resources=(
                Resource("scratch-efs", "efs"),
                Resource("dev-eu-table", "dynamodb-table"),
            ),
            plans=(Plan("dev-eu-everything", "dev-eu-vault", 7, (Selection("empty"),)),),
            recovery_points=(RecoveryPoint("dev-eu-table", "dev-eu-vault", "dev-eu-everything", 0.5),),
            jobs=(Job("dev-eu-table", "dev-eu-vault", "dev-eu-everything", 1),),
        ),
    ),
)

# ---- an account the audit cannot read, and one that is closed --------------------------------

DENIED = Account(
    key="security",
    name="Security (audit role not trusted)",
    denied=True,
    regions=(
        Region("us-east-1", resources=(Resource("siem-table", "dynamodb-table"),)),
        Region("eu-west-1"),
    ),
)

CLOSED = Account(
    key="closed",
    name="Closed sandbox",
    suspended=True,
    regions=(Region("us-east-1", resources=(Resource("old-table", "dynamodb-table"),)),),
)

# ---- vault locks and restore testing (BKP-023 / BKP-034 / BKP-038) ----------------------------
# Every vault a plan targets is locked but dev-eu-vault (BKP-034: dev-eu-table); each region's
# restore testing plan ``restore-tests`` covers its protected types with ``*`` selections, but prod's
# EBS selection names two volumes only (BKP-038: vol-archive); its restore testing
# restored vol-web (completed, the clean case) and eu-table (FAILED: BKP-023).


def _every(*types: str) -> tuple[RestoreSelection, ...]:
    return tuple(RestoreSelection(f"all-{t.lower().replace(' ', '-')}", t) for t in types)


_LOCKS_AND_RESTORE_TESTING: dict[tuple[str, str], dict[str, tuple[object, ...]]] = {
    ("management", "us-east-1"): {
        "vault_locks": (("org-vault", 7, 3650),),
        "restore_selections": _every("DynamoDB"),
    },
    ("prod", "us-east-1"): {
        "vault_locks": (("prod-vault", 7, 3650),),
        "restore_selections": (
            *_every("EC2", "DynamoDB", "EFS", "Aurora", "RDS", "S3"),
            # Named volumes only: vol-archive is left out (BKP-038); tag conditions are in the unit tests.
            RestoreSelection(
                "web-volumes", "EBS", arns=("{arn:vol-web}", "{arn:web-1-root}", "{arn:vol-db}")
            ),
        ),
        "restore_jobs": (RestoreJob("vol-web", 1, minutes=40),),
    },
    ("prod", "eu-west-1"): {
        "vault_locks": (("prod-eu-vault", 7, 3650),),
        "restore_selections": _every("Aurora", "EFS", "DynamoDB"),
        "restore_jobs": (
            RestoreJob("eu-table", 2),
            RestoreJob(
                "eu-table",
                0.5,
                status="FAILED",
                message="Restore failed: the restore role cannot create the table.",
            ),
        ),
    },
    ("analytics", "us-east-1"): {
        "vault_locks": (("analytics-vault", 7, 3650),),
        "restore_selections": _every("DynamoDB"),
    },
    ("analytics", "eu-west-1"): {
        "vault_locks": (("analytics-eu-vault", 7, 3650),),
        "restore_selections": _every("Neptune"),
    },
    ("dev", "us-east-1"): {
        "vault_locks": (("dev-vault", 7, 3650),),
        "restore_selections": _every("FSx", "EC2", "EBS"),
    },
    ("dev", "eu-west-1"): {"restore_selections": _every("DynamoDB")},
}


def _with_locks_and_restore_testing(account: Account) -> Account:
    regions = tuple(
        replace(r, **_LOCKS_AND_RESTORE_TESTING.get((account.key, r.name), {}))  # type: ignore[arg-type]
        for r in account.regions
    )
    return replace(account, regions=regions)


MANAGEMENT, PROD, ANALYTICS, DEV = (
    _with_locks_and_restore_testing(a) for a in (MANAGEMENT, PROD, ANALYTICS, DEV)
)


# ---- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases -----------
# Kept in one block (other features add to the same accounts): each account-region below gains the
# resources and opt-in changes listed here.


def _extend(
    account: Account,
    region: str,
    *,
    opt_in: tuple[tuple[str, bool], ...] = (),
    resources: tuple[Resource, ...] = (),
) -> Account:
    """``account`` with ``resources`` and ``opt_in`` changes added to its Region ``region``."""
    regions = tuple(
        replace(r, opt_in=r.opt_in + opt_in, resources=r.resources + resources) if r.name == region else r
        for r in account.regions
    )
    return replace(account, regions=regions)


PROD = _extend(
    PROD,
    "us-east-1",
    # SAP HANA is off by default (supported since 2023); this team opted in.
    opt_in=(("SAP HANA on Amazon EC2", True),),
    resources=(
        Resource("vol-plant", "sgw-volume", DAILY, parent="plant-gw"),
        Resource("vm-erp", "vmware-vm", DAILY),
        Resource("vm-lab", "vmware-vm", tags(owner="lab")),
        Resource("erp-systemdb", "sap-hana-db", DAILY, parent="ERP"),
        Resource("erp-hdb", "sap-hana-db", DAILY, parent="ERP"),
    ),
)
ANALYTICS = _extend(
    ANALYTICS,
    "us-east-1",
    opt_in=(("Storage Gateway", False),),
    resources=(Resource("vol-etl", "sgw-volume", DAILY, parent="etl-gw"),),
)
DEV = _extend(DEV, "us-east-1", resources=(Resource("qas-hdb", "sap-hana-db", DAILY, parent="QAS"),))

GATEWAY_SAP_GAPS: tuple[Gap, ...] = (
    Gap("BKP-002", "prod", "us-east-1", "vm-lab", "VMware virtual machine without the backup tag"),
    Gap(
        "BKP-001",
        "analytics",
        "us-east-1",
        "vol-etl",
        "Storage Gateway volume selected only by a tag condition while the Storage Gateway opt-in is off",
    ),
    Gap(
        "BKP-004",
        "analytics",
        "us-east-1",
        None,
        "Storage Gateway opt-in off; volume vol-etl exists",
        "Storage Gateway",
    ),
    Gap(
        "BKP-001",
        "dev",
        "us-east-1",
        "qas-hdb",
        "SAP HANA database tagged backup=daily (ListOfTags) while its opt-in is off (the default)",
    ),
    Gap(
        "BKP-004",
        "dev",
        "us-east-1",
        None,
        "SAP HANA on Amazon EC2 opt-in off; database QAS/HDB exists",
        "SAP HANA on Amazon EC2",
    ),
)
GATEWAY_SAP_CLEAN: tuple[tuple[str, str, str], ...] = (
    ("prod", "us-east-1", "vol-plant"),
    ("prod", "us-east-1", "vm-erp"),
    ("prod", "us-east-1", "erp-systemdb"),
    ("prod", "us-east-1", "erp-hdb"),
)
GATEWAY_SAP_VERDICTS: Verdicts = (
    (
        "prod",
        "us-east-1",
        (
            ("vol-plant", PROTECTED),
            ("vm-erp", PROTECTED),
            ("vm-lab", UNPROTECTED),
            ("erp-systemdb", PROTECTED),
            ("erp-hdb", PROTECTED),
        ),
    ),
    ("analytics", "us-east-1", (("vol-etl", UNPROTECTED),)),
    ("dev", "us-east-1", (("qas-hdb", UNPROTECTED),)),
)

# ---- end of issue 9 -----------------------------------------------------------------------------

# ---- issue 13: prediction vs evidence (BKP-091) -------------------------------------------------
# Kept in one block. Every plan that ran (has jobs) has a job for each resource it protects, except
# what is planted here: one disagreement of each kind, and one legitimate difference of each
# excluded kind (BKP-091 must not report those).
#   backed-up-not-predicted (planted): prod-aurora, whose only selection names orders-* clusters,
#     backed up the bucket media (a job from a plan whose selection no longer selects it);
#   predicted-not-backed-up (planted): prod-daily selects orders-archive (backup=daily), its run
#     skipped it;
#   excluded, plan version changed: a prod-aurora job for legacy-mysql under an earlier version;
#   excluded, job still running: a RUNNING prod-aurora job for ledger-maz;
#   excluded, selection created after the run: dev-eu-everything's selection is created at
#     seeding, after its job for scratch-efs (EFS opt-in off in dev eu-west-1);
#   excluded, resource created after the run: web-1-root (and every EBS volume, EFS file system
#     and EC2 instance of the demo) is created at seeding, after the backdated runs;
#   excluded, account-Region partial: management us-east-1 is read partially (EVIDENCE_DENIED:
#     the audit role is denied backup:ListBackupJobs there, a BKP-090 gap), and holds a recovery
#     point of billing-table (backup=daily, selected by org-daily only) created by org-baseline,
#     whose only selection names org-backup=baseline resources: read in full, a
#     backed-up-not-predicted disagreement. ListBackupJobs is the denial chosen because it is the
#     one operation the comparison needs (``evidence.COMPARED_OPERATIONS``) that decides no
#     verdict (``resolver.DECIDING_OPERATIONS``: region settings, plans, selections): every verdict
#     of the account-Region stays decided, and only the job rules (BKP-020/021, none planted there)
#     and the comparison go without it. The recovery points (ListRecoveryPointsByBackupVault) are
#     still read, so the evidence is there; jobs could not be, hence a recovery point.
EVIDENCE_VERSION = "an-earlier-plan-version"


def _with_evidence(
    account: Account,
    region: str,
    *,
    jobs: tuple[Job, ...] = (),
    resources: tuple[Resource, ...] = (),
    recovery_points: tuple[RecoveryPoint, ...] = (),
    fresh_selections_of: tuple[str, ...] = (),
) -> Account:
    """``account`` with ``jobs``, ``resources`` and ``recovery_points`` added to Region ``region``,
    and the selections of the plans named in ``fresh_selections_of`` created at seeding
    (``age_days`` 0)."""

    def plan(p: Plan) -> Plan:
        if p.name not in fresh_selections_of:
            return p
        return replace(p, selections=tuple(replace(s, age_days=0) for s in p.selections))

    regions = tuple(
        replace(
            r,
            jobs=r.jobs + jobs,
            resources=r.resources + resources,
            recovery_points=r.recovery_points + recovery_points,
            plans=tuple(map(plan, r.plans)),
        )
        if r.name == region
        else r
        for r in account.regions
    )
    return replace(account, regions=regions)


PROD = _with_evidence(
    PROD,
    "us-east-1",
    resources=(Resource("orders-archive", "dynamodb-table", DAILY),),
    jobs=(
        # prod-daily ran: the issue 9 resources it protects have their jobs too
        Job("vol-plant", "prod-vault", "prod-daily", 1),
        Job("vm-erp", "prod-vault", "prod-daily", 1),
        Job("erp-systemdb", "prod-vault", "prod-daily", 1),
        Job("erp-hdb", "prod-vault", "prod-daily", 1),
        Job("media", "prod-vault", "prod-aurora", 1),  # planted: backed-up-not-predicted
        Job("legacy-mysql", "prod-vault", "prod-aurora", 2, plan_version=EVIDENCE_VERSION),  # excluded
        Job("ledger-maz", "prod-vault", "prod-aurora", 0.1, state="RUNNING"),  # excluded
    ),
)
DEV = _with_evidence(
    DEV,
    "eu-west-1",
    jobs=(Job("scratch-efs", "dev-eu-vault", "dev-eu-everything", 1),),  # excluded: selection newer
    fresh_selections_of=("dev-eu-everything",),
)
MANAGEMENT = _with_evidence(
    MANAGEMENT,
    "us-east-1",
    # excluded: account-Region partial (EVIDENCE_DENIED)
    recovery_points=(RecoveryPoint("billing-table", "org-vault", "org-baseline", 0.5),),
)
EVIDENCE_DENIED: tuple[tuple[str, str, str, str], ...] = (
    ("management", "us-east-1", "backup", "ListBackupJobs"),
)
"""(account key, region, service, operation) the audit role is denied: the demo injects an
AccessDenied answer to each through the sandbox's fault layer (``SeededOrg.faults``)."""
EVIDENCE_GAPS: tuple[Gap, ...] = (
    Gap(
        "BKP-091",
        "prod",
        "us-east-1",
        "media",
        "prod-aurora backed it up; its selection does not select it",
    ),
    Gap(
        "BKP-091", "prod", "us-east-1", "orders-archive", "prod-daily protects it; its run made no job for it"
    ),
    Gap(
        "BKP-090",
        "management",
        "us-east-1",
        None,
        "backup:ListBackupJobs denied (EVIDENCE_DENIED): the account-Region is read partially",
    ),
)
EVIDENCE_VERDICTS: Verdicts = (("prod", "us-east-1", (("orders-archive", PROTECTED),)),)
EVIDENCE_EXCLUDED: tuple[tuple[str, str, str, str, str], ...] = (
    ("backed-up-not-predicted", "prod", "us-east-1", "legacy-mysql", "plan-version-changed"),
    ("backed-up-not-predicted", "prod", "us-east-1", "ledger-maz", "job-still-running"),
    ("backed-up-not-predicted", "dev", "eu-west-1", "scratch-efs", "selection-created-after-run"),
    ("predicted-not-backed-up", "prod", "us-east-1", "web-1-root", "resource-created-after-run"),
    ("backed-up-not-predicted", "management", "us-east-1", "billing-table", "account-region-partial"),
)
"""(disagreement, account key, region, resource key, exclusion) of each planted legitimate
difference: BKP-091 does not report it, ``explain`` and the comparison mark it excluded."""

# ---- end of issue 13 ----------------------------------------------------------------------------

# ---- the organization -------------------------------------------------------------------------

# Organization backup policy (BKP-040 ... BKP-042): attached to the management and prod accounts
# only. Its plan selects resources tagged org-backup=baseline (none in the demo), so the plans it
# stands for change no resource's protection. management runs it as written in both Regions (the
# clean account); prod never got it in us-east-1 (BKP-040), and in eu-west-1 runs it at 03:00 into
# prod-eu-vault (BKP-041) because org-vault was never created there (BKP-042).
ORG_BACKUP_POLICY = """{
  "plans": {
    "org-baseline": {
      "regions": {"@@assign": ["us-east-1", "eu-west-1"]},
      "rules": {
        "daily": {
          "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"},
          "target_backup_vault_name": {"@@assign": "org-vault"},
          "start_backup_window_minutes": {"@@assign": "60"},
          "complete_backup_window_minutes": {"@@assign": "480"},
          "lifecycle": {"delete_after_days": {"@@assign": "35"}}
        }
      },
      "selections": {
        "tags": {
          "baseline": {
            "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole"},
            "tag_key": {"@@assign": "org-backup"},
            "tag_value": {"@@assign": ["baseline"]}
          }
        }
      }
    }
  }
}"""
BACKUP_POLICY_TARGETS: tuple[str, ...] = ("management", "prod")
# BKP-043: a policy attached to dev whose plan names no Region; the sandbox (as AWS would, with its
# own error codes) lists dev in ListAccountsWithInvalidEffectivePolicy. With no Region, the plan
# targets no account-region: BKP-040 ... BKP-042 have nothing to judge in dev.
DEV_INCOMPLETE_POLICY = BackupPolicy(
    "dev-incomplete",
    """{
  "plans": {
    "dev-baseline": {
      "rules": {
        "daily": {
          "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"},
          "target_backup_vault_name": {"@@assign": "dev-vault"}
        }
      },
      "selections": {
        "tags": {
          "baseline": {
            "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole"},
            "tag_key": {"@@assign": "org-backup"},
            "tag_value": {"@@assign": ["baseline"]}
          }
        }
      }
    }
  }
}""",
    ("dev",),
)


GAPS: tuple[Gap, ...] = (
    # BKP-001: selected, but skipped because the type's opt-in is off.
    Gap(
        "BKP-001",
        "analytics",
        "us-east-1",
        "warehouse-aurora",
        "Aurora cluster assigned by its exact ARN while the Aurora opt-in is off (Aurora always needs it)",
    ),
    Gap(
        "BKP-001",
        "analytics",
        "us-east-1",
        "lake-efs",
        "EFS selected only by a tag condition (Conditions StringEquals backup=daily) while EFS opt-in is off",
    ),
    Gap(
        "BKP-001",
        "analytics",
        "eu-west-1",
        "vol-logs",
        "EBS volume selected only by the service-wide pattern arn:aws:ec2:* (and by '*') while EBS opt-in is off",
    ),
    Gap(
        "BKP-001",
        "analytics",
        "eu-west-1",
        "catalog-docdb",
        "DocumentDB cluster selected by '*' while DocumentDB opt-in is off",
    ),
    Gap(
        "BKP-001",
        "dev",
        "eu-west-1",
        "scratch-efs",
        "EFS selected by an empty selection (all opted-in resources) while EFS opt-in is off",
    ),
    # BKP-002: supported resource no selection protects.
    Gap(
        "BKP-002",
        "prod",
        "us-east-1",
        "vol-temp",
        "EBS volume matching web-volumes except for its NotResources exclusion",
    ),
    Gap(
        "BKP-002",
        "prod",
        "us-east-1",
        "vol-cache",
        "EBS volume excluded by the StringNotEquals tier=scratch condition",
    ),
    Gap(
        "BKP-002", "dev", "us-east-1", "sandbox-1", "EC2 instance without the backup tag: nothing selects it"
    ),
    Gap(
        "BKP-002",
        "dev",
        "us-east-1",
        "sandbox-1-root",
        "The root EBS volume of sandbox-1: nothing selects it, and its instance is not protected either",
    ),
    Gap(
        "BKP-002",
        "dev",
        "us-east-1",
        "sandbox-1-data",
        "A data volume attached to sandbox-1: nothing selects it, and its instance is not protected either",
    ),
    Gap("BKP-002", "dev", "us-east-1", "vol-home", "Consequence of BKP-006: the ONTAP volume is unprotected"),
    Gap("BKP-002", "prod", "us-east-1", "scratch", "S3 bucket without the backup tag: nothing selects it"),
    # BKP-015 / BKP-016: S3 buckets need versioning; versioning keeps noncurrent versions.
    Gap(
        "BKP-015",
        "prod",
        "us-east-1",
        "uploads",
        "S3 bucket tagged backup=daily (selected by tag) whose versioning was never enabled",
    ),
    Gap(
        "BKP-016",
        "prod",
        "us-east-1",
        "media",
        "S3 bucket backed up by prod-daily with no lifecycle rule expiring noncurrent versions",
    ),
    Gap(
        "BKP-017",
        "dev",
        "us-east-1",
        "dw-scratch",
        "Redshift cluster without the backup tag: nothing selects it, only its own 1-day automated "
        "snapshots back it up",
    ),
    # BKP-003: RDS / Aurora / Neptune / DocumentDB opt-in values differ.
    Gap("BKP-003", "analytics", "us-east-1", None, "Aurora opt-in off while RDS, Neptune, DocumentDB are on"),
    Gap("BKP-003", "analytics", "eu-west-1", None, "DocumentDB opt-in off while RDS, Aurora, Neptune are on"),
    # BKP-004: opt-in off while resources of that type exist.
    Gap(
        "BKP-004",
        "analytics",
        "us-east-1",
        None,
        "Aurora opt-in off; Aurora cluster warehouse-aurora exists",
        "Aurora",
    ),
    Gap("BKP-004", "analytics", "us-east-1", None, "EFS opt-in off; file system lake-efs exists", "EFS"),
    Gap("BKP-004", "analytics", "eu-west-1", None, "EBS opt-in off; volume vol-logs exists", "EBS"),
    Gap(
        "BKP-004",
        "analytics",
        "eu-west-1",
        None,
        "DocumentDB opt-in off; cluster catalog-docdb exists",
        "DocumentDB",
    ),
    Gap("BKP-004", "dev", "eu-west-1", None, "EFS opt-in off; file system scratch-efs exists", "EFS"),
    Gap(
        "BKP-004",
        "dev",
        "us-east-1",
        None,
        "Redshift opt-in off (the default of an account that started before Redshift support); cluster dw-scratch exists",
        "Redshift",
    ),
    # BKP-005: DynamoDB tables, but full AWS Backup management for DynamoDB is off.
    Gap(
        "BKP-005",
        "analytics",
        "us-east-1",
        None,
        "ResourceTypeManagementPreference DynamoDB=false with table events-table",
        "DynamoDB",
    ),
    # BKP-006: ONTAP volume left out: the selection's tag is on its file system only.
    Gap(
        "BKP-006",
        "dev",
        "us-east-1",
        "vol-home",
        "ONTAP volume untagged; its file system carries backup=daily, which tag selections ignore for volumes",
    ),
    # BKP-007 / BKP-008: not supported by AWS Backup at all.
    Gap(
        "BKP-007", "dev", "us-east-1", "sql-custom", "RDS Custom for SQL Server instance, tagged backup=daily"
    ),
    Gap(
        "BKP-008", "dev", "us-east-1", "edge-mysql", "RDS instance on an Outpost subnet, tagged backup=daily"
    ),
    # BKP-010 / BKP-014: backups that outlived their source.
    Gap(
        "BKP-010",
        "dev",
        "us-east-1",
        "gone-aurora",
        "Two Aurora recovery points of a deleted cluster (now billed as snapshots)",
    ),
    Gap("BKP-014", "dev", "us-east-1", "vol-gone", "EBS recovery point of a deleted volume"),
    # BKP-011: vault retention not shorter than the cluster's automated retention.
    Gap(
        "BKP-011",
        "prod",
        "us-east-1",
        "orders-aurora",
        "Aurora cluster with BackupRetentionPeriod 7 protected by prod-aurora (DeleteAfterDays 35)",
    ),
    # BKP-012: EXPIRED recovery point still stored.
    Gap(
        "BKP-012",
        "prod",
        "us-east-1",
        "vault:prod-vault",
        "Vault prod-vault holds a 40-day-old recovery point of vol-archive in status EXPIRED",
    ),
    # BKP-013: recycle-bin retention rule where AWS Backup keeps EBS recovery points.
    Gap(
        "BKP-013",
        "prod",
        "us-east-1",
        "rbin:EBS_SNAPSHOT",
        "rbin EBS_SNAPSHOT rule (30 days) in a region with EBS recovery points",
    ),
    # BKP-020 / BKP-021: backup jobs in the last 14 days.
    Gap(
        "BKP-020",
        "prod",
        "eu-west-1",
        "sessions-aurora",
        "Backup job EXPIRED: 'Backup job expired before completion.'",
    ),
    Gap("BKP-021", "prod", "eu-west-1", "eu-efs", "Latest backup job FAILED (an older one completed)"),
    Gap("BKP-021", "prod", "eu-west-1", "eu-table", "Latest backup job ABORTED (an older one completed)"),
    # BKP-030: plans with no rule both daily (or more often) and keeping 35 days (Audit Manager's
    # defaults); prod-daily, prod-volumes, prod-aurora and org-daily are the clean cases.
    Gap(
        "BKP-030", "management", "eu-west-1", "plan:org-weekdays", "Weekdays only: 3 days apart over weekends"
    ),
    Gap("BKP-030", "prod", "eu-west-1", "plan:prod-eu-daily", "Daily, but keeps 7 days"),
    Gap("BKP-030", "analytics", "us-east-1", "plan:analytics-daily", "Daily, but keeps 7 days"),
    Gap("BKP-030", "analytics", "eu-west-1", "plan:analytics-eu-compute", "Daily, but keeps 14 days"),
    Gap("BKP-030", "analytics", "eu-west-1", "plan:analytics-eu-all", "Daily, but keeps 14 days"),
    Gap("BKP-030", "dev", "us-east-1", "plan:dev-daily", "Daily, but keeps 14 days"),
    Gap("BKP-030", "dev", "eu-west-1", "plan:dev-eu-everything", "Daily, but keeps 7 days"),
    # BKP-031: a recovery point with IsEncrypted false (every other one is encrypted).
    Gap("BKP-031", "prod", "us-east-1", "vol-archive", "A 3-day-old recovery point that is not encrypted"),
    # BKP-032: recovery points kept shorter than 35 days (the plans above keep 7 or 14); those of
    # the 35-day plans (prod us-east-1, management) are the clean cases.
    Gap("BKP-032", "prod", "eu-west-1", "reports-aurora", "Recovery point kept 7 days (prod-eu-daily)"),
    Gap("BKP-032", "prod", "eu-west-1", "sessions-aurora", "Recovery point kept 7 days (prod-eu-daily)"),
    Gap("BKP-032", "prod", "eu-west-1", "eu-efs", "Recovery point kept 7 days (prod-eu-daily)"),
    Gap("BKP-032", "prod", "eu-west-1", "eu-table", "Recovery point kept 7 days (prod-eu-daily)"),
    Gap("BKP-032", "prod", "eu-west-1", "dw-main", "Recovery point kept 7 days (prod-eu-daily)"),
    Gap("BKP-032", "analytics", "us-east-1", "events-table", "Recovery point kept 7 days (analytics-daily)"),
    Gap(
        "BKP-032", "analytics", "eu-west-1", "graph-neptune", "Recovery point kept 14 days (analytics-eu-all)"
    ),
    Gap("BKP-032", "dev", "us-east-1", "gone-aurora", "Two recovery points kept 14 days (dev-daily)"),
    Gap("BKP-032", "dev", "us-east-1", "vol-gone", "Recovery point kept 14 days (dev-daily)"),
    Gap("BKP-032", "dev", "us-east-1", "build-1", "Recovery point kept 14 days (dev-daily)"),
    Gap("BKP-032", "dev", "us-east-1", "vol-builds", "Recovery point kept 14 days (dev-daily)"),
    Gap("BKP-032", "dev", "eu-west-1", "dev-eu-table", "Recovery point kept 7 days (dev-eu-everything)"),
    # BKP-033: vaults holding recovery points without a policy denying their deletion to everyone;
    # prod-vault's policy denies all three actions (the clean case), empty vaults are not judged.
    Gap("BKP-033", "management", "us-east-1", "vault:org-vault", "No access policy; holds recovery points"),
    Gap("BKP-033", "prod", "eu-west-1", "vault:prod-eu-vault", "No access policy; holds recovery points"),
    Gap(
        "BKP-033",
        "analytics",
        "us-east-1",
        "vault:analytics-vault",
        "No access policy; holds recovery points",
    ),
    Gap(
        "BKP-033",
        "analytics",
        "eu-west-1",
        "vault:analytics-eu-vault",
        "No access policy; holds recovery points",
    ),
    Gap("BKP-033", "dev", "us-east-1", "vault:dev-vault", "No access policy; holds recovery points"),
    Gap("BKP-033", "dev", "eu-west-1", "vault:dev-eu-vault", "No access policy; holds recovery points"),
    # BKP-035: the newest completed recovery point older than 1 day (every other protected resource
    # with recovery points has one 12 hours old).
    Gap("BKP-035", "prod", "us-east-1", "vol-archive", "Newest completed recovery point 2 days old"),
    # BKP-017: no selection protects them, but their own service backs them up outside AWS Backup.
    Gap(
        "BKP-017",
        "dev",
        "us-east-1",
        "billing-mysql",
        "RDS instance without the backup tag whose only backups are its 7-day automated backups",
    ),
    Gap(
        "BKP-017",
        "dev",
        "us-east-1",
        "ledger-table",
        "DynamoDB table without the backup tag, with point-in-time recovery on",
    ),
    Gap(
        "BKP-017",
        "dev",
        "us-east-1",
        "vol-snap",
        "EBS volume no selection names, snapshotted by a Data Lifecycle Manager policy (tag dlm=daily)",
    ),
    # BKP-023 / BKP-034 / BKP-038: restore jobs, vault lock, restore testing (vol-web's restore
    # completed, every other protected resource is in a locked vault and a restore testing selection).
    Gap("BKP-023", "prod", "eu-west-1", "eu-table", "Latest restore job (restore testing) FAILED"),
    Gap(
        "BKP-034",
        "dev",
        "eu-west-1",
        "dev-eu-table",
        "Its plan targets dev-eu-vault, which has no Vault Lock",
    ),
    Gap(
        "BKP-038", "prod", "us-east-1", "vol-archive", "The EBS restore testing selection names other volumes"
    ),
    # BKP-090: an account the audit could not read.
    Gap("BKP-090", "security", None, None, "sts:AssumeRole of OrganizationAccountAccessRole is AccessDenied"),
    # BKP-040 ... BKP-042: the organization backup policy (ORG_BACKUP_POLICY); management is the
    # clean account (org-baseline deployed as written in both Regions).
    Gap(
        "BKP-040",
        "prod",
        "us-east-1",
        None,
        "Policy plan org-baseline targets us-east-1; no plan of that name",
    ),
    Gap(
        "BKP-041",
        "prod",
        "eu-west-1",
        "plan:org-baseline",
        "Deployed org-baseline runs cron(0 3 ? * * *) into prod-eu-vault; the policy says 05:00 into org-vault",
    ),
    Gap(
        "BKP-042",
        "prod",
        "eu-west-1",
        "vault:org-vault",
        "The policy's target vault org-vault was never created",
    ),
    Gap(
        "BKP-043",
        "dev",
        None,
        None,
        "Policy dev-incomplete: plan dev-baseline has no regions (sandbox validation)",
    ),
    # Timestream and Redshift Serverless (issue 9).
    Gap(
        "BKP-001",
        "analytics",
        "us-east-1",
        "clickstream",
        "Timestream table selected only by a tag condition (backup=daily) while the Timestream opt-in is off",
    ),
    Gap(
        "BKP-004",
        "analytics",
        "us-east-1",
        None,
        "Timestream opt-in off; table web/clickstream exists",
        "Timestream",
    ),
    Gap(
        "BKP-002",
        "dev",
        "us-east-1",
        "adhoc-ns",
        "Redshift Serverless namespace without the backup tag: nothing selects it",
    ),
    Gap(
        "BKP-004",
        "dev",
        "us-east-1",
        None,
        "Redshift Serverless opt-in off; namespace adhoc-ns exists",
        "Redshift Serverless",
    ),
    # -- copies and air-gapped vaults (scope: tag dr). orders-table is the clean case: copied to
    # eu-west-1 (latest copy job completed), its copy in the management account's air-gapped vault
    # is 1 day old.
    Gap(
        "BKP-022",
        "prod",
        "us-east-1",
        "media",
        "Latest copy job (to eu-west-1) FAILED after one that completed",
    ),
    Gap(
        "BKP-036",
        "prod",
        "us-east-1",
        "media",
        "Its plan copies to eu-west-1, but the latest copy job FAILED",
    ),
    Gap(
        "BKP-037",
        "prod",
        "us-east-1",
        "media",
        "Its plan copies to the management account's air-gapped vault, where no copy of it arrived",
    ),
    Gap("BKP-039", "prod", "us-east-1", "media", "No recovery point in a logically air-gapped vault"),
    Gap("BKP-036", "analytics", "us-east-1", "events-table", "Its plan copies within us-east-1 only"),
    Gap(
        "BKP-037",
        "analytics",
        "us-east-1",
        "events-table",
        "Unknown: its plan copies to the security account, which the audit cannot read",
    ),
    Gap(
        "BKP-039",
        "analytics",
        "us-east-1",
        "events-table",
        "Unknown: no air-gapped copy seen, and its plan copies to the unreadable security account",
    ),
)

CLEAN: tuple[tuple[str, str, str], ...] = (
    ("management", "us-east-1", "billing-table"),
    ("prod", "us-east-1", "web-1"),
    ("prod", "us-east-1", "web-1-root"),
    ("prod", "us-east-1", "vol-web"),
    ("prod", "us-east-1", "orders-table"),
    ("prod", "us-east-1", "shared-efs"),
    ("prod", "us-east-1", "ledger-maz"),
    ("prod", "us-east-1", "legacy-mysql"),
    ("prod", "us-east-1", "assets"),
    # A stack selected by a resource-type pattern, and the untagged table its template creates:
    # no selection names the table, but the stack's composite recovery point holds a nested one.
    ("prod", "us-east-1", "orders-app"),
    ("prod", "us-east-1", "orders-app-events"),
    ("dev", "us-east-1", "build-1-root"),
    # Untagged data volume attached to build-1: no selection names it, but AWS Backup snapshots it
    # into every recovery point of its instance.
    ("dev", "us-east-1", "build-1-data"),
    # Timestream and Redshift Serverless (issue 9): opted in, selected by tag, backed up.
    ("management", "us-east-1", "billing-events"),
    ("management", "us-east-1", "finance-dw"),
    # Backups made outside AWS Backup (BKP-017) besides AWS Backup's: not reported.
    ("prod", "us-east-1", "payments-table"),
    ("prod", "us-east-1", "vol-db"),
)


def _verdicts(**pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple((key.replace("_", "-"), verdict) for key, verdict in pairs.items())


# Why each verdict holds: the gap or CLEAN entry of the resource, else the comment beside it.
VERDICTS: Verdicts = (
    (
        "management",
        "us-east-1",
        _verdicts(billing_table=PROTECTED, billing_events=PROTECTED, finance_dw=PROTECTED),
    ),
    (
        "prod",
        "us-east-1",
        _verdicts(
            web_1=PROTECTED,
            web_1_root=PROTECTED,
            vol_web=PROTECTED,
            vol_cache=UNPROTECTED,
            vol_temp=UNPROTECTED,
            # env=prod, app=web-archive (web-*), tier=cold (not scratch): web-volumes selects it.
            vol_archive=PROTECTED,
            orders_table=PROTECTED,
            shared_efs=PROTECTED,
            # Selected by orders-clusters; BKP-011 is about its retention, not its protection.
            orders_aurora=PROTECTED,
            ledger_maz=PROTECTED,
            legacy_mysql=PROTECTED,
            assets=PROTECTED,
            # Selected by tag, but AWS Backup cannot back up a bucket without versioning.
            uploads=UNPROTECTED,
            media=PROTECTED,
            scratch=UNPROTECTED,
            orders_app=PROTECTED,
            orders_app_events=PROTECTED,
            # Backups made outside AWS Backup (BKP-017): also selected (by tag / web-volumes).
            payments_table=PROTECTED,
            vol_db=PROTECTED,
        ),
    ),
    (
        "prod",
        "eu-west-1",
        # Tagged backup=daily and opted in; BKP-020 / BKP-021 are about their jobs.
        _verdicts(
            reports_aurora=PROTECTED,
            sessions_aurora=PROTECTED,
            eu_efs=PROTECTED,
            eu_table=PROTECTED,
            dw_main=PROTECTED,
        ),
    ),
    (
        "analytics",
        "us-east-1",
        # events-table: selected and opted in; the management preference only turns off the
        # advanced DynamoDB features (BKP-005), not the backup.
        # clickstream: selected by tag with the Timestream opt-in off (BKP-001).
        _verdicts(
            warehouse_aurora=UNPROTECTED,
            events_table=PROTECTED,
            lake_efs=UNPROTECTED,
            clickstream=UNPROTECTED,
        ),
    ),
    (
        "analytics",
        "eu-west-1",
        _verdicts(vol_logs=UNPROTECTED, catalog_docdb=UNPROTECTED, graph_neptune=PROTECTED),
    ),
    (
        "dev",
        "us-east-1",
        _verdicts(
            files_ontap=ABSENT,
            vol_home=UNPROTECTED,
            vol_builds=PROTECTED,
            sql_custom=UNPROTECTED,
            edge_mysql=UNPROTECTED,
            sandbox_1=UNPROTECTED,
            sandbox_1_root=UNPROTECTED,
            gone_aurora=ABSENT,
            vol_gone=ABSENT,
            build_1=PROTECTED,
            build_1_root=PROTECTED,
            build_1_data=PROTECTED,
            sandbox_1_data=UNPROTECTED,
            dw_scratch=UNPROTECTED,
            adhoc_ns=UNPROTECTED,
            # Backups made outside AWS Backup (BKP-017): recoverable, but not by AWS Backup.
            billing_mysql=UNPROTECTED,
            ledger_table=UNPROTECTED,
            vol_snap=UNPROTECTED,
        ),
    ),
    ("dev", "eu-west-1", _verdicts(scratch_efs=UNPROTECTED, dev_eu_table=PROTECTED)),
    # The audit role cannot be assumed: nothing of the account is listed.
    ("security", "us-east-1", _verdicts(siem_table=ABSENT)),
    # SUSPENDED: the audit skips the account.
    ("closed", "us-east-1", _verdicts(old_table=ABSENT)),
)

# -- copies and air-gapped vaults (BKP-022/036/037/039) ------------------------------------------

COPIES: tuple[CopyPoint, ...] = (
    CopyPoint("management", "us-east-1", "org-lag-vault", "prod", "us-east-1", "orders-table", 1),
)
COPY_JOBS: tuple[CopyJob, ...] = (
    CopyJob("prod", "us-east-1", "orders-table", "prod-vault", "prod-daily", PROD_DAILY_COPIES[0], 1),
    CopyJob("prod", "us-east-1", "orders-table", "prod-vault", "prod-daily", PROD_DAILY_COPIES[1], 1),
    CopyJob("prod", "us-east-1", "media", "prod-vault", "prod-daily", PROD_DAILY_COPIES[0], 2),
    CopyJob(
        "prod",
        "us-east-1",
        "media",
        "prod-vault",
        "prod-daily",
        PROD_DAILY_COPIES[0],
        1,
        state="FAILED",
        message="Copy job failed: the destination vault's KMS key is not shared with this account.",
    ),
)
DEMO_CONTROLS = """
[controls.BKP-036]
tag-key = "dr"
[controls.BKP-037]
tag-key = "dr"
[controls.BKP-039]
tag-key = "dr"
"""
"""The demo audits copies of the resources tagged ``dr`` only (every other protected resource of
the demo keeps its backups in its own account and Region)."""

DEMO_ORG = DemoOrg(
    accounts=(MANAGEMENT, PROD, ANALYTICS, DEV, DENIED, CLOSED),
    gaps=GAPS + GATEWAY_SAP_GAPS + EVIDENCE_GAPS,
    clean=CLEAN + GATEWAY_SAP_CLEAN,
    backup_policy=ORG_BACKUP_POLICY,
    verdicts=VERDICTS + GATEWAY_SAP_VERDICTS + EVIDENCE_VERDICTS,
    backup_policy_targets=BACKUP_POLICY_TARGETS,
    other_backup_policies=(DEV_INCOMPLETE_POLICY,),
    copies=COPIES,
    copy_jobs=COPY_JOBS,
    cross_account_backup=True,
    controls=DEMO_CONTROLS,
    denied_operations=EVIDENCE_DENIED,
)

# ---- the organization's structure: organizational units (issue: OU paths, --ou) ---------------

OUS: tuple[tuple[str, str], ...] = (
    ("prod", "Workloads/Production"),
    ("analytics", "Workloads/Analytics"),
    ("dev", "Workloads/Development"),
    ("security", "Security"),
    ("closed", "Suspended"),
)
"""Account key -> organizational unit path under the root (created by the seed, accounts moved
there); the management account stays under the root."""
