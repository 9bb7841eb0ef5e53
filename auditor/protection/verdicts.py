"""Verdicts: whether a match is effective, and whether a resource is protected by its own matches.

* A resource AWS Backup cannot protect (RDS Custom, engines ``custom-*``; RDS on Outposts; an S3
  bucket without versioning enabled) is never protected (AWS Backup guide, "Working with Amazon RDS
  and Aurora", "Amazon S3 backups").
* A match by exact ARN or resource-type pattern is effective with the type's opt-in off, except
  for the types in :data:`~auditor.protection.via.ALWAYS_NEED_OPT_IN`; any other route needs the
  opt-in on (see :class:`~auditor.protection.via.Via`).
* Protected: True when a match is effective; else None (not audited) when a deciding operation,
  or a tag operation of the type while a selection uses tags, was not collected; else False.

Protection through a parent (an EBS volume through its EC2 instance) comes after these verdicts,
in :mod:`auditor.protection.parents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from auditor.protection.inputs import Gap
from auditor.protection.via import ALWAYS_NEED_OPT_IN, Via

BLOCKED_OPT_IN: Final = "opt-in"
BLOCKED_OPT_IN_UNKNOWN: Final = "opt-in-unknown"
BLOCKED_UNSUPPORTED: Final = "unsupported"

_NO_OPT_IN_NEEDED: Final = frozenset(v for v in Via if not v.needs_opt_in)


def unsupported_reason(
    rds_custom: bool, on_outposts: bool, resource_type: str, versioning: str | None = None
) -> str | None:
    """``rds-custom``, ``outposts``, ``s3-versioning`` or None: why AWS Backup cannot protect the
    resource. An S3 bucket needs versioning enabled ("Suspended" or never enabled: it cannot be
    backed up; https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html)."""
    if rds_custom:
        return "rds-custom"
    if on_outposts and resource_type == "RDS":
        return "outposts"
    if resource_type == "S3" and versioning in ("Disabled", "Suspended"):
        return "s3-versioning"
    return None


def effectiveness(
    via: Via, resource_type: str, opt_in: bool | None, unsupported: str | None
) -> tuple[bool, str | None]:
    """``(effective, blocked_by)`` for a resource a selection reaches through ``via``."""
    if unsupported is not None:
        return False, BLOCKED_UNSUPPORTED
    if via in _NO_OPT_IN_NEEDED and resource_type not in ALWAYS_NEED_OPT_IN:
        return True, None
    if opt_in is True:
        return True, None
    return False, BLOCKED_OPT_IN if opt_in is False else BLOCKED_OPT_IN_UNKNOWN


def own_verdict(unsupported: str | None, any_effective: bool, gaps: Sequence[Gap]) -> bool | None:
    """The verdict from the resource's own matches (``any_effective``: one of them is effective);
    ``gaps``: what leaves it undecided."""
    if unsupported is not None:
        return False
    if any_effective:
        return True
    return None if gaps else False


class VerdictColumns:
    """The columns of the verdicts frame, filled position by position (a frame builder)."""

    __slots__ = ("opt_in", "protected", "reasons", "unsupported")

    def __init__(self, n: int) -> None:
        self.protected: list[bool | None] = [None] * n
        self.reasons: list[str] = [""] * n
        self.unsupported: list[str | None] = [None] * n
        self.opt_in: list[bool | None] = [None] * n
