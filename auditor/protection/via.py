"""How a backup selection reaches a resource (:class:`Via`), with every wording of each route.

The ``via`` column of ``Protection.matches`` holds :class:`Via` values. Each route has four
wordings, all kept in :data:`_WORDING` (the one table; everything else asks the enum):

* ``short``: in a verdict reason, "protected by plan `P` / selection `S` (<short>)";
* ``describe``: in a reason, "selected by plan `P` / selection `S` <describe>, but ...";
* ``finding``: in a finding message, "plan `P` / selection `S` (<finding>)";
* ``trail``: the head of an ``explain`` line, "<trail> `pattern`; ...".

Which routes need the type's opt-in: a selection naming an exact ARN or a resource-type pattern
backs a resource up with the opt-in off, any other route needs it on, and Aurora, Neptune and
DocumentDB always need it (AWS Backup guide, "Opt in to managing services with AWS Backup";
`Assign resources with AWS CLI
<https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html>`_).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from auditor.services import always_opt_in_types

#: Types AWS Backup backs up only when their opt-in is on, however they are selected (AWS Backup
#: guide, "Opt in to managing services with AWS Backup"): the kinds declared
#: ``always_needs_opt_in`` (Aurora, Neptune, DocumentDB).
ALWAYS_NEED_OPT_IN: Final = always_opt_in_types()


class Via(StrEnum):
    """How a selection reaches a resource; decides whether the type's opt-in matters."""

    ARN = "arn"
    """An exact ARN in ``Resources``."""
    TYPE = "type"
    """A ``Resources`` pattern that fixes service and resource type (``arn:aws:ec2:*:*:instance/*``)."""
    SERVICE = "service"
    """A ``Resources`` pattern that fixes only the service (``arn:aws:ec2:*``)."""
    ALL = "all"
    """``"*"``, or a pattern that does not even fix the service."""
    EMPTY = "empty"
    """A selection with no Resources, ListOfTags or Conditions."""
    TAGS = "tags"
    """Only tags: ``ListOfTags``, or ``Conditions`` without ``Resources``."""
    INSTANCE = "instance"
    """Not a selection route: the selection protects the EC2 instance an EBS volume is attached
    to, and AWS Backup backs the volume up with it (see :mod:`auditor.protection.parents`)."""
    STACK = "stack"
    """Not a selection route: the selection protects a CloudFormation stack the resource is part
    of, and AWS Backup backs the resource up in the stack's composite recovery point."""

    @property
    def needs_opt_in(self) -> bool:
        """Whether the type's opt-in must be on (Aurora, Neptune, DocumentDB always need it)."""
        return self not in (Via.ARN, Via.TYPE)

    @property
    def short(self) -> str:
        """For "protected by plan `P` / selection `S` (<short>)"."""
        return _WORDING[self].short

    @property
    def describe(self) -> str:
        """How a selection reached a resource, for "selected by ... <describe>" sentences."""
        return _WORDING[self].describe

    @property
    def finding(self) -> str:
        """For finding messages: "plan `P` / selection `S` (<finding>)"."""
        return _WORDING[self].finding

    @property
    def trail(self) -> str:
        """The head of an ``explain`` selection line when the selection selects the resource."""
        return _WORDING[self].trail

    @property
    def trail_names_pattern(self) -> bool:
        """Whether the ``explain`` head goes on with the ``Resources`` pattern that matched."""
        return self not in (Via.TAGS, Via.EMPTY)


@dataclass(frozen=True)
class _Words:
    short: str
    describe: str
    finding: str
    trail: str


_WORDING: Final[Mapping[Via, _Words]] = {
    Via.ARN: _Words(
        "exact ARN",
        "by its exact ARN",
        "by its exact ARN",
        "selected by exact ARN",
    ),
    Via.TYPE: _Words(
        "resource type",
        "by resource type",
        "by a resource-type ARN pattern",
        "selected by a resource-type pattern",
    ),
    Via.SERVICE: _Words(
        "service-wide ARN pattern",
        "only through a service-wide ARN pattern",
        "by a service-wide ARN pattern",
        "selected by a service-wide pattern",
    ),
    Via.ALL: _Words(
        '"*"',
        'only through "*"',
        "by '*'",
        'selected by "*"',
    ),
    Via.EMPTY: _Words(
        "empty selection",
        "only as an empty selection (all opted-in resources)",
        "as an empty selection (all opted-in resources)",
        "selected as an empty selection (all supported, opted-in resources)",
    ),
    Via.TAGS: _Words(
        "tags",
        "only through tags",
        "through tags / conditions only",
        "selected through tags",
    ),
    Via.INSTANCE: _Words(
        "its EC2 instance",
        "through the EC2 instance it is attached to",
        "through the EC2 instance it is attached to",
        "protected through the EC2 instance it is attached to",
    ),
    Via.STACK: _Words(
        "its CloudFormation stack",
        "through the CloudFormation stack it is part of",
        "through the CloudFormation stack it is part of",
        "protected through the CloudFormation stack it is part of",
    ),
}

#: ``via`` column value -> :attr:`Via.finding`, for mapping a whole column of a matches frame.
FINDING_TEXT: Final[Mapping[str, str]] = {v.value: v.finding for v in Via}

__all__ = ["ALWAYS_NEED_OPT_IN", "FINDING_TEXT", "Via"]
