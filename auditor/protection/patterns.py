"""Pattern matching of AWS Backup selections: ARN wildcards, tag conditions, selection routes.

Semantics (``/work/shared/docs/selection-semantics.md``, from the AWS pages cited below):

* ``Resources`` / ``NotResources`` hold ARN patterns; ``*`` matches zero or more non-whitespace
  characters, ``:`` and ``/`` included ("The wildcard * represents zero or more non-whitespace
  characters"); every other character (``?`` included) is literal; ``"*"`` alone matches every
  resource. (`BackupSelection
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html>`_;
  `Assign resources with AWS CLI
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html>`_)
* ``Conditions`` (``StringEquals``, ``StringNotEquals``, ``StringLike``, ``StringNotLike``) are
  AND-ed, case-sensitive; ``StringLike``/``StringNotLike`` take ``*`` (any run) and ``?`` (one
  character). Keys are ``aws:ResourceTag/KEY``. (`Conditions
  <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Conditions.html>`_)
* ``StringNotEquals`` / ``StringNotLike`` on a resource without the key: API_Conditions filters
  "resources that you tagged that do not have the same value", so a resource lacking the key does
  **not** satisfy them. That reading is :data:`MISSING_KEY_READING`; ``explain`` prints it
  whenever it decides a verdict.
* ``ListOfTags``: ``StringEquals`` only, OR-ed with each other and with ``Resources``; the key may
  be ``KEY`` or ``aws:ResourceTag/KEY``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Final

from auditor.protection.via import ALWAYS_NEED_OPT_IN, Via

TAG_KEY_PREFIX: Final = "aws:ResourceTag/"
MISSING_KEY_READING: Final = (
    "StringNotEquals/StringNotLike on a resource that lacks the tag key do not hold "
    "(API_Conditions: they filter resources 'that you tagged' with a different value)"
)
LIST_OF_TAGS_READING: Final = (
    "ListOfTags is OR-ed with Resources and Conditions: a ListOfTags match selects the resource "
    "even where Conditions fail (AWS documents ListOfTags OR Resources, not ListOfTags with Conditions)"
)
#: Preference when several routes reach the same resource: the first that needs no opt-in wins.
VIA_RANK: Final[Mapping[Via, int]] = {v: i for i, v in enumerate(Via)}

_TYPE_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*[/:]")


def selection_label(plan_name: object, selection_name: object) -> str:
    """``plan `P` / selection `S```: how reasons, ``explain`` and findings name a selection."""
    return f"plan `{plan_name}` / selection `{selection_name}`"


def arn_regex(pattern: str) -> str:
    """The regular expression (for ``fullmatch``) equivalent to an ARN pattern: ``*`` is ``\\S*``
    (Assign resources with AWS CLI: "The wildcard * represents zero or more non-whitespace
    characters"). Well-formed ARNs hold no whitespace, so this only matters for odd input."""
    return r"\S*".join(re.escape(part) for part in pattern.split("*"))


@lru_cache(maxsize=65536)
def _compiled_arn(pattern: str) -> re.Pattern[str]:
    return re.compile(arn_regex(pattern))


def match_arn(pattern: str, arn: str) -> bool:
    """Whether an ARN pattern of ``Resources``/``NotResources`` matches ``arn`` (case-sensitive)."""
    if pattern == "*":
        return True
    if "*" not in pattern:
        return pattern == arn
    return _compiled_arn(pattern).fullmatch(arn) is not None


def like_regex(value: str) -> str:
    """The regular expression (for ``fullmatch``) of a ``StringLike`` value: ``*`` and ``?``."""
    out = []
    for ch in value:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def _compiled_like(value: str) -> re.Pattern[str]:
    return re.compile(like_regex(value), re.DOTALL)


def string_like(pattern: str, value: str) -> bool:
    """``StringLike`` comparison: case-sensitive, ``*`` any run, ``?`` exactly one character."""
    if "*" not in pattern and "?" not in pattern:
        return pattern == value
    return _compiled_like(pattern).fullmatch(value) is not None


def tag_key(condition_key: str) -> str:
    """``aws:ResourceTag/env`` -> ``env``; a bare key is returned unchanged."""
    return condition_key.removeprefix(TAG_KEY_PREFIX)


def _matcher(pattern: str) -> Callable[[str], bool]:
    if pattern == "*":
        return lambda _arn: True
    if "*" not in pattern:
        return pattern.__eq__
    regex = _compiled_arn(pattern)
    return lambda arn: regex.fullmatch(arn) is not None


@dataclass(frozen=True)
class ArnPattern:
    """One ``Resources``/``NotResources`` entry, classified."""

    text: str
    kind: Via
    service: str | None
    """The literal service the pattern fixes (``ec2``), ``None`` when it does not fix one."""
    matches: Callable[[str], bool] = field(init=False, repr=False, compare=False)
    """``matches(arn)``: same result as :func:`match_arn` (precompiled)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "matches", _matcher(self.text))


def classify(pattern: str) -> ArnPattern:
    """Classify a Resources pattern as exact ARN, resource-type, service-wide or all.

    ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`` with no ``*`` is an exact ARN. With a
    literal SERVICE and a RESOURCE part that starts with a literal type token followed by ``/``
    or ``:`` (``instance/*``, ``db:*``, ``table/prod-*``) it selects by resource type. A literal
    SERVICE without such a token (``arn:aws:ec2:*``, ``arn:aws:rds:*:*:*``) is service-wide.
    ``"*"`` or a wildcard in or before the SERVICE part (it may span ``:``) counts as ``all``:
    it needs the opt-in, the conservative reading. ("Assign resources with AWS
    CLI": "Selection by service name" / "Selection by resource type".)
    """
    if pattern == "*":
        return ArnPattern(pattern, Via.ALL, None)
    parts = pattern.split(":", 5)
    # The service is fixed only when nothing before it is a wildcard ('*' may span ':').
    service = parts[2] if len(parts) >= 3 and parts[2] and "*" not in ":".join(parts[:3]) else None
    if "*" not in pattern:
        return ArnPattern(pattern, Via.ARN, service)
    if service is None or parts[0] != "arn":
        return ArnPattern(pattern, Via.ALL if service is None else Via.SERVICE, service)
    if len(parts) == 6 and _TYPE_TOKEN.match(parts[5]):
        return ArnPattern(pattern, Via.TYPE, service)
    return ArnPattern(pattern, Via.SERVICE, service)


@dataclass(frozen=True)
class TagCondition:
    """One entry of ``Conditions`` (or of ``ListOfTags``, as ``StringEquals``)."""

    operator: str
    key: str
    """As written in the selection, e.g. ``aws:ResourceTag/backup``."""
    value: str
    tag: str = field(init=False, compare=False)
    """The tag key the condition reads (``key`` without ``aws:ResourceTag/``)."""

    def __post_init__(self) -> None:
        if self.operator not in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike"):
            raise ValueError(f"unknown condition operator {self.operator!r}")
        object.__setattr__(self, "tag", tag_key(self.key))

    def holds(self, tags: Mapping[str, str]) -> bool:
        """Whether the resource's tags satisfy this condition (see :data:`MISSING_KEY_READING`)."""
        actual = tags.get(self.tag)
        if actual is None:
            return False
        op = self.operator
        if op == "StringEquals":
            return actual == self.value
        if op == "StringNotEquals":
            return actual != self.value
        if op == "StringLike":
            return string_like(self.value, actual)
        return not string_like(self.value, actual)

    def missing_key_decides(self, tags: Mapping[str, str]) -> bool:
        """True when this is a StringNot* condition failing only because the key is absent."""
        return self.operator in ("StringNotEquals", "StringNotLike") and self.tag not in tags

    def __str__(self) -> str:
        return f'{self.operator} {self.key} = "{self.value}"'


@dataclass(frozen=True)
class CompiledSelection:
    """A backup selection ready to be matched against resources of its account-region."""

    account_id: str
    region: str
    plan_id: str
    plan_name: str
    selection_id: str
    selection_name: str
    resources: tuple[ArnPattern, ...]
    not_resources: tuple[ArnPattern, ...]
    list_of_tags: tuple[TagCondition, ...]
    conditions: tuple[TagCondition, ...]

    @property
    def is_empty(self) -> bool:
        """No Resources, ListOfTags or Conditions: AWS Backup selects all opted-in resources."""
        return not (self.resources or self.list_of_tags or self.conditions)

    @property
    def uses_tags(self) -> bool:
        return bool(self.list_of_tags or self.conditions)

    @cached_property
    def label(self) -> str:
        """:func:`selection_label` of this selection (built once: every verdict reason names it)."""
        return selection_label(self.plan_name, self.selection_name)

    def candidate_services(self) -> frozenset[str] | None:
        """Services whose resources can be selected, or ``None`` for any (pre-filter only)."""
        if self.list_of_tags or not self.resources:
            return None
        services = set()
        for p in self.resources:
            if p.service is None:
                return None
            services.add(p.service)
        return frozenset(services)

    def candidate_arns(self) -> frozenset[str] | None:
        """The only ARNs the selection can select when ``Resources`` lists exact ARNs alone and
        nothing else can add resources (no ListOfTags); ``None`` otherwise (pre-filter only)."""
        if self.list_of_tags or not self.resources or any(p.kind is not Via.ARN for p in self.resources):
            return None
        return frozenset(p.text for p in self.resources)

    def excluded_by(self, arn: str) -> ArnPattern | None:
        for p in self.not_resources:
            if p.matches(arn):
                return p
        return None

    def resource_route(self, arn: str) -> Via | None:
        """Best route through ``Resources`` alone (before Conditions); ``None`` if none matches."""
        best: Via | None = None
        for p in self.resources:
            if (best is None or VIA_RANK[p.kind] < VIA_RANK[best]) and p.matches(arn):
                best = p.kind
                if best is Via.ARN:
                    break
        return best

    def conditions_hold(self, tags: Mapping[str, str]) -> bool:
        return all(c.holds(tags) for c in self.conditions)

    def list_of_tags_hold(self, tags: Mapping[str, str]) -> bool:
        return any(c.holds(tags) for c in self.list_of_tags)

    def selected_only_by_list_of_tags_despite_conditions(self, arn: str, tags: Mapping[str, str]) -> bool:
        """True when the selection has Conditions that fail on this resource and still selects it,
        through a ListOfTags entry (:data:`LIST_OF_TAGS_READING` decides)."""
        return bool(self.conditions and self.list_of_tags) and (
            not self.conditions_hold(tags) and self.route(arn, tags) is not None
        )

    @cached_property
    def without_not_resources(self) -> CompiledSelection:
        """This selection with no ``NotResources`` (built once: explaining an exclusion asks for
        it once per excluded resource)."""
        return replace(self, not_resources=())

    def routes(self, arns: Sequence[str], tags: Sequence[Mapping[str, str]]) -> list[Via | None]:
        """:meth:`route` of every ``(arns[i], tags[i])``: the same answers, decided pattern by
        pattern and condition by condition over the whole column (one comprehension each instead
        of a chain of calls per resource)."""
        n = len(arns)
        out: list[Via | None]
        if self.resources:
            out = self._resource_routes(arns)
            if self.conditions:
                out = [v if ok else None for v, ok in zip(out, _all_hold(self.conditions, tags), strict=True)]
        elif self.conditions:
            out = [Via.TAGS if ok else None for ok in _all_hold(self.conditions, tags)]
        elif not self.list_of_tags:
            out = [Via.EMPTY] * n
        else:
            out = [None] * n
        if self.list_of_tags:
            held = _any_holds(self.list_of_tags, tags)
            out = [Via.TAGS if v is None and ok else v for v, ok in zip(out, held, strict=True)]
        if self.not_resources:
            excluded = _any_pattern(self.not_resources, arns)
            out = [None if ex else v for v, ex in zip(out, excluded, strict=True)]
        return out

    @cached_property
    def _ranked_resources(self) -> tuple[ArnPattern, ...]:
        """``Resources`` by route preference (:data:`VIA_RANK`; stable: equal kinds keep their order)."""
        return tuple(sorted(self.resources, key=lambda p: VIA_RANK[p.kind]))

    def _resource_routes(self, arns: Sequence[str]) -> list[Via | None]:
        """:meth:`resource_route` of every ARN: each ARN takes the kind of the first pattern, in
        preference order, that matches it (the best route, as :meth:`resource_route` picks)."""
        ranked = self._ranked_resources
        if len(ranked) == 1:
            kind = ranked[0].kind
            return [kind if hit else None for hit in pattern_hits(ranked[0], arns)]
        out: list[Via | None] = [None] * len(arns)
        pending = list(range(len(arns)))
        for pattern in ranked:
            if not pending:
                break
            kind, rest = pattern.kind, []
            for i, hit in zip(pending, pattern_hits(pattern, [arns[i] for i in pending]), strict=True):
                if hit:
                    out[i] = kind
                else:
                    rest.append(i)
            pending = rest
        return out

    def route(self, arn: str, tags: Mapping[str, str]) -> Via | None:
        """How this selection selects the resource (``None``: it does not).

        Selected = ((Resources matched, or every resource when Resources is empty but Conditions
        are not) AND all Conditions) OR any ListOfTags entry; the whole selection when it has
        none of the four; minus anything a NotResources pattern matches.
        """
        if self.not_resources and self.excluded_by(arn) is not None:
            return None
        via: Via | None = None
        if self.resources:
            via = self.resource_route(arn)
            if via is not None and self.conditions and not self.conditions_hold(tags):
                via = None
        elif self.conditions:
            via = Via.TAGS if self.conditions_hold(tags) else None
        elif not self.list_of_tags:
            via = Via.EMPTY
        if via is None and self.list_of_tags and self.list_of_tags_hold(tags):
            via = Via.TAGS
        return via


def pattern_hits(pattern: ArnPattern, arns: Sequence[str]) -> list[bool]:
    """``pattern.matches(arn)`` for every ARN (one comprehension over the column)."""
    text = pattern.text
    if text == "*":
        return [True] * len(arns)
    if "*" not in text:
        return [arn == text for arn in arns]
    fullmatch = _compiled_arn(text).fullmatch
    return [fullmatch(arn) is not None for arn in arns]


def _any_pattern(patterns: Sequence[ArnPattern], arns: Sequence[str]) -> list[bool]:
    """Whether some pattern matches each ARN."""
    hits = pattern_hits(patterns[0], arns)
    for pattern in patterns[1:]:
        hits = [a or b for a, b in zip(hits, pattern_hits(pattern, arns), strict=True)]
    return hits


def condition_holds(condition: TagCondition, tags: Sequence[Mapping[str, str]]) -> list[bool]:
    """``condition.holds(t)`` for every tag mapping (a missing key never holds)."""
    key, value, op = condition.tag, condition.value, condition.operator
    if op in ("StringLike", "StringNotLike") and ("*" in value or "?" in value):
        fullmatch = _compiled_like(value).fullmatch
        if op == "StringLike":
            return [(a := t.get(key)) is not None and fullmatch(a) is not None for t in tags]
        return [(a := t.get(key)) is not None and fullmatch(a) is None for t in tags]
    if op in ("StringEquals", "StringLike"):
        return [(a := t.get(key)) is not None and a == value for t in tags]
    return [(a := t.get(key)) is not None and a != value for t in tags]


def _all_hold(conditions: Sequence[TagCondition], tags: Sequence[Mapping[str, str]]) -> list[bool]:
    held = condition_holds(conditions[0], tags)
    for c in conditions[1:]:
        held = [a and b for a, b in zip(held, condition_holds(c, tags), strict=True)]
    return held


def _any_holds(conditions: Sequence[TagCondition], tags: Sequence[Mapping[str, str]]) -> list[bool]:
    held = condition_holds(conditions[0], tags)
    for c in conditions[1:]:
        held = [a or b for a, b in zip(held, condition_holds(c, tags), strict=True)]
    return held


def compile_selection(
    *,
    account_id: str,
    region: str,
    plan_id: str,
    plan_name: str,
    selection_id: str,
    selection_name: str,
    resources: Sequence[str],
    not_resources: Sequence[str],
    list_of_tags: Sequence[tuple[str, str, str]],
    conditions: Sequence[tuple[str, str, str]],
) -> CompiledSelection:
    """Build a :class:`CompiledSelection` from a row of ``Inventory.selections``."""
    return CompiledSelection(
        account_id=account_id,
        region=region,
        plan_id=plan_id,
        plan_name=plan_name,
        selection_id=selection_id,
        selection_name=selection_name,
        resources=tuple(classify(p) for p in resources),
        not_resources=tuple(classify(p) for p in not_resources),
        list_of_tags=tuple(TagCondition("StringEquals", k, v) for _, k, v in list_of_tags),
        conditions=tuple(TagCondition(op, k, v) for op, k, v in conditions),
    )


__all__ = [
    "ALWAYS_NEED_OPT_IN",
    "LIST_OF_TAGS_READING",
    "MISSING_KEY_READING",
    "VIA_RANK",
    "ArnPattern",
    "CompiledSelection",
    "TagCondition",
    "Via",
    "classify",
    "compile_selection",
    "condition_holds",
    "match_arn",
    "pattern_hits",
    "selection_label",
    "string_like",
    "tag_key",
]
