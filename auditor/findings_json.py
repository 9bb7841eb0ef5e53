"""The findings JSON (format ``backup-auditor-findings``, versions 1 and 2): write, read, and --fail-on.

Version 1's shape (a public interface, documented in the README with version 2's migration)::

    {"format": "backup-auditor-findings", "version": 1, "as_of": ISO,
     "audit": {"organization": {...} | null, "accounts": [...], "collected_at": ISO,
               "tool": {"name", "version"}},
     "summary": {...},
     "coverage": [{"account_id", "region", "status", "missing", "reasons"}],
     "resources": [{"arn", "account_id", "region", "resource_type", "protected", "reason",
                    "selections": [{"plan_id", "plan_name", "selection_id", "selection_name"}], ...}],
     "plans": [{"account_id", "region", "plan_id", "plan_name", "rules": [...],
                "selections": [{"selection_id", ..., "protected_arns", "blocked_arns"}]}],
     "findings": [{"rule_id", "severity", "account_id", "region", "resource_arn", "resource_type",
                   "title", "message", "remediation", "doc_url", "details"}],
     "errors": [...]}

Version 2 (written by default) carries the same members compactly: rule text once in ``rules``,
resources as rows (see :mod:`auditor.findings_v2`). Reading expands version 2 to version 1's
members first (a file's findings in place, see :func:`read_findings`), then validates every member it needs; a bad document raises :class:`FindingsError` naming the
file and the member (exit code 2), so a report can be rebuilt from findings JSON alone.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import fields
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson

from auditor import findings_v2
from auditor.errors import BadInputError
from auditor.gcpause import paused_gc
from auditor.model.results import (
    FINDINGS_FORMAT,
    FINDINGS_VERSION,
    Coverage,
    EvaluationResult,
    Finding,
    FindingWaiver,
    Severity,
)

TOOL_NAME = "backup-auditor"
READ_VERSIONS = (1, 2)
"""Versions this tool reads and writes (``FINDINGS_VERSION``, the newest, by default)."""
_T = TypeVar("_T")
_COVERAGE_STATUSES = ("audited", "partial", "not_audited")


class FindingsError(BadInputError):
    """A findings JSON file is unreadable, malformed, or not of this format/version (exit 2)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def _header(result: EvaluationResult, version: int) -> dict[str, Any]:
    return {
        "format": FINDINGS_FORMAT,
        "version": version,
        "as_of": result.as_of.isoformat(),
        "audit": {
            "organization": dict(result.organization) if result.organization is not None else None,
            "accounts": [dict(a) for a in result.accounts],
            "collected_at": result.collected_at.isoformat(),
            "tool": {"name": TOOL_NAME, "version": result.tool_version},
        },
        "summary": dict(result.summary),
    }


def _lists(result: EvaluationResult, version: int = FINDINGS_VERSION) -> Iterator[tuple[str, Any]]:
    """The members after ``summary``, in document order (lists as lazily converted items)."""
    coverage = (c.to_json() for c in result.coverage)
    if version == 1:
        yield "coverage", coverage
        yield "resources", result.resources
        yield "plans", result.plans
        yield "findings", (f.to_json() for f in result.findings)
        yield "errors", result.errors
        return
    yield from findings_v2.members(coverage, result.resources, result.plans, result.findings, result.errors)


def to_document(result: EvaluationResult, version: int = FINDINGS_VERSION) -> dict[str, Any]:
    """The findings JSON document of ``result`` (plain JSON types only) in format ``version``."""
    doc = _header(result, version)
    for key, items in _lists(result, version):
        doc[key] = dict(items) if isinstance(items, Mapping) else [_plain(item) for item in items]
    return doc


def _plain(item: object) -> object:
    return dict(item) if isinstance(item, Mapping) else item


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
"""One compact encoder for the whole document (``json.dumps`` with options builds one per call)."""


def _encode(value: object) -> str:
    return _ENCODER.encode(value)


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
"""Datetimes and dataclasses, which orjson would write and json rejects, go to json (it raises)."""
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?:[,\]}]|\Z)")
"""A float orjson writes otherwise than ``repr``: with a one-digit negative exponent (``9.5e-9``
where ``repr`` writes ``9.5e-09``); the other such form is a number in [1e-5, 1e-4) written in
full (``0.00005`` for ``5e-05``), found by looking for ``0.0000``. Both can also occur inside a
string (that batch is then encoded by json: the same text, only slower)."""


def _encode_fast(value: object) -> bytes:
    """``_encode(value)`` as UTF-8, by orjson (several times faster) when it writes the same:
    orjson writes strings, integers, ``true`` / ``false`` / ``null``, arrays and objects compactly
    as json does with these options (UTF-8, not ASCII-escaped; the same escapes), and floats as
    ``repr`` but for the forms :data:`_SHORT_EXPONENT` describes. What orjson refuses (keys that
    are not strings, integers beyond 64 bits, other types) json encodes, or rejects as before. One
    difference is deliberate: orjson writes a NaN or infinite float as ``null`` where json raised
    ``ValueError`` (no value of a document is one: details go through ``json_safe``)."""
    try:
        raw = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _ENCODER.encode(value).encode()
    if b"0.0000" in raw or _SHORT_EXPONENT.search(raw) is not None:
        return _ENCODER.encode(value).encode()
    return raw


class _Sink:
    """Writes UTF-8 bytes to a text stream: straight to its binary buffer when it has one that
    encodes UTF-8 (a file, stdout), skipping a decode and an encode of the whole document;
    decoded otherwise (``io.StringIO``)."""

    def __init__(self, out: IO[str]) -> None:
        buffer = getattr(out, "buffer", None)
        encoding = str(getattr(out, "encoding", "") or "").lower().replace("-", "").replace("_", "")
        if isinstance(out, io.TextIOWrapper) and buffer is not None and encoding == "utf8":
            out.flush()
            self.write: Callable[[bytes], object] = buffer.write
        else:
            self.write = lambda data: out.write(data.decode())

    def text(self, text: str) -> None:
        self.write(text.encode())


def write_document(result: EvaluationResult, out: IO[str], version: int = FINDINGS_VERSION) -> None:
    """Stream the compact document to ``out`` item by item: the encoder only runs on whole values,
    so resources and findings are encoded a batch at a time and memory stays flat however large
    the organization."""
    if version not in READ_VERSIONS:
        raise ValueError(f"findings format version {version} (this tool writes {READ_VERSIONS})")
    header = _encode(_header(result, version))
    sink = _Sink(out)
    sink.text(header[:-1])
    with paused_gc():
        _write_members(result, sink, version)
    sink.text("}\n")


def _write_members(result: EvaluationResult, sink: _Sink, version: int) -> None:
    for key, items in _lists(result, version):
        if isinstance(items, Mapping):
            sink.text(f",{_encode(key)}:")
            sink.write(_encode_fast(items))
            continue
        sink.text(f",{_encode(key)}:[")
        _write_items(items, sink)
        sink.text("]")


def _write_items(items: Iterable[Any], sink: _Sink, batch: int = 2000) -> None:
    """Comma-separated encoded items, a batch at a time: the batch is encoded as one JSON array
    (one call into the encoder instead of one per item; the same text as the items encoded one by
    one and joined with commas) without its brackets. Few writes, bounded memory."""
    it = iter(items)
    first = True
    while chunk := list(islice(it, batch)):
        encoded = _encode_fast(chunk)
        sink.write(encoded[1:-1] if first else b"," + encoded[1:-1])
        first = False


def dumps(result: EvaluationResult, *, indent: int | None = None, version: int = FINDINGS_VERSION) -> str:
    """The document as text: compact by default, ``indent=2`` for people (small results only)."""
    if indent is not None:
        doc = to_document(result, version)
        return json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=False) + "\n"
    buf = io.StringIO()
    write_document(result, buf, version)
    return buf.getvalue()


def write_findings(
    result: EvaluationResult, target: Path | str | IO[str], version: int = FINDINGS_VERSION
) -> None:
    """Write to a path (atomically: temporary file then rename) or to an open text stream."""
    if not isinstance(target, (str, Path)):
        write_document(result, target, version)
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        with tmp.open("w", encoding="utf-8") as handle:  # created with the usual umask, unlike mkstemp
            write_document(result, handle, version)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------


def read_findings(path: Path | str) -> EvaluationResult:
    """Load and validate a findings JSON file; every problem names the file and the member.

    The parsed document is the reader's own, so version 2's findings become :class:`Finding`
    objects in place (:func:`_compact_findings`). It is parsed by ``json``, not orjson: on a
    557 MB findings file orjson was 0.4 s faster but peaked 1 GB higher (its own tree of the
    whole document beside the Python objects)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FindingsError(p, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FindingsError(p, f"cannot read: {exc}") from exc
    with paused_gc():
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FindingsError(p, f"malformed JSON: {exc}") from exc
        del text
        return _from_document(data, p, owned=True)


def from_document(data: object, path: Path) -> EvaluationResult:
    """Validate a parsed findings document and rebuild the :class:`EvaluationResult`."""
    return _from_document(data, path, owned=False)


def _from_document(data: object, path: Path, *, owned: bool) -> EvaluationResult:
    """:func:`from_document`; ``owned``: ``data`` is no one else's, its finding objects may become
    the findings' attributes."""
    doc = _as(data, dict, path, "(document)")
    if doc.get("format") != FINDINGS_FORMAT:
        raise FindingsError(path, f"unknown format {doc.get('format')!r} (expected {FINDINGS_FORMAT!r})")
    version = doc.get("version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        readable = " and ".join(str(v) for v in READ_VERSIONS)
        raise FindingsError(path, f"unsupported version {version!r} (this tool reads versions {readable})")
    pending: list[object] | None = None
    if version == 2:
        problem = _problem(path)
        if owned:
            pending = _compact_findings(doc, problem)
        doc = findings_v2.expand(doc, problem, findings=pending is None)
    audit = _as(doc.get("audit", {}), dict, path, "audit")
    tool = _as(audit.get("tool", {}), dict, path, "audit.tool")
    organization = audit.get("organization")
    if organization is not None:
        organization = _as(organization, dict, path, "audit.organization")
    accounts = [
        _as(a, dict, path, f"audit.accounts[{i}]")
        for i, a in enumerate(_as(audit.get("accounts", []), list, path, "audit.accounts"))
    ]
    coverage = tuple(_coverage(c, path, i) for i, c in enumerate(_list(doc, "coverage", path)))
    if pending is None:
        pending = _list(doc, "findings", path)
    findings = tuple(f if type(f) is Finding else _finding(f, path, i) for i, f in enumerate(pending))
    return EvaluationResult(
        as_of=_time(doc.get("as_of"), path, "as_of"),
        collected_at=_time(audit.get("collected_at", doc.get("as_of")), path, "audit.collected_at"),
        tool_version=str(tool.get("version", "")),
        organization=organization,
        accounts=tuple(accounts),
        coverage=coverage,
        findings=findings,
        resources=tuple(_resource(r, path, i) for i, r in enumerate(_list(doc, "resources", path))),
        plans=tuple(_as(p, dict, path, f"plans[{i}]") for i, p in enumerate(_list(doc, "plans", path, True))),
        summary=_as(doc.get("summary", {}), dict, path, "summary"),
        errors=tuple(
            _as(e, dict, path, f"errors[{i}]") for i, e in enumerate(_list(doc, "errors", path, True))
        ),
    )


def _problem(path: Path) -> findings_v2.Problem:
    return lambda problem: FindingsError(path, problem)


_FIELDS = frozenset(f.name for f in fields(Finding))
_COMPACT_MEMBERS = frozenset({"id", *_FIELDS} - {"waiver"})
"""Members a version 2 finding may have for the quick path (a waiver takes the checked one)."""
_RULE_MEMBERS = frozenset(findings_v2.RULE_MEMBERS)


def _compact_findings(doc: dict[str, Any], problem: findings_v2.Problem) -> list[object] | None:
    """Version 2's findings as :class:`Finding` objects, each made from its own parsed object
    (the document is the reader's): its rule's members filled in, ``id`` dropped (derived again),
    nulls made explicit; that dict becomes the finding's attributes, so no second dict is built
    per finding. Every finding unlike that (a waiver, an unexpected member or type) is expanded
    to version 1's object and left for the checks of version 1 (:func:`_finding`), which name the
    first bad member, in the order they always have. None when ``findings`` is not a list."""
    value = doc.get("findings")
    if not isinstance(value, list):
        return None
    rules = findings_v2.rules_of(doc, problem)
    quick = _quick_rules(rules)
    out: list[object] = []
    append = out.append
    new = object.__new__
    set_dict = object.__setattr__
    for i, f in enumerate(value):
        if type(f) is dict and f.keys() <= _COMPACT_MEMBERS and type(rule_id := f.get("rule_id")) is str:
            rule = quick.get(rule_id)
            if rule is not None and _fill(f, rule):
                finding = new(Finding)
                set_dict(finding, "__dict__", f)
                append(finding)
                continue
        append(findings_v2.expand_finding(f, i, rules, problem))
    return out


def _quick_rules(rules: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per rule id with a well-formed entry (only rule members, each of its type), the defaults a
    finding of it takes: the entry with ``severity`` as :class:`Severity`."""
    out: dict[str, dict[str, Any]] = {}
    for rule_id, rule in rules.items():
        if not (isinstance(rule, dict) and rule.keys() <= _RULE_MEMBERS):
            continue
        severity = _SEVERITIES.get(rule["severity"]) if type(rule.get("severity")) is str else None
        if not all(type(rule.get(k, "")) is str for k in ("title", "remediation", "doc_url")):
            continue
        out[rule_id] = {**rule, "severity": severity}
    return out


def _fill(f: dict[str, Any], rule: Mapping[str, Any]) -> bool:
    """Complete ``f`` in place into a :class:`Finding`'s attributes (True), or leave it as it is
    when a member is missing or not of its type (False: the checked path names it)."""
    get = f.get
    text = get("severity")
    severity = (
        rule["severity"] if "severity" not in f else _SEVERITIES.get(text) if type(text) is str else None
    )
    title = get("title", rule.get("title"))
    remediation = get("remediation", rule.get("remediation", ""))
    doc_url = get("doc_url", rule.get("doc_url", ""))
    details = get("details", _NO_DETAILS)
    if not (
        severity is not None
        and type(title) is str
        and type(get("message")) is str
        and type(remediation) is str
        and type(doc_url) is str
        and type(get("account_id")) in _OPTIONAL_TEXT
        and type(get("region")) in _OPTIONAL_TEXT
        and type(get("resource_arn")) in _OPTIONAL_TEXT
        and type(get("resource_type")) in _OPTIONAL_TEXT
        and type(details) is dict
        and type(get("id")) in _OPTIONAL_TEXT  # derived again from the finding, never trusted
    ):
        return False
    f.pop("id", None)
    f["severity"] = severity
    f["title"] = title
    f["remediation"] = remediation
    f["doc_url"] = doc_url
    f["details"] = {} if details is _NO_DETAILS else details
    f.setdefault("account_id", None)
    f.setdefault("region", None)
    f.setdefault("resource_arn", None)
    f.setdefault("resource_type", None)
    f["waiver"] = None
    return True


def _list(doc: Mapping[str, Any], key: str, path: Path, optional: bool = False) -> list[Any]:
    if key not in doc:
        if optional:
            return []
        raise FindingsError(path, f"missing member '{key}'")
    return _as(doc[key], list, path, key)


def _as(value: object, typ: type[_T], path: Path, member: str) -> _T:
    if not isinstance(value, typ):
        kind = "null" if value is None else type(value).__name__
        expected = {"dict": "an object", "list": "a list", "str": "a string"}.get(typ.__name__, typ.__name__)
        raise FindingsError(path, f"member '{member}' must be {expected}, found {kind}")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, path: Path, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    return _as(value, str, path, f"{where}.{key}")


def _req_str(obj: Mapping[str, Any], key: str, path: Path, where: str) -> str:
    if key not in obj:
        raise FindingsError(path, f"missing member '{where}.{key}'")
    return _as(obj[key], str, path, f"{where}.{key}")


def _time(value: object, path: Path, member: str) -> datetime:
    text = _as(value, str, path, member)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FindingsError(path, f"member '{member}' is not an ISO 8601 timestamp: {text!r}") from None
    if parsed.tzinfo is None:
        raise FindingsError(path, f"member '{member}' has no UTC offset: {text!r}")
    return parsed


def _severity(value: object, path: Path, member: str) -> Severity:
    text = _as(value, str, path, member)
    try:
        return Severity(text)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise FindingsError(
            path, f"member '{member}': unknown severity {text!r} (one of {choices})"
        ) from None


_SEVERITIES: dict[str, Severity] = {s.value: s for s in Severity}
_OPTIONAL_TEXT = (str, type(None))


def _finding(raw: object, path: Path, i: int) -> Finding:
    """The finding of ``raw``: checked member by member only when the quick check (every member
    of the expected type) fails, to name the first bad member."""
    if type(raw) is dict:
        get = raw.get
        rule_id, title, message = get("rule_id"), get("title"), get("message")
        text = get("severity")
        severity = _SEVERITIES.get(text) if type(text) is str else None
        account_id, region = get("account_id"), get("region")
        resource_arn, resource_type = get("resource_arn"), get("resource_type")
        details = get("details", _NO_DETAILS)
        if (
            type(rule_id) is str
            and type(title) is str
            and type(message) is str
            and severity is not None
            and type(account_id) in _OPTIONAL_TEXT
            and type(region) in _OPTIONAL_TEXT
            and type(resource_arn) in _OPTIONAL_TEXT
            and type(resource_type) in _OPTIONAL_TEXT
            and type(details) is dict
            and type(get("id")) in _OPTIONAL_TEXT  # derived again from the finding, never trusted
            and get("waiver") is None  # a waived finding takes the checked path
        ):
            return Finding(
                rule_id=rule_id,
                severity=severity,
                account_id=account_id,
                region=region,
                resource_arn=resource_arn,
                resource_type=resource_type,
                title=title,
                message=message,
                remediation=str(get("remediation") or ""),
                doc_url=str(get("doc_url") or ""),
                details={} if details is _NO_DETAILS else details,
            )
    return _checked_finding(raw, path, i)


_NO_DETAILS: dict[str, Any] = {}


def _checked_finding(raw: object, path: Path, i: int) -> Finding:
    where = f"findings[{i}]"
    obj = _as(raw, dict, path, where)
    _opt_str(obj, "id", path, where)  # derived again from the finding (Finding.id), never trusted
    return Finding(
        rule_id=_req_str(obj, "rule_id", path, where),
        severity=_severity(obj.get("severity"), path, f"{where}.severity"),
        account_id=_opt_str(obj, "account_id", path, where),
        region=_opt_str(obj, "region", path, where),
        resource_arn=_opt_str(obj, "resource_arn", path, where),
        resource_type=_opt_str(obj, "resource_type", path, where),
        title=_req_str(obj, "title", path, where),
        message=_req_str(obj, "message", path, where),
        remediation=str(obj.get("remediation") or ""),
        doc_url=str(obj.get("doc_url") or ""),
        details=_as(obj.get("details", {}), dict, path, f"{where}.details"),
        waiver=None if obj.get("waiver") is None else _waiver(obj["waiver"], path, f"{where}.waiver"),
    )


def _waiver(raw: object, path: Path, where: str) -> FindingWaiver:
    obj = _as(raw, dict, path, where)
    entry, days_left = obj.get("entry"), obj.get("days_left")
    for key, value in (("entry", entry), ("days_left", days_left)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FindingsError(path, f"member '{where}.{key}' must be a whole number")
    status = obj.get("status")
    if status not in ("active", "expired"):
        raise FindingsError(path, f"member '{where}.status' must be active or expired")
    return FindingWaiver(
        entry=int(str(entry)),
        reason=_req_str(obj, "reason", path, where),
        owner=_req_str(obj, "owner", path, where),
        expires=_req_str(obj, "expires", path, where),
        ticket=_opt_str(obj, "ticket", path, where),
        status="active" if status == "active" else "expired",
        days_left=int(str(days_left)),
    )


def _coverage(raw: object, path: Path, i: int) -> Coverage:
    where = f"coverage[{i}]"
    obj = _as(raw, dict, path, where)
    status = obj.get("status")
    if status not in _COVERAGE_STATUSES:
        raise FindingsError(path, f"member '{where}.status' must be one of {', '.join(_COVERAGE_STATUSES)}")
    missing = _as(obj.get("missing", []), list, path, f"{where}.missing")
    reasons = _as(obj.get("reasons", []), list, path, f"{where}.reasons")
    unavailable = _as(obj.get("unavailable", []), list, path, f"{where}.unavailable")
    return Coverage(
        account_id=_req_str(obj, "account_id", path, where),
        region=_opt_str(obj, "region", path, where),
        status=status,
        missing=tuple(str(m) for m in missing),
        reasons=tuple(str(r) for r in reasons),
        unavailable=tuple(str(u) for u in unavailable),
    )


def _resource(raw: object, path: Path, i: int) -> Mapping[str, Any]:
    if type(raw) is dict:  # the quick check; the member by member one names the first bad member
        sels = raw.get("selections", _NO_SELECTIONS)
        if (
            type(raw.get("arn")) is str
            and ((protected := raw.get("protected")) is None or protected is True or protected is False)
            and type(sels) is list
            and all(type(s) is dict for s in sels)
        ):
            return raw
    return _checked_resource(raw, path, i)


_NO_SELECTIONS: list[Any] = []


def _checked_resource(raw: object, path: Path, i: int) -> Mapping[str, Any]:
    where = f"resources[{i}]"
    obj = _as(raw, dict, path, where)
    _req_str(obj, "arn", path, where)
    protected = obj.get("protected")
    if protected is not None and not isinstance(protected, bool):
        raise FindingsError(path, f"member '{where}.protected' must be true, false or null")
    for j, sel in enumerate(_as(obj.get("selections", []), list, path, f"{where}.selections")):
        _as(sel, dict, path, f"{where}.selections[{j}]")
    return obj


# ------------------------------------------------------------------------------------------------
# --fail-on
# ------------------------------------------------------------------------------------------------


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> list[Finding]:
    """The findings whose severity is at least ``threshold``, leaving out those a waiver accepted."""
    return [f for f in findings if f.severity.at_least(threshold) and not f.waived]


def fails(findings: Iterable[Finding], threshold: Severity | None) -> bool:
    """Whether ``--fail-on threshold`` should exit 1 (never when ``threshold`` is None)."""
    return threshold is not None and bool(at_or_above(findings, threshold))
