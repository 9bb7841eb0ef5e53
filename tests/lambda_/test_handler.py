"""The Lambda handler against a sandbox organization, with moto's S3 and SNS on the same endpoint.

Proves: a scheduled run writes the evidence archive, findings JSON, HTML report and summary under
``PREFIX/YYYY/MM/DD/RUN_ID/`` with identical ``latest/`` copies and publishes its summary to SNS
(observed through an SQS subscription); a deadline already reached still writes everything, with
the organization reported as not audited; bad configuration comes back as a clear error; the
state machine's three steps (list accounts, collect a batch, merge and report) work together and a
failed or missing batch is reported as not audited, never dropped.
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from auditor.cli import main
from auditor.collect.engine import DEADLINE_CODE
from auditor.errors import BundleError, ConfigError
from auditor.evidence import read_bundle
from auditor.evidence.merge import FAILED_SHARD_OPERATION
from auditor.findings_json import from_document
from auditor.lambda_handler import (
    ENV_BUCKET,
    ENV_PREFIX,
    ENV_TOPIC,
    deadline_for,
    handler,
    load_settings,
    unpack_bundle,
)
from auditor.sandbox import start_sandbox
from tests.collect.support import ENV, EXTERNAL_ID, MANAGEMENT, REGIONS, Org, seed

PREFIX = "audits/nightly"


@dataclass
class Context:
    """What Lambda passes as ``context``: a request id and the time left before the timeout."""

    aws_request_id: str
    ends_at: float

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends_at - time.monotonic()) * 1000))


def _context(seconds: float = 900.0, request: str = "0123456789abcdef") -> Context:
    return Context(request, time.monotonic() + seconds)


@dataclass(frozen=True)
class World:
    org: Org
    bucket: str
    topic_arn: str
    queue_url: str


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
            mp.delenv(key, raising=False)
        for key, value in ENV.items():
            mp.setenv(key, value)
        # A moto process of its own: seed() creates an organization, which must not meet
        # one another test made in the shared in-process moto state.
        with start_sandbox(own_process=True) as sandbox:
            url = sandbox.endpoint_url
            org = seed(url)
            s3 = boto3.client("s3", endpoint_url=url)
            s3.create_bucket(Bucket="audit-output")
            sns = boto3.client("sns", endpoint_url=url)
            sqs = boto3.client("sqs", endpoint_url=url)
            topic = sns.create_topic(Name="backup-auditor")["TopicArn"]
            queue_url = sqs.create_queue(QueueName="audit-summaries")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
            yield World(org, "audit-output", topic, queue_url)


@pytest.fixture
def lambda_env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The environment deploy/template.yaml gives the function, pointed at the sandbox."""
    monkeypatch.setenv("BACKUP_AUDITOR_ENDPOINT_URL", world.org.endpoint_url)
    monkeypatch.setenv("BACKUP_AUDITOR_ROLE_NAME", "OrganizationAccountAccessRole")
    monkeypatch.setenv("BACKUP_AUDITOR_REGIONS", ",".join(REGIONS))
    monkeypatch.setenv("BACKUP_AUDITOR_EXTERNAL_ID", EXTERNAL_ID)
    monkeypatch.setenv("BACKUP_AUDITOR_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("BACKUP_AUDITOR_COMPRESS", "true")
    monkeypatch.setenv(ENV_BUCKET, world.bucket)
    monkeypatch.setenv(ENV_PREFIX, PREFIX)
    monkeypatch.setenv(ENV_TOPIC, world.topic_arn)
    return world


def _s3(world: World) -> Any:
    return boto3.client("s3", endpoint_url=world.org.endpoint_url)


def _get(world: World, key: str) -> bytes:
    body: bytes = _s3(world).get_object(Bucket=world.bucket, Key=key)["Body"].read()
    return body


def _messages(world: World) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", endpoint_url=world.org.endpoint_url)
    out: list[dict[str, Any]] = []
    for _ in range(5):
        got = sqs.receive_message(QueueUrl=world.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in got.get("Messages", []):
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=world.queue_url, ReceiptHandle=m["ReceiptHandle"])
        if out:
            break
    return out


def _bundle_from(world: World, key: str, tmp_path: Path) -> Path:
    archive = tmp_path / "evidence.tar.gz"
    archive.write_bytes(_get(world, key))
    return unpack_bundle(archive, tmp_path / "unpacked")


# --------------------------------------------------------------------------- configuration


def test_settings_env_event_precedence_and_run_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        ENV_BUCKET: "from-env",
        ENV_PREFIX: "/p/q/",
        "BACKUP_AUDITOR_REGIONS": "eu-west-1",
        "BACKUP_AUDITOR_ROLE_NAME": "EnvRole",
    }
    now = datetime(2026, 11, 25, 23, 59, tzinfo=UTC)
    s = load_settings({}, _context(request="abcdef0123456789"), env=env, now=now)
    assert (s.bucket, s.prefix, s.config.regions, s.config.role_name) == (
        "from-env",
        "p/q",
        ("eu-west-1",),
        "EnvRole",
    )
    assert s.run_id == "20261125T235900Z-abcdef01"
    assert s.run_prefix == "p/q/2026/11/25/20261125T235900Z-abcdef01/"
    assert s.latest_prefix == "p/q/latest/"
    assert s.config.quiet is True and s.sns_topic_arn is None
    event = {"regions": ["us-east-1", "us-west-2"], "output_bucket": "from-event", "run_id": "nightly-1"}
    s = load_settings(event, None, env=env, now=now)
    assert (s.bucket, s.config.regions, s.run_id) == ("from-event", ("us-east-1", "us-west-2"), "nightly-1")
    assert s.run_prefix == "p/q/2026/11/25/nightly-1/"


def test_every_audit_setting_comes_through_the_cli_config_layer(tmp_path: Path) -> None:
    """Env, event and the config file named by BACKUP_AUDITOR_CONFIG, with the CLI's precedence."""
    toml = tmp_path / "backup-auditor.toml"
    toml.write_text("fail-on-not-audited = true\njob-window-days = 30\nmax-attempts = 3\n", encoding="utf-8")
    env = {ENV_BUCKET: "b", "BACKUP_AUDITOR_CONFIG": str(toml), "BACKUP_AUDITOR_JOB_WINDOW_DAYS": "21"}
    s = load_settings({}, None, env=env)
    assert (s.config.fail_on_not_audited, s.config.job_window_days, s.config.max_attempts) == (True, 21, 3)
    s = load_settings(
        {"fail_on_not_audited": False, "job_window_days": 7, "aurora_cost_per_gb_month": 0.5}, None, env=env
    )
    assert (s.config.fail_on_not_audited, s.config.job_window_days) == (False, 7)
    assert s.config.aurora_cost_per_gb_month == 0.5
    with pytest.raises(ConfigError, match=r"fail.on.not.audited: expected true or false"):
        load_settings({"fail_on_not_audited": "perhaps"}, None, env=env)


def test_settings_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError, match=ENV_BUCKET):
        load_settings({}, None, env={})
    with pytest.raises(ConfigError, match="BACKUP_AUDITOR_FAIL_ON"):
        load_settings({}, None, env={ENV_BUCKET: "b", "BACKUP_AUDITOR_FAIL_ON": "severe"})
    with pytest.raises(ConfigError, match="not an ARN"):
        load_settings({}, None, env={ENV_BUCKET: "b", ENV_TOPIC: "my-topic"})
    with pytest.raises(ConfigError, match="run_id"):
        load_settings({"run_id": "../escape"}, None, env={ENV_BUCKET: "b"})
    with pytest.raises(ConfigError, match="0 would mean unlimited"):
        load_settings({}, None, env={ENV_BUCKET: "b", "BACKUP_AUDITOR_SHARD_CONCURRENCY": "0"})
    with pytest.raises(ConfigError, match="batch_size"):
        load_settings({"batch_size": 2.5}, None, env={ENV_BUCKET: "b"})
    with pytest.raises(ConfigError, match="expected a number"):
        load_settings({}, None, env={ENV_BUCKET: "b", "BACKUP_AUDITOR_TOLERATED_FAILURE_PERCENTAGE": "ten"})


def test_deadline_leaves_the_safety_margin() -> None:
    clock = 1000.0
    assert deadline_for(None, 120) is None
    assert deadline_for(_context(900), 120, clock=clock) == pytest.approx(clock + 780, abs=0.5)
    # a short remaining time keeps at most half of it as margin, so collection still gets some
    assert deadline_for(_context(60), 120, clock=clock) == pytest.approx(clock + 30, abs=0.5)
    assert deadline_for(_context(0), 120, clock=clock) == pytest.approx(clock, abs=0.01)


def test_bad_configuration_is_a_clear_error_in_the_summary(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(ENV_BUCKET, raising=False)
    summary = handler({}, _context())
    assert summary["status"] == "error" and summary["error_type"] == "ConfigError"
    assert ENV_BUCKET in summary["error"] and summary["exit_code"] == 2
    assert ENV_BUCKET in caplog.text
    unknown = handler({"mode": "bogus"}, _context())
    assert unknown["status"] == "error" and "unknown mode 'bogus'" in unknown["error"]


def test_collect_shard_rejects_a_bad_batch_by_raising(lambda_env: World) -> None:
    """State machine steps raise, so Retry / Catch see the failure."""
    with pytest.raises(ConfigError, match=r"collect_shard: accounts\[1\] is not an account id"):
        handler({"mode": "collect_shard", "accounts": [{"id": "123456789012"}, {"id": "12345"}]}, _context())
    with pytest.raises(ConfigError, match="non-empty list"):
        handler({"mode": "collect_shard"}, _context())


def test_unwritable_bucket_is_reported(lambda_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TOPIC, "")
    event = {"output_bucket": "no-such-bucket", "accounts": [lambda_env.org.alpha], "regions": ["us-east-1"]}
    summary = handler(event, _context())
    assert summary["status"] == "error"
    assert summary["error"].startswith("cannot write s3://no-such-bucket/")
    assert "404" in summary["error"] or "NoSuchBucket" in summary["error"]


# --------------------------------------------------------------------------- scheduled run


@pytest.mark.slow
def test_scheduled_run_writes_outputs_latest_copies_and_notifies(
    lambda_env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = lambda_env
    _messages(world)  # start from an empty queue
    summary = handler({}, _context())
    assert summary["status"] == "ok", summary
    day = datetime.now(UTC)
    run_prefix = f"{PREFIX}/{day:%Y/%m/%d}/{summary['run_id']}/"
    assert summary["run_prefix"] == run_prefix
    names = {
        "evidence": "evidence.tar.gz",
        "findings": "findings.json",
        "html": "report.html",
        "summary": "summary.json",
    }
    assert summary["objects"] == {k: run_prefix + v for k, v in names.items()}
    assert summary["latest"] == {k: f"{PREFIX}/latest/{v}" for k, v in names.items()}
    listed = {
        o["Key"] for o in _s3(world).list_objects_v2(Bucket=world.bucket, Prefix=run_prefix)["Contents"]
    }
    assert listed == set(summary["objects"].values())
    for name, key in summary["objects"].items():
        if name != "summary":
            assert _get(world, summary["latest"][name]) == _get(world, key), name

    bundle = read_bundle(_bundle_from(world, summary["objects"]["evidence"], tmp_path))
    audited = {a.id for a in bundle.manifest.accounts}
    assert {MANAGEMENT, world.org.alpha, world.org.beta, world.org.external} <= audited
    assert any(p.name.endswith(".json.gz") for *_, p in bundle.iter_files())  # gzip members

    findings = json.loads(_get(world, summary["objects"]["findings"]))
    assert findings["format"] == "backup-auditor-findings"
    by_severity: dict[str, int] = {}
    for f in from_document(findings, Path("findings.json")).findings:
        by_severity[f.severity.value] = by_severity.get(f.severity.value, 0) + 1
    assert {k: v for k, v in summary["findings"].items() if v} == by_severity
    assert b"<html" in _get(world, summary["objects"]["html"]).lower()
    stored = json.loads(_get(world, summary["objects"]["summary"]))
    assert stored["run_id"] == summary["run_id"] and stored["findings"] == summary["findings"]

    messages = _messages(world)
    assert len(messages) == 1 and messages[0]["MessageId"] == summary["sns_message_id"]
    assert messages[0]["Subject"].startswith("backup-auditor: ")
    assert f"s3://{world.bucket}/{run_prefix}report.html" in messages[0]["Message"]
    # the denied account could not be read: not audited, never compliant
    assert summary["account_regions"]["not_audited"] >= 1
    assert summary["exit_code"] == 0 and summary["gate"]["failed"] == []  # no gate set

    # the SNS message says what the CLI says about the same bundle, in the same words
    unpacked = tmp_path / "unpacked" / "evidence"
    assert main(["evaluate", str(unpacked), "-q", "-o", str(tmp_path / "cli.json")]) == 0
    cli = capsys.readouterr().err
    body = messages[0]["Message"]
    for label in ("coverage", "accounts", "resources", "findings"):
        cli_line = next(line for line in cli.splitlines() if line.strip().startswith(f"{label}:"))
        assert f"{label}: {cli_line.split(':', 1)[1].strip()}" in body, (label, body)
    # the same findings JSON, but for the trend the Lambda adds from its history index
    lambda_doc = json.loads(_get(world, summary["objects"]["findings"]))
    assert [r["run"] for r in lambda_doc["summary"].pop("history")] == [summary["run_prefix"]]
    assert json.loads((tmp_path / "cli.json").read_text()) == lambda_doc

    # the next run compares itself with latest/findings.json, and its message leads with that
    second = handler({}, _context())
    assert second["status"] == "ok", second
    assert second["previous"] == f"s3://{world.bucket}/{PREFIX}/latest/findings.json"
    since = json.loads(_get(world, second["objects"]["findings"]))["summary"]["since_previous"]
    assert since["new_ids"] == [] and since["resolved"] == []
    assert since["unchanged"] == len(findings["findings"])
    lines = _messages(world)[0]["Message"].splitlines()
    assert lines[1].startswith("since last run: 0 new, 0 resolved, ") and lines[2].startswith("coverage: ")
    # both runs are in the history index, and the second report's trend holds both
    index = _get(world, f"{PREFIX}/history.jsonl").decode().splitlines()
    assert [json.loads(line)["run"] for line in index] == [summary["run_prefix"], second["run_prefix"]]
    trend = json.loads(_get(world, second["objects"]["findings"]))["summary"]["history"]
    assert [r["run"] for r in trend] == [summary["run_prefix"], second["run_prefix"]]


@pytest.mark.slow
def test_deadline_reached_still_writes_everything_as_not_audited(lambda_env: World, tmp_path: Path) -> None:
    world = lambda_env
    summary = handler({"safety_margin_seconds": 120, "fail_on_not_audited": True}, _context(seconds=0.0))
    assert summary["status"] == "ok", summary
    assert summary["account_regions"]["audited"] == 0 and summary["account_regions"]["not_audited"] > 0
    # the coverage gate of the event: exit 1, and the summary says which gate failed
    assert summary["exit_code"] == 1 and summary["gate"]["failed"] == ["coverage"]
    assert summary["gate"]["incomplete_account_regions"] == summary["account_regions"]["total"]
    bundle = read_bundle(_bundle_from(world, summary["objects"]["evidence"], tmp_path))
    assert any(e.code == DEADLINE_CODE for e in bundle.manifest.errors)
    assert _get(world, summary["latest"]["html"])  # the report is there too
    _messages(world)


# --------------------------------------------------------------------------- state machine steps


@pytest.mark.slow
def test_state_machine_steps_failed_and_missing_batches_are_not_audited(
    lambda_env: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    world = lambda_env
    monkeypatch.setenv(ENV_TOPIC, "")
    # a first run of this bucket: no latest/findings.json to compare with (the CLI report below
    # has no --previous either)
    for key in ("latest/findings.json", "history.jsonl"):
        _s3(world).delete_object(Bucket=world.bucket, Key=f"{PREFIX}/{key}")
    listing = handler({"mode": "list_accounts", "run_id": "exec-1", "batch_size": 2}, _context())
    run_prefix = listing["run_prefix"]
    assert listing["accounts_key"] == run_prefix + "accounts.json" and listing["batch_size"] == 2
    items = json.loads(_get(world, listing["accounts_key"]))
    ids = [i["id"] for i in items]
    active = sorted([MANAGEMENT, world.org.alpha, world.org.beta, world.org.denied, world.org.external])
    assert ids == active and world.org.closed not in ids  # ACTIVE only, sorted
    assert listing["account_count"] == len(active)

    # What the Distributed Map does: batches of batch_size; batch 0 collected, batch 1 failed
    # (its Catch writes a failure record), batch 2 vanished without a trace.
    batches = [items[i : i + 2] for i in range(0, len(items), 2)]
    batch_input = {"run_id": "exec-1", "run_prefix": run_prefix, "bucket": world.bucket}
    shard = handler({"mode": "collect_shard", "accounts": batches[0], **batch_input}, _context())
    assert shard["status"] == "ok" and shard["key"] == f"{run_prefix}shards/{batches[0][0]['id']}.tar.gz"
    record = {
        "Items": batches[1],
        "BatchInput": batch_input,
        "error": {"Error": "Lambda.Unknown", "Cause": "Task timed out after 900.00 seconds"},
    }
    _s3(world).put_object(
        Bucket=world.bucket,
        Key=f"{run_prefix}failed/{batches[1][0]['id']}.json",
        Body=json.dumps(record).encode(),
    )

    state = {**listing, "map_result": {"ResultWriterDetails": {}}}
    summary = handler(
        {"mode": "merge_and_report", "run_id": "exec-1", "run_prefix": run_prefix, "state": state}, _context()
    )
    assert summary["status"] == "ok", summary
    failed_ids = sorted(i["id"] for b in batches[1:] for i in b)
    assert summary["not_collected_accounts"] == failed_ids
    assert summary["shards"] == 1 and summary["failed_shards"] == 2

    bundle = read_bundle(_bundle_from(world, summary["objects"]["evidence"], tmp_path))
    assert sorted(a.id for a in bundle.manifest.accounts) == active  # nobody dropped
    assert bundle.manifest.organization is not None  # the run listed the accounts from it
    assert bundle.manifest.organization.management_account_id == MANAGEMENT
    shard_errors = {e.account_id: e for e in bundle.manifest.errors if e.operation == FAILED_SHARD_OPERATION}
    assert sorted(shard_errors, key=str) == failed_ids
    for item in batches[1]:
        assert shard_errors[item["id"]].code == "Lambda.Unknown"
        assert "timed out" in shard_errors[item["id"]].message
    for item in batches[2]:
        assert shard_errors[item["id"]].code == "ShardMissing"

    findings = json.loads(_get(world, summary["objects"]["findings"]))
    status = {(c["account_id"], c["region"]): c["status"] for c in findings["coverage"]}
    for account in failed_ids:
        scopes = [s for (a, _r), s in status.items() if a == account]
        assert scopes and set(scopes) == {"not_audited"}, (account, scopes)
    assert _get(world, f"{PREFIX}/latest/report.html") == _get(world, summary["objects"]["html"])

    # merge_and_report has no evaluate / report code of its own: the CLI's `report` on the merged
    # bundle writes byte-identical findings JSON and HTML
    merged = tmp_path / "unpacked" / "evidence"
    for fmt, name in (("json", "findings"), ("html", "html")):
        out = tmp_path / f"cli.{fmt}"
        assert main(["report", str(merged), "-f", fmt, "-o", str(out)]) == 0
        if fmt == "html":  # one run in the index draws no trend: the same page
            assert out.read_bytes() == _get(world, summary["objects"][name]), fmt
            continue
        # the same findings JSON, but for the one-run trend the Lambda adds from its index
        lambda_doc = json.loads(_get(world, summary["objects"][name]))
        assert [r["run"] for r in lambda_doc["summary"].pop("history")] == [run_prefix]
        assert json.loads(out.read_text()) == lambda_doc


def test_list_accounts_makes_the_engines_choice_of_named_accounts(lambda_env: World) -> None:
    """Named accounts are listed whatever their status, with the organization's names, exactly
    as the collector engine chooses them (``choose_accounts``); an id the organization does not
    know is kept, status UNKNOWN."""
    world = lambda_env
    stranger = "999999999999"
    event = {
        "mode": "list_accounts",
        "run_id": "named-1",
        "accounts": [world.org.closed, world.org.alpha, stranger],
    }
    listing = handler(event, _context())
    items = json.loads(_get(world, listing["accounts_key"]))
    names = {
        a["Id"]: a
        for a in boto3.client("organizations", endpoint_url=world.org.endpoint_url).list_accounts()[
            "Accounts"
        ]
    }
    assert [i["id"] for i in items] == sorted([world.org.closed, world.org.alpha, stranger])
    for item in items:
        known = names.get(item["id"])
        expected = (known["Name"], known.get("State") or known["Status"]) if known else ("", "UNKNOWN")
        assert (item["name"], item["status"]) == expected, item
    assert {i["status"] for i in items if i["id"] == world.org.closed} != {"ACTIVE"}


def test_pack_unpack_refuses_escaping_members(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"x"
        info = tarfile.TarInfo("../outside.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BundleError, match=r"evil\.tar\.gz"):
        unpack_bundle(archive, tmp_path / "into")
    assert not (tmp_path / "outside.txt").exists()


def test_concurrent_runs_all_land_in_the_history_index(lambda_env: World) -> None:
    import threading

    from auditor.lambda_handler import _append_s3_history, load_settings

    world = lambda_env
    _s3(world).delete_object(Bucket=world.bucket, Key=f"{PREFIX}/history.jsonl")
    settings = load_settings({}, _context())
    threads = [
        threading.Thread(target=_append_s3_history, args=(settings, json.dumps({"run": i}) + "\n"))
        for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = _get(world, f"{PREFIX}/history.jsonl").decode().splitlines()
    assert sorted(json.loads(line)["run"] for line in lines) == list(range(6))
