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
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

NAN: Final = math.nan
intern = sys.intern

EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})
"""An absent object member, for the fast paths below."""
_STR_OR_NONE: Final = frozenset({str, type(None)})


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


# -- fast paths: a loader of many items (recovery points, jobs) reads a well-formed item with these,
# and an item they refuse (``None``) through the accessors above, whose error names the member.


def opt_strs(d: Mapping[str, Any], keys: tuple[str, ...]) -> list[Any] | None:
    """The members ``keys`` of ``d`` when each is a string or absent (``None``), else ``None``."""
    values = list(map(d.get, keys))
    return values if _STR_OR_NONE.issuperset(map(type, values)) else None


def fast_obj(d: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """An object member (:data:`EMPTY` when absent), or ``None`` when it is not an object."""
    v = d.get(key)
    if v is None:
        return EMPTY
    return v if type(v) is dict else None
