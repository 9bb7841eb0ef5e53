"""Write and read evidence bundles (``docs/evidence-bundle.md``).

Writing is atomic: a bundle is built in a hidden temporary directory next to the target and
renamed into place by :meth:`BundleWriter.commit`. A run interrupted before that leaves only the
temporary directory (named ``.<target>.partial-*``), never a directory that looks complete.
"""

from __future__ import annotations

import errno
import gzip
import json
import math
import os
import re
import secrets
import shutil
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from auditor.errors import BundleError, OutputError
from auditor.evidence.manifest import Manifest
from auditor.outputs import record_output

MANIFEST = "manifest.json"
ORG_DIR = "organization"
ACCOUNTS_DIR = "accounts"
GLOBAL_REGION = "global"

_ACCOUNT_RE = re.compile(r"^\d{12}$")
_FILE_RE = re.compile(r"^(?P<service>[a-z0-9-]+)\.(?P<operation>[A-Za-z0-9]+)\.json(?P<gz>\.gz)?$")
_PAGINATION_MEMBERS = frozenset(
    {
        "NextToken",
        "nextToken",
        "Marker",
        "NextMarker",
        "IsTruncated",
        "ResponseMetadata",
        "LastEvaluatedTableName",
    }
)


@dataclass(frozen=True)
class Call:
    """One API call as stored in a bundle: its parameters and its (all pages merged) response."""

    params: Mapping[str, Any]
    response: Mapping[str, Any]


def json_default(value: object) -> object:
    """JSON encoder hook: timestamps as ISO 8601 in UTC, decimals as numbers, bytes as text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in an evidence bundle")


def strip_pagination(response: Mapping[str, Any]) -> dict[str, Any]:
    """Drop pagination tokens and ``ResponseMetadata`` from a (merged) response."""
    return {k: v for k, v in response.items() if k not in _PAGINATION_MEMBERS}


def _check_account(account_id: str) -> None:
    if not _ACCOUNT_RE.match(account_id):
        raise ValueError(f"not an AWS account id: {account_id!r}")


def _file_name(service: str, operation: str, compress: bool) -> str:
    return f"{service}.{operation}.json" + (".gz" if compress else "")


def _staging_dir(target: Path) -> Path:
    """A new hidden directory next to ``target``, created like every other directory of the
    bundle: mode 0777 less the umask (``tempfile.mkdtemp`` would make it 0700 and the bundle root
    alone private)."""
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
        try:
            candidate.mkdir(mode=0o777)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(errno.EEXIST, "no free name for a staging directory", str(target.parent))


def looks_like_bundle(path: Path) -> bool:
    """A directory ``--force`` may replace: an evidence bundle (it has ``manifest.json``) or empty."""
    return path.is_dir() and ((path / MANIFEST).is_file() or not any(path.iterdir()))


def check_replaceable(target: Path) -> None:
    """Refuse to replace (``--force``) anything that is not an evidence bundle or an empty directory:
    a mistyped ``--out`` must never delete someone's files."""
    if not looks_like_bundle(target):
        kind = "a directory" if target.is_dir() else "a file"
        raise BundleError(
            target,
            f"is {kind} that is not an evidence bundle (no {MANIFEST}); --force replaces only a "
            "bundle or an empty directory: remove it yourself or choose another --out",
        )


class BundleWriter:
    """Builds a bundle in a temporary directory and moves it into place on :meth:`commit`.

    Thread-safe for :meth:`write_calls` from several threads (and safe from one event loop).
    Use as a context manager: leaving the block without ``commit()`` (an exception, Ctrl-C)
    removes the temporary directory.
    """

    def __init__(self, target: Path | str, *, force: bool = False, compress: bool = False) -> None:
        self.target = Path(target)
        self.compress = compress
        if self.target.exists() and not force:
            raise BundleError(self.target, "already exists; pass --force to replace it")
        if self.target.exists():
            check_replaceable(self.target)
        self._created_parents = [
            d for d in (self.target.parent, *self.target.parent.parents) if not d.exists()
        ]
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = _staging_dir(self.target)
        except OSError as exc:  # read-only place, or a file where a directory must be
            self._remove_created_parents()
            raise OutputError(self.target, "the evidence bundle", exc) from exc
        self._force = force
        self._written: set[Path] = set()
        self._made: set[Path] = set()
        self._lock = threading.Lock()
        self._committed = False

    @property
    def staging_dir(self) -> Path:
        return self._tmp

    def _path_for(self, account_id: str | None, region: str | None, service: str, operation: str) -> Path:
        name = _file_name(service, operation, self.compress)
        if account_id is None:
            return self._tmp / ORG_DIR / name
        _check_account(account_id)
        return self._tmp / ACCOUNTS_DIR / account_id / (region or GLOBAL_REGION) / name

    def write_calls(
        self,
        account_id: str | None,
        region: str | None,
        service: str,
        operation: str,
        calls: Sequence[Call],
    ) -> Path:
        """Write every call of one operation for one scope (organization, account-region, or global).

        ``account_id=None`` means an organization-level call; ``region=None`` with an account
        means a global endpoint. Each file is written once: a second write for the same file is
        a programming error.
        """
        path = self._path_for(account_id, region, service, operation)
        payload = [{"params": dict(c.params), "response": strip_pagination(c.response)} for c in calls]
        data = json.dumps(payload, default=json_default, separators=(",", ":")).encode()
        with self._lock:
            if path in self._written:
                raise RuntimeError(f"{path.relative_to(self._tmp)} written twice")
            self._written.add(path)
        if path.parent not in self._made:  # one mkdir per directory, not one per file
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        if self.compress:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        path.write_bytes(data)
        return path

    def commit(self, manifest: Manifest) -> Path:
        """Write the manifest last, then rename the staging directory onto the target."""
        manifest_path = self._tmp / MANIFEST
        manifest_path.write_text(json.dumps(manifest.to_json(), indent=2, default=json_default) + "\n")
        if self.target.exists():
            if not self._force:
                raise BundleError(self.target, "appeared while collecting; pass --force to replace it")
            check_replaceable(self.target)
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            self.target.rename(old)
            self._tmp.rename(self.target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self._tmp.rename(self.target)
        self._committed = True
        record_output(self.target)
        return self.target

    def abort(self) -> None:
        """Remove the staging directory, and the parent directories this writer created, unless
        committed: an aborted run leaves the file system as it found it."""
        if self._committed:
            return
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._remove_created_parents()

    def _remove_created_parents(self) -> None:
        for directory in self._created_parents:  # deepest first
            try:
                directory.rmdir()
            except OSError:  # not empty (something else wrote there) or already gone: keep it
                break

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.abort()


class Bundle:
    """A bundle on disk, read lazily. Every error names the file that is wrong."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest

    def _find(self, directory: Path, service: str, operation: str) -> Path | None:
        plain = directory / _file_name(service, operation, False)
        packed = directory / _file_name(service, operation, True)
        if plain.is_file() and packed.is_file():
            raise _both_forms(packed)
        if plain.is_file():
            return plain
        if packed.is_file():
            return packed
        return None

    def has(self, account_id: str | None, region: str | None, service: str, operation: str) -> bool:
        return self._find(self._dir(account_id, region), service, operation) is not None

    def _dir(self, account_id: str | None, region: str | None) -> Path:
        if account_id is None:
            return self.path / ORG_DIR
        return self.path / ACCOUNTS_DIR / account_id / (region or GLOBAL_REGION)

    def calls(
        self, account_id: str | None, region: str | None, service: str, operation: str
    ) -> list[Call] | None:
        """All calls stored for one operation in one scope; ``None`` when the file is absent."""
        found = self._find(self._dir(account_id, region), service, operation)
        if found is None:
            return None
        return load_calls(found)

    def org_calls(self, service: str, operation: str) -> list[Call] | None:
        return self.calls(None, None, service, operation)

    def iter_files(self) -> Iterator[tuple[str | None, str | None, str, str, Path]]:
        """Every operation file: (account_id, region, service, operation, path). Unknown files
        skipped; an operation stored both plain and gzip-compressed is a :class:`BundleError`."""
        org = self.path / ORG_DIR
        if org.is_dir():
            for service, operation, f in _operation_files(org):
                yield None, None, service, operation, f
        accounts = self.path / ACCOUNTS_DIR
        if not accounts.is_dir():
            return
        for acct in sorted(accounts.iterdir()):
            if not (acct.is_dir() and _ACCOUNT_RE.match(acct.name)):
                continue
            for reg in sorted(acct.iterdir()):
                if not reg.is_dir():
                    continue
                region = None if reg.name == GLOBAL_REGION else reg.name
                for service, operation, f in _operation_files(reg):
                    yield acct.name, region, service, operation, f


def _both_forms(packed: Path) -> BundleError:
    plain = packed.with_name(packed.name.removesuffix(".gz"))
    return BundleError(
        packed, f"{plain.name} is there too: an operation is stored once, plain or gzip-compressed; keep one"
    )


def _operation_files(directory: Path) -> Iterator[tuple[str, str, Path]]:
    """(service, operation, path) of each operation file of one directory, in name order."""
    seen: set[tuple[str, str]] = set()
    for f in sorted(directory.iterdir()):
        m = _FILE_RE.match(f.name)
        if not m:
            continue
        key = (m["service"], m["operation"])
        if key in seen:  # sorted: X.json comes right before X.json.gz
            raise _both_forms(f)
        seen.add(key)
        yield m["service"], m["operation"], f


@cache
def _called_once() -> frozenset[str]:
    """Operations called once per scope (not per listed item, not per account): their file is never
    an empty array. Imported when first needed: the service declarations import this package."""
    from auditor.services import ORGANIZATION_OPERATIONS, REGIONAL_OPERATIONS

    return frozenset(
        op.key
        for op in (*REGIONAL_OPERATIONS, *ORGANIZATION_OPERATIONS)
        if not op.per_item and not op.per_account
    )


def _operation_key(name: str) -> str | None:
    m = _FILE_RE.match(name)
    return f"{m['service']}.{m['operation']}" if m else None


# AWS numbers are finite, and integers fit in 64 bits (the API "long"). Python's json module would
# read NaN / Infinity / 1e400 as non-finite floats and 10**400 as an int no column can hold.
_LONG_LIMIT = 2**63
_DIGITS_ONLY = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
"""``bytes.translate`` table turning every decimal digit into ``0`` and blanking the rest: a C-speed scan for long
digit runs (about 4% of ``json.loads``), where a regular expression would cost more than parsing."""
_LONGEST_LONG = 19  # digits of 2**63 - 1
_LONG_RUN = b"0" * _LONGEST_LONG
_SCAN_BYTES = 1 << 16
"""A text up to this size is scanned in one ``translate``; a larger one with numpy, this much at a
time (plus the length of a run, so a run across two pieces is seen whole): each piece stays in the
processor's cache."""


def has_long_digit_run(raw: bytes) -> bool:
    """Whether ``raw`` holds a run of 19 or more decimal digits."""
    if len(raw) <= _SCAN_BYTES:
        return _LONG_RUN in raw.translate(_DIGITS_ONLY)
    return _numpy_digit_run(raw)


def _numpy_digit_run(raw: bytes) -> bool:
    """:func:`has_long_digit_run` of a large text, vectorised: a digit mask, then runs of 2, 4, 8,
    16 and 19 digits by AND-ing the mask with itself shifted (about 2.3 times faster than
    ``translate``, which is a third of the cost of parsing the text with orjson)."""
    import numpy as np  # evaluate reads large files; collecting and the manifest do not need numpy

    text = np.frombuffer(raw, dtype=np.uint8)
    step = _SCAN_BYTES
    overlap = _LONGEST_LONG - 1
    for i in range(0, len(text), step):
        digit = (text[i : i + step + overlap] - 48) < 10  # uint8 arithmetic wraps below "0"
        run = digit[1:] & digit[:-1]  # run[k]: digits at k .. k+1
        run = run[2:] & run[:-2]  # k .. k+3
        run = run[4:] & run[:-4]  # k .. k+7
        run = run[8:] & run[:-8]  # k .. k+15
        run = run[3:] & run[:-3]  # k .. k+18: 19 digits
        if run.any():
            return True
    return False


class _NumberError(ValueError):
    pass


def _constant(text: str) -> object:
    raise _NumberError(f"{text} is not a JSON number")


def _int(text: str) -> int:
    value = int(text)
    if not -_LONG_LIMIT <= value < _LONG_LIMIT:
        raise _NumberError(f"integer {text[:24]}{'...' if len(text) > 24 else ''} is out of the 64-bit range")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberError(f"number {text[:24]} is out of range")
    return value


def parse_json(raw: bytes, path: Path | str) -> Any:
    """``json.loads`` for bundle files: malformed JSON, NaN / Infinity and out-of-range numbers
    are a :class:`BundleError` naming ``path``. Integers are range-checked one by one only when
    the text holds a run of 19 or more digits, so ordinary files parse at full speed.

    Files without such a run are parsed by orjson (about three times faster): where it accepts a
    text, ``json.loads`` reads the same values (it rejects NaN / Infinity, numbers that overflow a
    double, lone surrogates, a byte order mark: all of which go to ``json.loads``, whose messages
    the errors keep); integers of 19 digits or more, which orjson reads up to 2**64 or as floats,
    never reach it."""
    long_digits = has_long_digit_run(raw)
    if not long_digits:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # json.loads below reads what orjson does not (e.g. a lone surrogate) or names the fault
    try:
        if long_digits:
            return json.loads(raw, parse_constant=_constant, parse_float=_float, parse_int=_int)
        return json.loads(raw, parse_constant=_constant, parse_float=_float)
    except _NumberError as exc:
        raise BundleError(path, f"bad number: {exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(path, f"malformed JSON: {exc}") from exc
    except RecursionError as exc:
        raise BundleError(path, "malformed JSON: nested too deeply") from exc


def load_calls(path: Path | str) -> list[Call]:
    """Parse one operation file; raise :class:`BundleError` naming it when malformed. ``path``
    may be a string (the loader keeps them so: a ``Path`` per file of a large bundle costs)."""
    name = path.name if isinstance(path, Path) else os.path.basename(path)  # noqa: PTH119 (no Path per file)
    try:
        with open(path, "rb") as fh:  # noqa: PTH123 (a string path: no Path per file)
            raw = fh.read()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BundleError(path, f"cannot read: {exc}") from exc
    data = parse_json(raw, path)
    if not isinstance(data, list):
        raise BundleError(path, f"expected a JSON array of calls, found {type(data).__name__}")
    if not data and _operation_key(name) in _called_once():
        raise BundleError(
            path,
            "holds no call: this operation is called once per scope, so its file holds that call; "
            "an operation that was not collected has no file (and its failure is in manifest.json errors)",
        )
    calls: list[Call] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise BundleError(path, f"call [{i}] must be an object, found {type(item).__name__}")
        params = item.get("params", {})
        response = item.get("response")
        if not isinstance(params, dict):
            raise BundleError(path, f"call [{i}]: 'params' must be an object")
        if not isinstance(response, dict):
            raise BundleError(path, f"call [{i}]: 'response' must be an object")
        calls.append(Call(params=params, response=response))
    return calls


def read_bundle(path: Path | str) -> Bundle:
    """Open a bundle directory and validate its manifest."""
    root = Path(path)
    if not root.exists():
        raise BundleError(root, "no such bundle directory")
    if not root.is_dir():
        raise BundleError(root, "not a directory (an evidence bundle is a directory with manifest.json)")
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(manifest_path, "missing: this directory is not a complete evidence bundle")
    try:
        raw = manifest_path.read_bytes()
    except OSError as exc:
        raise BundleError(manifest_path, f"cannot read: {exc}") from exc
    data = parse_json(raw, manifest_path)
    return Bundle(root, Manifest.from_json(data, manifest_path))
