"""AWS Lambda entry point: ``auditor.lambda_handler.handler``.

One function serves the scheduled single-run audit and the three steps of the Step Functions
state machine (``deploy/template.yaml``, ``docs/deployment.md``). ``event["mode"]`` picks:

``audit`` (default)
    ``run_audit()`` into ``/tmp``, then the evidence bundle (one ``evidence.tar.gz``), the
    findings JSON and the reports go to ``s3://BUCKET/PREFIX/YYYY/MM/DD/RUN_ID/`` and are copied
    to ``PREFIX/latest/``; a short summary goes to SNS when a topic is set. Collection stops
    ``safety margin`` seconds before the Lambda's own limit (``AuditConfig.deadline``): what was not
    reached is recorded as not audited and everything collected is still written.
``list_accounts``
    Lists the organization's ACTIVE accounts (or the configured ones) into
    ``RUN/accounts.json``, the Distributed Map's ItemReader input; returns the run's coordinates
    and the Map's batch size, concurrency and tolerated failure percentage.
``collect_shard``
    Collects one batch of accounts (``event["accounts"]``, the Map's ``Items``) into
    ``RUN/shards/<first-account-id>.tar.gz``.
``merge_and_report``
    Merges every shard bundle of the run, records the accounts of shards that failed (a failure
    record under ``RUN/failed/`` written by the state machine's Catch, or simply no bundle) as not
    audited, evaluates, and writes outputs exactly as ``audit`` does.

Each mode only parses its event and calls what the CLI calls: ``run_audit`` (``audit``),
:func:`auditor.discovery.accounts.choose_accounts` (``list_accounts``, the engine's own choice of
accounts), ``collect_to_bundle`` (``collect_shard``), ``merge_bundles`` then
:func:`auditor.runner.evaluate_and_write` (``merge_and_report``, what ``run_audit`` writes with);
the summary and the SNS message are :func:`auditor.summary.summarize`'s counts and gates, the same
the CLI prints.

Configuration: environment variables (``BACKUP_AUDITOR_*``, the same names the CLI reads, plus
the Lambda-only ones below), each overridable by the event key of the same name in lower case
without the prefix (``regions``, ``output_bucket`` ...). Every audit setting goes through
:func:`auditor.config.load_config` (event key = a flag, so it beats the environment). In ``audit`` and ``merge_and_report``
mode a bad configuration or an unwritable bucket is returned as ``{"status": "error", ...}`` and
logged; ``list_accounts`` and ``collect_shard`` raise, so the state machine's Retry / Catch see it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from auditor import TOOL_NAME, __version__
from auditor.config import AuditConfig, load_config
from auditor.discovery.accounts import AccountInfo, accounts_from_listing, choose_accounts
from auditor.errors import AuditorError, ConfigError, RunError
from auditor.evidence import AccountEntry, OrganizationInfo, pack_bundle, read_bundle, unpack_bundle
from auditor.evidence.merge import FailedShard, merge_bundles
from auditor.history import read_history
from auditor.summary import RunSummary

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

log = logging.getLogger("backup_auditor.lambda")
log.setLevel(logging.INFO)

ENV_BUCKET = "BACKUP_AUDITOR_OUTPUT_BUCKET"
ENV_PREFIX = "BACKUP_AUDITOR_OUTPUT_PREFIX"
ENV_TOPIC = "BACKUP_AUDITOR_SNS_TOPIC_ARN"
ENV_MARGIN = "BACKUP_AUDITOR_SAFETY_MARGIN_SECONDS"
ENV_BATCH_SIZE = "BACKUP_AUDITOR_BATCH_SIZE"
ENV_SHARD_CONCURRENCY = "BACKUP_AUDITOR_SHARD_CONCURRENCY"
ENV_TOLERATED_FAILURE = "BACKUP_AUDITOR_TOLERATED_FAILURE_PERCENTAGE"

DEFAULT_PREFIX = "backup-auditor"
DEFAULT_MARGIN_SECONDS = 120.0
DEFAULT_BATCH_SIZE = 25
DEFAULT_SHARD_CONCURRENCY = 20
DEFAULT_TOLERATED_FAILURE = 10.0

REPORT_FORMATS = ("json", "html")
"""What a run writes besides the evidence archive: the findings JSON and the HTML report."""
EVIDENCE_OBJECT = "evidence.tar.gz"
SUMMARY_OBJECT = "summary.json"
ACCOUNTS_OBJECT = "accounts.json"
SHARDS_DIR = "shards/"
FAILED_DIR = "failed/"
LATEST_DIR = "latest/"

# Event keys that are AuditConfig fields go to load_config as flags (they win over the environment).
_CONFIG_KEYS: tuple[str, ...] = tuple(
    f.name
    for f in fields(AuditConfig)
    if f.name not in ("deadline", "quiet", "controls", "framework_warnings")
)
_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class LambdaContext(Protocol):
    """What the handler uses of the Lambda context object."""

    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class Settings:
    """Everything one invocation needs, resolved from the environment and the event."""

    config: AuditConfig
    bucket: str
    prefix: str
    """Key prefix without a trailing slash ('' = bucket root)."""
    sns_topic_arn: str | None
    run_id: str
    run_prefix: str
    """``PREFIX/YYYY/MM/DD/RUN_ID/``."""
    safety_margin_seconds: float
    batch_size: int
    shard_concurrency: int
    tolerated_failure_percentage: float

    @property
    def latest_prefix(self) -> str:
        return _join(self.prefix, LATEST_DIR)


def _join(prefix: str, rest: str) -> str:
    return f"{prefix}/{rest}" if prefix else rest


def _lookup(event: Mapping[str, Any], env: Mapping[str, str], key: str, var: str) -> str | None:
    """Event key (when present and not null) beats the environment variable; '' counts as unset."""
    raw = event.get(key)
    if raw is None:
        raw = env.get(var)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ConfigError(f"event key '{key}': expected a string, got {raw!r}")
    return raw.strip() or None


def _number(event: Mapping[str, Any], env: Mapping[str, str], key: str, var: str, default: float) -> float:
    raw = event.get(key, env.get(var))
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{var} / event key '{key}': expected a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{var} / event key '{key}': must not be negative, got {raw!r}")
    return value


def load_settings(
    event: Mapping[str, Any],
    context: LambdaContext | None,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Settings:
    """Resolve the configuration; every bad value raises :class:`ConfigError` saying where it came from."""
    environ = os.environ if env is None else env
    keys = _CONFIG_KEYS
    if event.get("mode") == "collect_shard":  # there 'accounts' is the batch, not an override
        keys = tuple(k for k in keys if k != "accounts")
    flags: dict[str, object] = {k: event[k] for k in keys if event.get(k) is not None}
    config = load_config(flags, env=environ)
    config = replace(config, quiet=True)

    bucket = _lookup(event, environ, "output_bucket", ENV_BUCKET)
    if bucket is None:
        raise ConfigError(f"no output bucket: set {ENV_BUCKET} (or the event key 'output_bucket')")
    prefix = (_lookup(event, environ, "output_prefix", ENV_PREFIX) or DEFAULT_PREFIX).strip("/")
    topic = _lookup(event, environ, "sns_topic_arn", ENV_TOPIC)
    if topic is not None and not topic.startswith("arn:"):
        raise ConfigError(f"{ENV_TOPIC} / event key 'sns_topic_arn': not an ARN: {topic!r}")

    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    run_id = event.get("run_id")
    if run_id is None:
        request = context.aws_request_id if context is not None else uuid.uuid4().hex
        run_id = f"{stamp:%Y%m%dT%H%M%SZ}-{request[:8]}"
    if not isinstance(run_id, str) or not _RUN_ID_RE.match(run_id):
        raise ConfigError(f"event key 'run_id': letters, digits, '.', '_' and '-' only, got {run_id!r}")
    run_prefix = event.get("run_prefix")
    if run_prefix is None:
        run_prefix = _join(prefix, f"{stamp:%Y/%m/%d}/{run_id}/")
    if not isinstance(run_prefix, str) or not run_prefix.endswith("/"):
        raise ConfigError(f"event key 'run_prefix': expected a key prefix ending in '/', got {run_prefix!r}")

    batch = _number(event, environ, "batch_size", ENV_BATCH_SIZE, DEFAULT_BATCH_SIZE)
    concurrency = _number(
        event, environ, "shard_concurrency", ENV_SHARD_CONCURRENCY, DEFAULT_SHARD_CONCURRENCY
    )
    tolerated = _number(
        event, environ, "tolerated_failure_percentage", ENV_TOLERATED_FAILURE, DEFAULT_TOLERATED_FAILURE
    )
    if batch < 1 or batch != int(batch):
        raise ConfigError(f"{ENV_BATCH_SIZE} / event key 'batch_size': expected a whole number >= 1")
    if concurrency < 1 or concurrency != int(concurrency):
        raise ConfigError(
            f"{ENV_SHARD_CONCURRENCY} / event key 'shard_concurrency': expected a whole number >= 1"
            " (the Map's MaxConcurrency; 0 would mean unlimited)"
        )
    if tolerated > 100:
        raise ConfigError(f"{ENV_TOLERATED_FAILURE}: a percentage, at most 100")
    return Settings(
        config=config,
        bucket=bucket,
        prefix=prefix,
        sns_topic_arn=topic,
        run_id=run_id,
        run_prefix=run_prefix,
        safety_margin_seconds=_number(
            event, environ, "safety_margin_seconds", ENV_MARGIN, DEFAULT_MARGIN_SECONDS
        ),
        batch_size=int(batch),
        shard_concurrency=int(concurrency),
        tolerated_failure_percentage=tolerated,
    )


def deadline_for(
    context: LambdaContext | None, margin_seconds: float, *, clock: float | None = None
) -> float | None:
    """``time.monotonic()`` instant by which collection must stop: the Lambda's remaining time less
    the safety margin (at most half the remaining time, so a short timeout still collects)."""
    if context is None:
        return None
    remaining = max(0.0, context.get_remaining_time_in_millis() / 1000.0)
    margin = min(margin_seconds, remaining / 2)
    return (time.monotonic() if clock is None else clock) + remaining - margin


# --------------------------------------------------------------------------- AWS clients


def _s3(settings: Settings) -> S3Client:
    return boto3.client("s3", endpoint_url=settings.config.endpoint_url)


def _sns(settings: Settings) -> SNSClient:
    return boto3.client("sns", endpoint_url=settings.config.endpoint_url)


def _organizations(settings: Settings) -> OrganizationsClient:
    return boto3.client("organizations", endpoint_url=settings.config.endpoint_url)


class OutputError(RunError):
    """The outputs could not be written to (or read from) S3."""


def _put_file(s3: S3Client, bucket: str, key: str, path: Path, content_type: str) -> None:
    try:
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})
    except (ClientError, BotoCoreError, Boto3Error) as exc:
        raise OutputError(f"cannot write s3://{bucket}/{key}: {exc}") from exc


def _put_json(s3: S3Client, bucket: str, key: str, data: object) -> None:
    try:
        s3.put_object(
            Bucket=bucket, Key=key, Body=json.dumps(data, indent=2).encode(), ContentType="application/json"
        )
    except (ClientError, BotoCoreError) as exc:
        raise OutputError(f"cannot write s3://{bucket}/{key}: {exc}") from exc


def _get_json(s3: S3Client, bucket: str, key: str) -> Any:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise OutputError(f"cannot read s3://{bucket}/{key}: {exc}") from exc
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OutputError(f"s3://{bucket}/{key}: malformed JSON: {exc}") from exc


def _list_keys(s3: S3Client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []) if "Key" in obj)
    except (ClientError, BotoCoreError) as exc:
        raise OutputError(f"cannot list s3://{bucket}/{prefix}: {exc}") from exc
    return sorted(keys)


def _content_type(path: Path) -> str:
    return {
        ".json": "application/json",
        ".html": "text/html; charset=utf-8",
        ".csv": "text/csv",
        ".md": "text/markdown",
        ".sarif": "application/json",
        ".gz": "application/gzip",
    }.get(path.suffix, "application/octet-stream")


# --------------------------------------------------------------------------- outputs


def _upload_outputs(
    settings: Settings, s3: S3Client, bundle_path: Path, report_paths: Mapping[str, Path], workdir: Path
) -> dict[str, str]:
    """The evidence archive and every report under the run prefix; name -> key."""
    files: dict[str, Path] = {"evidence": pack_bundle(bundle_path, workdir / EVIDENCE_OBJECT)}
    for name, path in report_paths.items():
        files["findings" if name == "json" else name] = path
    objects: dict[str, str] = {}
    for name, path in files.items():
        key = settings.run_prefix + path.name
        _put_file(s3, settings.bucket, key, path, _content_type(path))
        objects[name] = key
    return objects


def _latest(settings: Settings, objects: Mapping[str, str]) -> dict[str, str]:
    return {name: settings.latest_prefix + key.rsplit("/", 1)[1] for name, key in objects.items()}


def _copy_to_latest(settings: Settings, s3: S3Client, objects: Mapping[str, str]) -> None:
    latest = _latest(settings, objects)
    for name, key in objects.items():
        try:
            s3.copy_object(
                Bucket=settings.bucket, Key=latest[name], CopySource={"Bucket": settings.bucket, "Key": key}
            )
        except (ClientError, BotoCoreError) as exc:
            raise OutputError(f"cannot copy s3://{settings.bucket}/{key} to {latest[name]}: {exc}") from exc


def _publish_outputs(
    settings: Settings,
    *,
    bundle_path: Path,
    report_paths: Mapping[str, Path],
    counts: RunSummary,
    mode: str,
    started: float,
    workdir: Path,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Upload the run's outputs and ``latest/`` copies, notify SNS, return the summary."""
    s3 = _s3(settings)
    objects = _upload_outputs(settings, s3, bundle_path, report_paths, workdir)
    objects["summary"] = settings.run_prefix + SUMMARY_OBJECT
    summary: dict[str, Any] = {
        "status": "ok",
        "mode": mode,
        "run_id": settings.run_id,
        "exit_code": counts.gate.exit_code,
        "bucket": settings.bucket,
        "run_prefix": settings.run_prefix,
        "objects": objects,
        **counts.to_json(),
        "tool": {"name": TOOL_NAME, "version": __version__},
        **(extra or {}),
        "latest": _latest(settings, objects),
        "seconds": round(time.monotonic() - started, 1),
    }
    _put_json(s3, settings.bucket, objects["summary"], summary)
    _copy_to_latest(settings, s3, objects)
    summary["sns_message_id"] = _notify(settings, message(summary, counts), subject(summary, counts))
    return summary


def subject(summary: Mapping[str, Any], counts: RunSummary | None = None) -> str:
    """The SNS subject (at most 100 characters, SNS's limit)."""
    if summary.get("status") != "ok" or counts is None:
        return f"{TOOL_NAME}: run {summary.get('run_id', '?')} FAILED"[:100]
    urgent = [
        f"{n} {s.value}" for s, n in counts.findings_by_severity if n and s.value in ("critical", "high")
    ]
    text = f"{TOOL_NAME}: {counts.findings} findings ({', '.join(urgent) or 'no high findings'})"
    if counts.account_regions.incomplete:
        ar = counts.account_regions
        text += f", {ar.not_audited} account-regions NOT AUDITED, {ar.partial} partial"
    if counts.gate.failed_gates():
        text += f"; gate failed: {', '.join(counts.gate.failed_gates())}"
    return text[:100]


def message(summary: Mapping[str, Any], counts: RunSummary | None = None) -> str:
    """The SNS message: the counts in the same sentences as the CLI summary, then where the outputs are."""
    if summary.get("status") != "ok" or counts is None:
        return f"{TOOL_NAME} run {summary.get('run_id', '?')} failed: {summary.get('error')}"
    lines = [f"{TOOL_NAME} {__version__} run {summary['run_id']} ({summary['mode']})"]
    if counts.since_previous:  # what is new leads
        lines.append(f"since last run: {counts.since_previous}")
    elif summary.get("previous_error"):
        lines.append(f"since last run: not compared ({summary['previous_error']})")
    lines += [
        f"coverage: {counts.coverage_sentence()}",
        f"accounts: {counts.accounts_sentence()}",
        f"resources: {counts.resources_sentence()}",
        f"findings: {counts.findings_sentence()}",
        f"gate: {counts.gate.sentence()}",
        "",
    ]
    lines += [f"{name}: s3://{summary['bucket']}/{key}" for name, key in summary["objects"].items()]
    return "\n".join(lines)


def _notify(settings: Settings, message: str, subject: str) -> str | None:
    if settings.sns_topic_arn is None:
        return None
    try:
        response = _sns(settings).publish(TopicArn=settings.sns_topic_arn, Subject=subject, Message=message)
    except (ClientError, BotoCoreError) as exc:
        raise OutputError(f"cannot publish to {settings.sns_topic_arn}: {exc}") from exc
    return response.get("MessageId")


# --------------------------------------------------------------------------- modes


def _check_bucket(settings: Settings) -> None:
    """Fail before collecting, not after, when the output bucket cannot be reached."""
    try:
        _s3(settings).head_bucket(Bucket=settings.bucket)
    except (ClientError, BotoCoreError) as exc:
        raise OutputError(f"cannot write s3://{settings.bucket}/{settings.run_prefix}: {exc}") from exc


PREVIOUS_FINDINGS = "findings.json"
"""The last run's findings under ``latest/``: each run is compared with it (``--previous``)."""


def _previous_run(settings: Settings, workdir: Path) -> tuple[Path | None, dict[str, Any]]:
    """The last run's ``latest/findings.json``, downloaded and checked, and what the summary says
    about it: ``{"previous": key}``, or ``{"previous_error": why}`` when it exists but cannot be
    used (the run goes on without a comparison, and says so). ``None`` on the first run."""
    from auditor.findings_json import FindingsError, read_findings

    key = settings.latest_prefix + PREVIOUS_FINDINGS
    try:
        found = _get_optional(settings, key)
    except OutputError as exc:
        return None, {"previous_error": str(exc)}
    if found is None:
        return None, {}
    body, _etag = found
    target = workdir / "previous-findings.json"
    target.write_bytes(body)
    try:
        read_findings(target)
    except FindingsError as exc:
        return None, {"previous_error": f"s3://{settings.bucket}/{key}: {exc.problem}"}
    return target, {"previous": f"s3://{settings.bucket}/{key}"}


HISTORY_OBJECT = "history.jsonl"
"""The index of run summaries under the prefix (:mod:`auditor.history`), one line per run."""
HISTORY_ATTEMPTS = 10


def _history_key(settings: Settings) -> str:
    return _join(settings.prefix, HISTORY_OBJECT)


def _get_optional(settings: Settings, key: str) -> tuple[bytes, str | None] | None:
    """The object's body and ETag; ``None`` when it does not exist. :class:`OutputError` when it
    cannot be read."""
    try:
        response = _s3(settings).get_object(Bucket=settings.bucket, Key=key)
        return response["Body"].read(), response.get("ETag")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise OutputError(f"cannot read s3://{settings.bucket}/{key}: {exc}") from exc
    except BotoCoreError as exc:
        raise OutputError(f"cannot read s3://{settings.bucket}/{key}: {exc}") from exc


def _read_s3_history(settings: Settings) -> tuple[str, str | None]:
    """The index's text and ETag (``("", None)`` when it does not exist yet)."""
    found = _get_optional(settings, _history_key(settings))
    return ("", None) if found is None else (found[0].decode("utf-8", errors="replace"), found[1])


def _history(settings: Settings, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """The index's earlier runs as a local file for the evaluation, and what the summary says:
    ``{"history": key}``, or ``{"history_error": why}`` when the index is unreadable (the run goes
    on without a trend and leaves the index as it is)."""
    from auditor.history import HistoryError, parse_lines

    local = workdir / "history" / HISTORY_OBJECT
    local.parent.mkdir(parents=True, exist_ok=True)
    where = f"s3://{settings.bucket}/{_history_key(settings)}"
    try:
        text, _etag = _read_s3_history(settings)
        parse_lines(text, where)
    except (OutputError, HistoryError) as exc:
        local.write_text("")
        return local, {"history_error": str(exc)}
    local.write_text(text, encoding="utf-8")
    return local, {"history": where}


def _append_s3_history(settings: Settings, line: str) -> None:
    """Append ``line`` with a conditional write (``If-Match`` the ETag read, ``If-None-Match: *``
    for a new index), reading again when another run wrote in between."""
    key = _history_key(settings)
    s3 = _s3(settings)
    for attempt in range(HISTORY_ATTEMPTS):
        if attempt:  # another run wrote in between: back off a little, with jitter, and read again
            time.sleep(random.uniform(0.02, 0.1) * attempt)
        text, etag = _read_s3_history(settings)
        body = (text if not text or text.endswith("\n") else text + "\n") + line
        try:
            if etag:
                s3.put_object(Bucket=settings.bucket, Key=key, Body=body.encode(), IfMatch=etag)
            else:
                s3.put_object(Bucket=settings.bucket, Key=key, Body=body.encode(), IfNoneMatch="*")
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "PreconditionFailed",
                "ConditionalRequestConflict",
            ):
                continue
            raise OutputError(f"cannot write s3://{settings.bucket}/{key}: {exc}") from exc
        except BotoCoreError as exc:
            raise OutputError(f"cannot write s3://{settings.bucket}/{key}: {exc}") from exc
    raise OutputError(
        f"s3://{settings.bucket}/{key}: {HISTORY_ATTEMPTS} concurrent writers in a row; run not indexed"
    )


def _audit(settings: Settings, context: LambdaContext | None, workdir: Path) -> dict[str, Any]:
    from auditor.runner import run_audit

    started = time.monotonic()
    _check_bucket(settings)
    previous, about_previous = _previous_run(settings, workdir)
    history, about_history = _history(settings, workdir)
    config = replace(
        settings.config,
        deadline=deadline_for(context, settings.safety_margin_seconds),
        previous=previous,
        history=history,
    )
    outcome = run_audit(
        config, workdir / "out", force=True, formats=REPORT_FORMATS, run_label=settings.run_prefix
    )
    if outcome.record is not None and "history" in about_history:
        _append_s3_history(settings, outcome.record.line())
    return _publish_outputs(
        settings,
        bundle_path=outcome.bundle_path,
        report_paths=outcome.report_paths,
        counts=outcome.summary,
        mode="audit",
        started=started,
        workdir=workdir,
        extra={**about_previous, **about_history},
    )


def _organization_listing(settings: Settings) -> list[AccountInfo] | None:
    """The organization's accounts (``organizations:ListAccounts``), read as the engine reads them.

    A failure is the run's end when no accounts were named; with named accounts the listing only
    supplies names and statuses, as in the engine, so a failure leaves them ``UNKNOWN``.
    """
    raw: list[Mapping[str, Any]] = []
    try:
        for page in _organizations(settings).get_paginator("list_accounts").paginate():
            raw.extend(page.get("Accounts", []))
    except (ClientError, BotoCoreError) as exc:
        if settings.config.accounts is not None:
            log.info("organizations:ListAccounts failed (%s); named accounts keep status UNKNOWN", exc)
            return None
        raise RunError(
            f"cannot list the organization's accounts (organizations:ListAccounts): {exc}"
        ) from exc
    return accounts_from_listing(raw)


def _account_entries(settings: Settings) -> list[dict[str, str]]:
    """The accounts of the run: the engine's own choice (:func:`choose_accounts`), without a shard."""
    chosen, skipped = choose_accounts(_organization_listing(settings), settings.config.accounts)
    if skipped:
        log.info(
            "skipping %d accounts that are not ACTIVE: %s", len(skipped), ", ".join(a.id for a in skipped)
        )
    return [{"id": a.id, "name": a.name, "status": a.status} for a in chosen]


def _list_accounts(settings: Settings) -> dict[str, Any]:
    if settings.config.ou is not None:  # the state machine's batches come from ListAccounts alone
        raise ConfigError(
            "BACKUP_AUDITOR_OU: the Step Functions mode lists the organization's accounts without its "
            "units; restrict it with BACKUP_AUDITOR_ACCOUNTS, or use the single-Lambda audit mode"
        )
    accounts = _account_entries(settings)
    if not accounts:
        raise RunError("no ACTIVE accounts to audit")
    key = settings.run_prefix + ACCOUNTS_OBJECT
    _put_json(_s3(settings), settings.bucket, key, accounts)
    return {
        "status": "ok",
        "mode": "list_accounts",
        "run_id": settings.run_id,
        "bucket": settings.bucket,
        "run_prefix": settings.run_prefix,
        "accounts_key": key,
        "account_count": len(accounts),
        "batch_size": settings.batch_size,
        "max_concurrency": settings.shard_concurrency,
        "tolerated_failure_percentage": settings.tolerated_failure_percentage,
    }


def _batch_ids(event: Mapping[str, Any]) -> list[str]:
    items = event.get("accounts")
    if not isinstance(items, list) or not items:
        raise ConfigError("collect_shard: event key 'accounts' must be a non-empty list of accounts")
    ids: list[str] = []
    for i, item in enumerate(items):
        value = item.get("id") if isinstance(item, dict) else item
        if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
            raise ConfigError(f"collect_shard: accounts[{i}] is not an account id or {{'id': ...}}: {item!r}")
        ids.append(value)
    return ids


def shard_key(run_prefix: str, account_ids: Sequence[str]) -> str:
    """Where the shard holding these accounts is stored (named after its first account id)."""
    return f"{run_prefix}{SHARDS_DIR}{min(account_ids)}.tar.gz"


def _collect_shard(
    settings: Settings, event: Mapping[str, Any], context: LambdaContext | None, workdir: Path
) -> dict[str, Any]:
    from auditor.collect.engine import collect_to_bundle

    ids = _batch_ids(event)
    config = replace(
        settings.config,
        accounts=tuple(ids),
        shard=None,
        deadline=deadline_for(context, settings.safety_margin_seconds),
    )
    bundle_path, manifest = collect_to_bundle(config, workdir / "shard", force=True, progress=False)
    archive = pack_bundle(bundle_path, workdir / "shard.tar.gz")
    key = shard_key(settings.run_prefix, ids)
    _put_file(_s3(settings), settings.bucket, key, archive, "application/gzip")
    return {
        "status": "ok",
        "mode": "collect_shard",
        "run_id": settings.run_id,
        "key": key,
        "accounts": len(manifest.accounts),
        "errors": len(manifest.errors),
    }


def _failure_records(s3: S3Client, settings: Settings) -> list[FailedShard]:
    """Failure records the state machine's Catch wrote under ``RUN/failed/``."""
    failed: list[FailedShard] = []
    for key in _list_keys(s3, settings.bucket, settings.run_prefix + FAILED_DIR):
        record = _get_json(s3, settings.bucket, key)
        if not isinstance(record, dict):
            raise OutputError(f"s3://{settings.bucket}/{key}: expected a JSON object")
        items = record.get("Items") or record.get("accounts") or []
        error = record.get("error") or {}
        ids = [i.get("id") if isinstance(i, dict) else i for i in items]
        entries = tuple(
            AccountEntry(id=a, name="", status="ACTIVE", regions=()) for a in ids if isinstance(a, str)
        )
        failed.append(
            FailedShard(
                accounts=entries,
                code=str(error.get("Error") or "ShardFailed") if isinstance(error, dict) else "ShardFailed",
                message=(str(error.get("Cause") or "") if isinstance(error, dict) else str(error))[:2000]
                or "the shard's collection failed",
            )
        )
    return failed


def _download_shards(settings: Settings, s3: S3Client, workdir: Path) -> list[Path]:
    """Every shard archive of the run, unpacked; the bundle directories."""
    bundles: list[Path] = []
    for i, key in enumerate(_list_keys(s3, settings.bucket, settings.run_prefix + SHARDS_DIR)):
        archive = workdir / f"shard-{i}.tar.gz"
        try:
            s3.download_file(settings.bucket, key, str(archive))
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            raise OutputError(f"cannot read s3://{settings.bucket}/{key}: {exc}") from exc
        bundles.append(unpack_bundle(archive, workdir / "shards" / str(i)))
    return bundles


def _listed_accounts(
    settings: Settings, s3: S3Client, state: Mapping[str, Any]
) -> dict[str, Mapping[str, Any]]:
    """``accounts.json`` of the run (written by ``list_accounts``): id -> entry."""
    key = str(state.get("accounts_key") or settings.run_prefix + ACCOUNTS_OBJECT)
    listed = _get_json(s3, settings.bucket, key)
    if not isinstance(listed, list):
        raise OutputError(f"s3://{settings.bucket}/{key}: expected a JSON list of accounts")
    return {a["id"]: a for a in listed if isinstance(a, dict) and isinstance(a.get("id"), str)}


def _not_collected(
    settings: Settings,
    s3: S3Client,
    state: Mapping[str, Any],
    listed: Mapping[str, Mapping[str, Any]],
    bundles: Sequence[Path],
) -> list[FailedShard]:
    """Failure records of failed batches, plus one ``ShardMissing`` record for listed accounts
    that are in no shard bundle and no failure record; with the run's Regions on each account."""
    manifests = [read_bundle(b).manifest for b in bundles]
    regions = settings.config.regions or tuple(
        dict.fromkeys(r for m in manifests for a in m.accounts for r in a.regions)
    )

    def entry(account_id: str) -> AccountEntry:
        known = listed.get(account_id, {})
        status = str(known.get("status") or "ACTIVE")
        return AccountEntry(id=account_id, name=str(known.get("name") or ""), status=status, regions=regions)

    failed = [
        replace(f, accounts=tuple(entry(a.id) for a in f.accounts)) for f in _failure_records(s3, settings)
    ]
    recorded = {a.id for m in manifests for a in m.accounts} | {a.id for f in failed for a in f.accounts}
    missing = [a for a in listed if a not in recorded]
    if missing:
        why = "no shard bundle and no failure record for these accounts"
        map_error = state.get("map_error")
        if isinstance(map_error, dict):
            why += f" (Map state failed: {map_error.get('Error')}: {str(map_error.get('Cause') or '')[:500]})"
        failed.append(
            FailedShard(accounts=tuple(entry(a) for a in missing), code="ShardMissing", message=why)
        )
    return failed


def _described_organization(bundles: Sequence[Path]) -> OrganizationInfo | None:
    """The organization of the shards' ``DescribeOrganization`` call (batches name their accounts,
    so their manifests carry none)."""
    for path in bundles:
        for call in read_bundle(path).org_calls("organizations", "DescribeOrganization") or []:
            organization = OrganizationInfo.from_describe(call.response)
            if organization is not None:
                return organization
    return None


def _merge_and_report(settings: Settings, event: Mapping[str, Any], workdir: Path) -> dict[str, Any]:
    from auditor.runner import evaluate_and_write

    started = time.monotonic()
    s3 = _s3(settings)
    raw_state = event.get("state")
    state: Mapping[str, Any] = raw_state if isinstance(raw_state, dict) else event
    listed = _listed_accounts(settings, s3, state)
    bundles = _download_shards(settings, s3, workdir)
    failed = _not_collected(settings, s3, state, listed, bundles)
    out = workdir / "out"
    # When the run listed the accounts from the organization, the merged bundle says which one.
    organization = _described_organization(bundles) if settings.config.accounts is None else None
    manifest = merge_bundles(bundles, out / "evidence", force=True, failed=failed, organization=organization)
    previous, about_previous = _previous_run(settings, workdir)
    history_file, about_history = _history(settings, workdir)
    config = replace(settings.config, previous=previous)
    outputs = evaluate_and_write(
        out / "evidence",
        config,
        out,
        REPORT_FORMATS,
        history=read_history(history_file),
        run_label=settings.run_prefix,
    )
    if outputs.record is not None and "history" in about_history:
        _append_s3_history(settings, outputs.record.line())
    return _publish_outputs(
        settings,
        bundle_path=out / "evidence",
        report_paths=outputs.report_paths,
        counts=outputs.summary,
        mode="merge_and_report",
        started=started,
        workdir=workdir,
        extra={
            "shards": len(bundles),
            "failed_shards": len(failed),
            "not_collected_accounts": sorted(a.id for f in failed for a in f.accounts),
            "manifest_errors": len(manifest.errors),
            **about_previous,
            **about_history,
        },
    )


MODES = ("audit", "list_accounts", "collect_shard", "merge_and_report")
_RAISING_MODES = frozenset({"list_accounts", "collect_shard"})


def handler(event: Mapping[str, Any] | None, context: LambdaContext | None) -> dict[str, Any]:
    """Lambda entry point (see the module docstring for modes, configuration and outputs)."""
    event = event if isinstance(event, Mapping) else {}
    mode = event.get("mode") or "audit"
    if mode not in MODES:
        unknown: dict[str, Any] = {
            "status": "error",
            "mode": str(mode),
            "error": f"unknown mode {mode!r} (one of {', '.join(MODES)})",
        }
        log.error(json.dumps(unknown))
        return unknown
    workdir = Path(tempfile.mkdtemp(prefix="backup-auditor-"))
    settings: Settings | None = None
    try:
        settings = load_settings(event, context)
        log.info("mode %s run %s -> s3://%s/%s", mode, settings.run_id, settings.bucket, settings.run_prefix)
        if mode == "list_accounts":
            result = _list_accounts(settings)
        elif mode == "collect_shard":
            result = _collect_shard(settings, event, context, workdir)
        elif mode == "merge_and_report":
            result = _merge_and_report(settings, event, workdir)
        else:
            result = _audit(settings, context, workdir)
        log.info(json.dumps(result))
        return result
    except AuditorError as exc:
        summary: dict[str, Any] = {
            "status": "error",
            "mode": mode,
            "run_id": settings.run_id if settings else event.get("run_id"),
            "error_type": type(exc).__name__,
            "error": str(exc),
            "exit_code": exc.exit_code,
        }
        log.error(json.dumps(summary))
        if mode in _RAISING_MODES:
            raise
        if settings is not None and settings.sns_topic_arn is not None:
            try:
                summary["sns_message_id"] = _notify(settings, message(summary), subject(summary))
            except OutputError as notify_exc:
                log.error("could not report the failure to SNS: %s", notify_exc)
        return summary
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


__all__ = [
    "MODES",
    "LambdaContext",
    "Settings",
    "deadline_for",
    "handler",
    "load_settings",
    "message",
    "pack_bundle",
    "shard_key",
    "subject",
    "unpack_bundle",
]
