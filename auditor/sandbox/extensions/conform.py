"""Tidy a few of moto's own JSON answers the collectors read, so they match botocore's output shape
on the wire as well (moto sends ``"NextToken": null`` and members the API does not have; botocore's
parser hides both, other SDKs and the shape tests do not)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.efs.responses import EFSResponse
from moto.fsx.responses import FSxResponse

from auditor.sandbox.shapes import conform_json

_TIDIED: tuple[tuple[type[Any], str, str, str], ...] = (
    (EFSResponse, "describe_file_systems", "efs", "DescribeFileSystems"),
    (FSxResponse, "describe_file_systems", "fsx", "DescribeFileSystems"),
)


def _tidy(original: Callable[[Any], Any], service: str, operation: str) -> Callable[[Any], Any]:
    def handler(self: Any) -> Any:
        answer = original(self)
        if isinstance(answer, str):
            return json.dumps(conform_json(service, operation, json.loads(answer)))
        if isinstance(answer, tuple) and answer and isinstance(answer[0], str):
            return (json.dumps(conform_json(service, operation, json.loads(answer[0]))), *answer[1:])
        if isinstance(answer, tuple) and len(answer) == 3 and isinstance(answer[2], str):
            status, headers, body = answer
            return status, headers, json.dumps(conform_json(service, operation, json.loads(body)))
        return answer

    handler.__name__ = original.__name__
    return handler


def install() -> None:
    for response_class, method, service, operation in _TIDIED:
        setattr(response_class, method, _tidy(getattr(response_class, method), service, operation))
