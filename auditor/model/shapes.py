"""Shape checks for response members: each accessor returns the member or raises :class:`ShapeError`.

Loaders (``auditor.services.*``) read response dicts only through these, so a file that is not the
shape botocore describes (a member of the wrong type, a list item that is not an object) ends in one
:class:`auditor.errors.BundleError` naming the file, the call and the member, never a ``KeyError``.
``where`` is the member path so far (``"DBInstances[3]."``); the loading context adds the file and
the call (:meth:`auditor.model.loading.Context.each`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

NAN: Final = math.nan
intern = sys.intern

_STR_OR_NONE: Final = frozenset({str, type(None)})
_NUMBER_OR_NONE: Final = frozenset({int, float, type(None)})


class ShapeError(Exception):
    """A member of a response is not what botocore's model says; converted to BundleError."""


def type_name(v: object) -> str:
    return "null" if v is None else type(v).__name__


def _bad(where: str, key: str, expected: str, value: object) -> ShapeError:
    return ShapeError(f"member '{where}{key}' must be {expected}, found {type_name(value)}")


def list_of(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """A list member; ``[]`` when absent."""
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _bad(where, key, "a list", v)
    return v


def as_obj(v: object, where: str) -> Mapping[str, Any]:
    """A list item (or response) that must be an object."""
    if not isinstance(v, dict):
        raise ShapeError(f"'{where.rstrip('.')}' must be an object, found {type_name(v)}")
    return v


def obj_of(d: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """An object member; ``{}`` when absent."""
    v = d.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _bad(where, key, "an object", v)
    return v


def str_of(d: Mapping[str, Any], key: str, where: str) -> str:
    """A required string member."""
    v = d.get(key)
    if not isinstance(v, str):
        raise _bad(where, key, "a string", v)
    return v


def opt_str(d: Mapping[str, Any], key: str, where: str) -> str | None:
    """An optional string member."""
    v = d.get(key)
    if v is None or isinstance(v, str):
        return v
    raise _bad(where, key, "a string", v)


def num_of(d: Mapping[str, Any], key: str, where: str) -> float:
    """A number member as float; NaN when absent."""
    v = d.get(key)
    if v is None:
        return NAN
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(where, key, "a number", v)
    return float(v)


def opt_num(d: Mapping[str, Any], key: str, where: str) -> float | None:
    """A number member as float; ``None`` when absent."""
    v = num_of(d, key, where)
    return None if math.isnan(v) else v


def bool_of(d: Mapping[str, Any], key: str, where: str, default: bool = False) -> bool:
    """A boolean member; ``default`` when absent."""
    v = d.get(key)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise _bad(where, key, "a boolean", v)
    return v


def strs_of(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list-of-strings member as a tuple; ``()`` when absent."""
    v = list_of(d, key, where)
    for i, x in enumerate(v):
        if not isinstance(x, str):
            raise ShapeError(f"member '{where}{key}[{i}]' must be a string, found {type_name(x)}")
    return tuple(v)


def tags_of(d: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    """A ``[{"Key": k, "Value": v}]`` tag list (RDS ``TagList``, EC2/EFS/FSx ``Tags`` ...)."""
    v = d.get(key)
    if not v:
        return {}
    if type(v) is list:
        try:  # the usual case at C speed; anything else (intern refuses a non-string) is read below
            return {intern(t["Key"]): intern(t["Value"]) for t in v}
        except (TypeError, KeyError):
            pass
    if not isinstance(v, list):
        raise _bad(where, key, "a list of {Key, Value}", v)
    out: dict[str, str] = {}
    for t in v:
        if not isinstance(t, dict):
            raise ShapeError(f"member '{where}{key}' must hold {{Key, Value}} objects, found {type_name(t)}")
        k = t.get("Key")
        val = t.get("Value", "")
        if not isinstance(k, str) or not isinstance(val, str):
            raise ShapeError(f"member '{where}{key}' has a tag whose Key/Value is not a string: {t!r:.80}")
        out[intern(k)] = intern(val)
    return out


def tag_map_of(d: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    """A ``{"key": "value"}`` tag map (Systems Manager for SAP ``Tags``)."""
    v = d.get(key)
    if not v:
        return {}
    if not isinstance(v, dict):
        raise _bad(where, key, "a map of tag keys to values", v)
    out: dict[str, str] = {}
    for k, val in v.items():
        if not isinstance(k, str) or not isinstance(val, str):
            raise ShapeError(f"member '{where}{key}' has a tag whose key/value is not a string: {k!r:.40}")
        out[intern(k)] = intern(val)
    return out


# -- bulk items: one declaration per list of many items (recovery points, jobs ...) -----------------

STR: Final = "str"
"""A required string member (:func:`str_of`)."""
OPT_STR: Final = "opt_str"
"""An optional string member (:func:`opt_str`)."""
NUM: Final = "num"
"""A number member as float, NaN when absent (:func:`num_of`)."""
BOOL: Final = "bool"
"""A boolean member, False when absent (:func:`bool_of`)."""
_READERS: Final = {STR: str_of, OPT_STR: opt_str, NUM: num_of, BOOL: bool_of}
_ABSENT: Final[dict[str, Any]] = {}
"""An absent object member in the fast reading (only read; a member that is null goes the checked way)."""


@dataclass(frozen=True)
class Member:
    """One column of a bulk item's row: the member ``key`` (of the object member ``inside``, when
    given) read as ``kind``; ``or_default``: an empty or absent value gives way to the default the
    caller passes (a recovery point's vault: the ``BackupVaultName`` its call was made for)."""

    column: str
    key: str
    kind: str = OPT_STR
    inside: str | None = None
    or_default: bool = False


class ItemSpec:
    """How to read each item of one list member (``RecoveryPoints``, ``BackupJobs`` ...) into a row.

    ``members`` are listed in the order the checked reading reads them: it first checks the item
    is an object, then each object member holding others (``CreatedBy``, in the order members
    name them first), then each member in turn, so its error names the first bad one in that order.
    ``given`` are the row's other columns (account, region), given per call. Rows are tuples in the
    order of ``row_type``'s fields (plain tuples, or ``row_type`` instances with ``named``).

    :meth:`read` reads an item in one pass with code generated from the declaration (as
    ``collections.namedtuple`` generates ``__new__``): no call per member, the types checked in
    bulk. An item it refuses (not an object, a member of another type, a null object member) is read
    member by member by :meth:`checked`, which raises the :class:`ShapeError` naming the member, or
    gives the row (a null member is as absent): both readings give equal rows.
    """

    def __init__(
        self,
        list_key: str,
        row_type: type[Any],
        members: tuple[Member, ...],
        given: tuple[str, ...] = ("account_id", "region"),
        *,
        named: bool = False,
    ) -> None:
        fields: tuple[str, ...] = row_type._fields
        columns = [m.column for m in members]
        named_twice = {c for c in (*given, *columns) if (*given, *columns).count(c) > 1}
        unknown = (set(given) | set(columns)) - set(fields)
        defaults: dict[str, Any] = row_type._field_defaults
        unread = [f for f in fields if f not in given and f not in columns]
        if named_twice or unknown or any(f not in defaults for f in unread):
            raise ValueError(
                f"{list_key}: members and given columns must name {row_type.__name__}'s fields once"
            )
        for m in members:
            if m.kind not in _READERS:
                raise ValueError(f"{list_key}: {m.column}: unknown kind {m.kind!r}")
        self.list_key = list_key
        self.row_type = row_type
        self.members = members
        self.given = given
        self.named = named
        self.objects: tuple[str, ...] = tuple(dict.fromkeys(m.inside for m in members if m.inside))
        """Object members holding members, in the order the members name them first."""
        self._defaults = tuple(defaults[f] for f in unread)
        """Values of the row's columns neither given nor read (its defaults)."""
        self._order = tuple(
            ("g", given.index(f))
            if f in given
            else ("m", columns.index(f))
            if f in columns
            else ("d", unread.index(f))
            for f in fields
        )
        self.fast_source = self._source()
        """The generated one-pass reading (kept for reading and for tests)."""
        namespace: dict[str, Any] = {
            "_E": _ABSENT,
            "_NAN": NAN,
            "_NN": _NUMBER_OR_NONE,
            "_new": tuple.__new__,
            "_cls": row_type,
            "_D": self._defaults,
        }
        exec(self.fast_source, namespace)  # code generated from this module's declarations
        self.fast: Callable[[list[Any], int, int, list[Any], tuple[Any, ...], str | None], int] = namespace[
            "fast"
        ]
        """``fast(items, start, stop, rows, given, default)``: appends the rows of
        ``items[start:stop]`` to ``rows`` up to the first item it refuses; returns that item's
        index (``stop``: none)."""

    def _source(self) -> str:
        """The source of :attr:`fast`."""
        ms = self.members
        body = ["    get = item.get"]
        objs = {o: f"o{i}" for i, o in enumerate(self.objects)}
        for o, var in objs.items():
            body.append(f"    {var} = get({o!r}, _E)")
        if objs:
            body.append(f"    if {' or '.join(f'type({v}) is not dict' for v in objs.values())}:")
            body.append("        return j")
        for i, m in enumerate(ms):
            getter = "get" if m.inside is None else f"{objs[m.inside]}.get"
            body.append(f"    v{i} = {getter}({m.key!r})")
        refused = {
            STR: "type({v}) is not str",
            OPT_STR: "({v} is not None and type({v}) is not str)",
            NUM: "type({v}) not in _NN",
            BOOL: "({v} is not None and type({v}) is not bool)",
        }
        checks = [refused[m.kind].format(v=f"v{i}") for i, m in enumerate(ms)]
        if checks:
            body.append(f"    if {' or '.join(checks)}:")
            body.append("        return j")
        values = []
        for where, k in self._order:
            if where != "m":
                values.append(f"g{k}" if where == "g" else f"_D[{k}]")
                continue
            m, v = ms[k], f"v{k}"
            if m.kind == NUM:
                values.append(f"_NAN if {v} is None else float({v})")
            elif m.kind == BOOL:
                values.append(f"{v} is True")
            else:
                values.append(f"{v} or default" if m.or_default else v)
        row = f"({', '.join(values)},)"
        body.append(f"    append(_new(_cls, {row}))" if self.named else f"    append({row})")
        lines = [
            "def fast(items, start, stop, rows, given, default):",
            "    append = rows.append",
            *(f"    g{k} = given[{k}]" for k in range(len(self.given))),
            "    for j in range(start, stop):",
            "        item = items[j]",
            "        if type(item) is not dict:",
            "            return j",
            *(f"    {line}" for line in body),
            "    return stop",
        ]
        return "\n".join(lines) + "\n"

    def read(
        self,
        items: list[Any],
        given: tuple[Any, ...],
        default: str | None = None,
        start: int = 0,
        stop: int | None = None,
    ) -> list[Any]:
        """The rows of ``items[start:stop]`` (``items``: the list member, as :func:`list_of` gives
        it), in order."""
        rows: list[Any] = []
        n = len(items) if stop is None else min(stop, len(items))
        j = self.fast(items, start, n, rows, given, default)
        while j < n:
            rows.append(self.checked(items[j], f"{self.list_key}[{j}].", given, default))
            j = self.fast(items, j + 1, n, rows, given, default)
        return rows

    def checked(self, item: object, where: str, given: tuple[Any, ...], default: str | None = None) -> Any:
        """The row of one item read member by member; :class:`ShapeError` naming the first bad
        member (``where``: the item's path, ``"RecoveryPoints[3]."``)."""
        obj = as_obj(item, where)
        inner = {o: obj_of(obj, o, where) for o in self.objects}
        values: list[Any] = []
        for m in self.members:
            if m.inside is None:
                v = _READERS[m.kind](obj, m.key, where)
            else:
                v = _READERS[m.kind](inner[m.inside], m.key, f"{where}{m.inside}.")
            values.append(v or default if m.or_default else v)
        row = tuple(
            given[k] if w == "g" else values[k] if w == "m" else self._defaults[k] for w, k in self._order
        )
        return tuple.__new__(self.row_type, row) if self.named else row
