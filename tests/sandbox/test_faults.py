"""The sandbox's fault layer itself: plans, their validation, the HTTP control endpoint, the
``--faults`` option, and order-independent draws. (What the collector does with each fault is
tested in ``tests/collect/test_faults.py``, over HTTP.)"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from auditor.sandbox import Sandbox
from auditor.sandbox.__main__ import main
from auditor.sandbox.faults import FaultMiddleware, FaultPlan, FaultPlanError, FaultRule


def test_plan_round_trips_through_json() -> None:
    plan = FaultPlan(
        (
            FaultRule("throttle", service="ec2", probability=0.3),
            FaultRule("hang", service="rds", operation="DescribeDBInstances", seconds=5, times=2),
            FaultRule("html-error", account="111111111111", region="eu-west-1", status=503),
        ),
        seed=7,
    )
    assert FaultPlan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"rules": [{"kind": "explode"}]}, "unknown fault kind 'explode'"),
        ({"rules": [{"kind": "throttle", "probability": 2}]}, "probability must be between 0 and 1"),
        ({"rules": [{"kind": "html-error", "status": 200}]}, "status must be 4xx or 5xx"),
        ({"rules": [{"kind": "throttle", "servce": "ec2"}]}, "unknown field(s) servce"),
        ({"rules": ["throttle"]}, "rule [0]: must be an object"),
        ({"rules": {}}, "'rules' must be a list"),
        ([], "a fault plan is a JSON object"),
    ],
)
def test_bad_plans_say_what_is_wrong(data: object, problem: str) -> None:
    with pytest.raises(FaultPlanError) as caught:
        FaultPlan.from_json(data)
    assert problem in str(caught.value)


def test_serve_with_a_bad_faults_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"rules": [{"kind": "throttle", "probability": -1}]}))
    assert main(["serve", "--no-seed", "--faults", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "probability" in err
    assert main(["serve", "--no-seed", "--faults", str(tmp_path / "absent.json")]) == 2


def _ok_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


def _request(action: str, region: str = "us-east-1") -> dict[str, Any]:
    body = f"Action={action}&Version=2016-11-15".encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": (
            f"AWS4-HMAC-SHA256 Credential=testing/20261205/{region}/ec2/aws4_request, "
            "SignedHeaders=host, Signature=0"
        ),
    }


def _statuses(middleware: FaultMiddleware, requests: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    seen: dict[tuple[str, str], str] = {}

    for action, region in requests:

        def start_response(status: str, headers: list[tuple[str, str]], key: Any = (action, region)) -> None:
            seen[key] = status

        b"".join(middleware(_request(action, region), start_response))
    return seen


def test_draws_do_not_depend_on_arrival_order() -> None:
    plan = FaultPlan((FaultRule("throttle", service="ec2", probability=0.5),), seed=3)
    requests = [
        (action, region)
        for action in ("DescribeInstances", "DescribeVolumes", "DescribeRegions")
        for region in ("us-east-1", "eu-west-1", "ap-south-1", "sa-east-1")
    ]
    forward = _statuses(FaultMiddleware(_ok_app, plan), requests)
    backward = _statuses(FaultMiddleware(_ok_app, plan), list(reversed(requests)))
    assert forward == backward
    assert {s.split()[0] for s in forward.values()} == {"200", "503"}  # some fired, some did not
    other_seed = _statuses(FaultMiddleware(_ok_app, FaultPlan(plan.rules, seed=4)), requests)
    assert other_seed != forward


def test_rule_matches_operation_and_region_only() -> None:
    plan = FaultPlan((FaultRule("denied", operation="DescribeVolumes", region="eu-west-1", times=1),))
    middleware = FaultMiddleware(_ok_app, plan)
    seen = _statuses(
        middleware,
        [
            ("DescribeVolumes", "us-east-1"),
            ("DescribeInstances", "eu-west-1"),
            ("DescribeVolumes", "eu-west-1"),
        ],
    )
    assert seen == {
        ("DescribeVolumes", "us-east-1"): "200 OK",
        ("DescribeInstances", "eu-west-1"): "200 OK",
        ("DescribeVolumes", "eu-west-1"): "403 Error",
    }
    assert middleware.state.fired == [1]
    # ``times=1``: the same request again passes
    assert _statuses(middleware, [("DescribeVolumes", "eu-west-1")]) == {
        ("DescribeVolumes", "eu-west-1"): "200 OK"
    }


def test_log_counts_how_often_the_faulted_request_was_sent() -> None:
    """``sent`` tells a fault the client read (its call ends) from one sent again: botocore never
    resends a request after reading AccessDenied, only after the attempt timed out unanswered."""
    plan = FaultPlan((FaultRule("denied", operation="DescribeVolumes", times=1),))
    middleware = FaultMiddleware(_ok_app, plan)
    _statuses(middleware, [("DescribeVolumes", "eu-west-1"), ("DescribeInstances", "eu-west-1")])
    log = json.loads(b"".join(middleware._control({"REQUEST_METHOD": "GET"}, lambda *a: None)))["log"]
    assert [(e["operation"], e["sent"]) for e in log] == [("DescribeVolumes", 1)]
    assert "request" not in log[0]
    _statuses(middleware, [("DescribeVolumes", "eu-west-1"), ("DescribeVolumes", "us-east-1")])
    log = json.loads(b"".join(middleware._control({"REQUEST_METHOD": "GET"}, lambda *a: None)))["log"]
    assert [(e["operation"], e["region"], e["sent"]) for e in log] == [("DescribeVolumes", "eu-west-1", 2)]


def test_control_endpoint_over_http(sandbox: Sandbox) -> None:
    url = f"{sandbox.endpoint_url}/_sandbox/faults"
    bad = urllib.request.Request(url, data=b'{"rules": [{"kind": "nope"}]}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(bad, timeout=30)
    assert caught.value.code == 400
    assert "unknown fault kind" in caught.value.read().decode()
    with urllib.request.urlopen(url, timeout=30) as answer:
        state = json.loads(answer.read())
    assert state["rules"] == [] and state["fired"] == [] and state["log"] == []
