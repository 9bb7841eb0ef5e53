"""What every rule is made of: typed metadata, the context it reads, and the ``Rule`` base class.

A rule is a class deriving :class:`Rule`, decorated with :func:`auditor.rules.registry.register`,
living alone in ``auditor/rules/bkp_NNN_<slug>.py``. Its :class:`RuleMetadata` is checked when the
module is imported (a malformed rule cannot be registered), and its docstring is its documentation:
four sections, ``What it does``, ``Why it matters``, ``Example`` and ``References``.

Rules never call AWS and never read bundle files: they read the normalised frames of
:class:`auditor.model.frames.Inventory` and :class:`auditor.protection.resolver.Protection`.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import numpy as np
import pandas as pd

from auditor.controls import Controls
from auditor.evidence.manifest import CollectionError
from auditor.frameworks import FrameworkControl, FrameworkError, check_controls
from auditor.model.results import Finding, Severity

if TYPE_CHECKING:
    from auditor.model.frames import Inventory
    from auditor.protection.resolver import Protection

T = TypeVar("T")

RULE_ID_RE = re.compile(r"^BKP-(\d{3})$")
MODULE_RE = re.compile(r"^bkp_(\d{3})_[a-z0-9_]+$")
DOC_URL_PREFIX = "https://docs.aws.amazon.com/"
DOC_SECTIONS = ("What it does", "Why it matters", "Example", "References")


class RuleDefinitionError(TypeError):
    """A rule module is malformed (bad id, metadata or docstring). Raised at import time."""


@dataclass(frozen=True)
class Remediation:
    """How to fix what a rule reports: console steps and one AWS CLI command."""

    console: tuple[str, ...]
    """Steps in the AWS Management Console, in order."""
    cli: str
    """An AWS CLI command (starts with ``aws ``); ``<PLACEHOLDERS>`` stand for the finding's values."""

    def __post_init__(self) -> None:
        if not self.console or not all(isinstance(s, str) and s.strip() for s in self.console):
            raise RuleDefinitionError("remediation needs at least one non-empty console step")
        if not self.cli.startswith("aws "):
            raise RuleDefinitionError(f"remediation CLI command must start with 'aws ': {self.cli!r}")

    def text(self) -> str:
        """One paragraph for findings: numbered console steps, then the CLI command."""
        return _remediation_text(self)


@dataclass(frozen=True)
class RuleMetadata:
    """Typed, validated description of a rule. The id is public and stable."""

    id: str
    """``BKP-NNN``; matches the rule's module name ``bkp_NNN_<slug>.py``."""
    title: str
    """One line, used in tables and as every finding's title."""
    severity: Severity
    rationale: str
    """Why the condition matters (risk or cost), in a sentence or two."""
    remediation: Remediation
    doc_url: str
    """The AWS documentation page the rule rests on (``https://docs.aws.amazon.com/...``)."""
    controls: tuple[str, ...] = ()
    """Ids of the controls of other frameworks the rule gives evidence for (Audit Manager control
    names, AWS Config managed rules, Security Hub control ids), each listed with its source page
    in :data:`auditor.frameworks.CATALOGUE`."""

    def __post_init__(self) -> None:
        if not RULE_ID_RE.match(self.id):
            raise RuleDefinitionError(f"rule id {self.id!r} is not of the form BKP-NNN")
        if not self.title.strip() or "\n" in self.title:
            raise RuleDefinitionError(f"{self.id}: title must be one non-empty line")
        if not isinstance(self.severity, Severity):
            raise RuleDefinitionError(f"{self.id}: severity must be a Severity, not {self.severity!r}")
        if not self.rationale.strip():
            raise RuleDefinitionError(f"{self.id}: rationale is empty")
        if not isinstance(self.remediation, Remediation):
            raise RuleDefinitionError(f"{self.id}: remediation must be a Remediation")
        if not self.doc_url.startswith(DOC_URL_PREFIX):
            raise RuleDefinitionError(
                f"{self.id}: doc_url must start with {DOC_URL_PREFIX}: {self.doc_url!r}"
            )
        try:
            check_controls(self.id, self.controls)
        except FrameworkError as exc:
            raise RuleDefinitionError(str(exc)) from None

    @property
    def framework_controls(self) -> tuple[FrameworkControl, ...]:
        """The catalogue entries of :attr:`controls`, in the order listed."""
        return check_controls(self.id, self.controls)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "rationale": self.rationale,
            "remediation": {"console": list(self.remediation.console), "cli": self.remediation.cli},
            "doc_url": self.doc_url,
            "controls": [c.to_json() for c in self.framework_controls],
        }


@dataclass(frozen=True)
class RuleSettings:
    """Thresholds rules read; defaults are the documented defaults (flags / config override them)."""

    job_window_days: int = 14
    """BKP-020 / BKP-021 look at backup jobs created this many days before ``as_of``."""
    aurora_cost_per_gb_month: float = 0.021
    """USD per GB-month used to estimate billed Aurora snapshot storage (BKP-010)."""
    max_listed_arns: int = 100
    """At most this many ARNs are listed in one finding's details (the count is always exact)."""
    controls: Controls = field(default_factory=Controls)
    """Parameters and scopes of the compliance controls BKP-030 ... (``[controls.BKP-NNN]``)."""

    def __post_init__(self) -> None:
        if self.job_window_days < 1:
            raise ValueError(f"job_window_days must be at least 1, not {self.job_window_days}")
        if self.aurora_cost_per_gb_month < 0:
            raise ValueError(
                f"aurora_cost_per_gb_month must not be negative: {self.aurora_cost_per_gb_month}"
            )
        if self.max_listed_arns < 1:
            raise ValueError(f"max_listed_arns must be at least 1, not {self.max_listed_arns}")


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may read. Built once per evaluation and shared by every rule."""

    inventory: Inventory
    protection: Protection
    as_of: datetime
    """'Now' for age-based rules: ``--as-of`` or the bundle's ``collected_at`` (tz-aware UTC)."""
    settings: RuleSettings = field(default_factory=RuleSettings)
    manifest_errors: tuple[CollectionError, ...] = ()
    """The bundle manifest's errors (organization-level failures have ``account_id=None``)."""

    @cached_property
    def _collected(self) -> pd.DataFrame:
        """Boolean table: index (account_id, region), one column per operation key."""
        cov = self.inventory.coverage
        if cov.empty:
            return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["account_id", "region"]))
        table = cov.pivot_table(
            index=["account_id", "region"],
            columns="operation",
            values="collected",
            aggfunc="all",
        )
        return table.fillna(False).astype(bool)

    def collected_scopes(self, operations: Sequence[str]) -> pd.DataFrame:
        """``account_id, region`` of every account-region where all ``operations`` were collected.

        An operation absent from the coverage frame counts as not collected: a rule never judges
        what nobody read.
        """
        ops = tuple(operations)
        found = self._scope_frames.get(ops)
        if found is None:
            table = self._collected
            ok = pd.Series(True, index=table.index)
            for op in ops:
                if op not in table.columns:
                    ok &= False
                else:
                    ok &= table[op]
            found = self._scope_frames[ops] = ok[ok].index.to_frame(index=False)
        return found.copy()  # computed once per operations; each caller gets its own frame

    @cached_property
    def _scope_frames(self) -> dict[tuple[str, ...], pd.DataFrame]:
        """:meth:`collected_scopes`' memo, per operations tuple."""
        return {}

    def is_collected(self, account_id: str, region: str, operations: Sequence[str]) -> bool:
        """Scalar form of :meth:`collected_scopes` for one account-region (a set lookup: the
        account-regions of each ``operations`` are computed once per run)."""
        ops = tuple(operations)
        scopes = self._collected_sets.get(ops)
        if scopes is None:
            frame = self.collected_scopes(ops)
            scopes = frozenset(zip(frame["account_id"].tolist(), frame["region"].tolist(), strict=True))
            self._collected_sets[ops] = scopes
        return (account_id, region) in scopes

    @cached_property
    def memo(self) -> dict[Hashable, Any]:
        """Intermediate results rules share within this run (the compliance controls' protected
        resources, sources, copy actions ...), by a key naming what and for which inputs; what is
        stored is never modified."""
        return {}

    def shared(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()`` once per run for ``key`` (see :attr:`memo`), the same object afterwards."""
        memo = self.memo
        if key not in memo:
            memo[key] = build()
        return cast("T", memo[key])

    @cached_property
    def _collected_sets(self) -> dict[tuple[str, ...], frozenset[tuple[str, str]]]:
        """:meth:`is_collected`'s memo: the collected account-regions per operations tuple."""
        return {}

    def only_collected(self, frame: pd.DataFrame, operations: Sequence[str]) -> pd.DataFrame:
        """Rows of ``frame`` (with ``account_id``/``region`` columns) in account-regions where every
        one of ``operations`` was collected."""
        if frame.empty:
            return frame
        ops = tuple(operations)
        self.is_collected("", "", ops)  # fills the memo of account-region sets
        scopes = self._collected_sets[ops]
        if not scopes:
            return frame.iloc[0:0]
        # Each distinct (account, Region) tested once: the frame's columns factorized, a small
        # table of the pairs looked up by the codes (missing values are in no scope).
        accounts, account_values = pd.factorize(frame["account_id"])
        regions, region_values = pd.factorize(frame["region"])
        table = np.zeros((len(account_values), len(region_values)), dtype=bool)
        for i, a in enumerate(account_values):
            for j, r in enumerate(region_values):
                table[i, j] = (a, r) in scopes
        known = (accounts >= 0) & (regions >= 0)
        mask = np.zeros(len(frame), dtype=bool)
        mask[known] = table[accounts[known], regions[known]]
        return frame[mask]


class Rule(ABC):
    """Base class of every rule. Subclasses set ``metadata`` and implement :meth:`evaluate`.

    The class docstring is the rule's documentation (sections ``What it does``, ``Why it
    matters``, ``Example``, ``References``); ``backup-auditor rules show ID`` prints it.
    """

    metadata: ClassVar[RuleMetadata]
    requires: ClassVar[tuple[str, ...]] = ()
    """``service.Operation`` keys the rule needs in an account-region to judge it; where one was
    not collected the rule skips that account-region and BKP-090 reports the gap."""
    reads_organization: ClassVar[tuple[str, ...]] = ()
    """Organization-level ``service.Operation`` keys the rule also judges (once per bundle, not per
    account-region: ``backup.DescribeGlobalSettings``); a bundle without them leaves that part
    "not evaluated: evidence not collected"."""

    @abstractmethod
    def evaluate(self, ctx: RuleContext) -> Iterable[Finding]:
        """Yield one finding per subject the rule fires on."""

    @classmethod
    def finding(
        cls,
        *,
        account_id: str | None,
        region: str | None,
        message: str,
        resource_arn: str | None = None,
        resource_type: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Finding:
        """A finding of this rule, with its title, severity, remediation and doc URL filled in."""
        meta = cls.metadata
        return Finding.quick(
            meta.id,
            meta.severity,
            account_id,
            region,
            resource_arn,
            resource_type,
            meta.title,
            message,
            _remediation_of(meta.remediation),
            meta.doc_url,
            _plain_details(details) if details else {},
        )


def _plain_details(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k if type(k) is str else str(k): v if type(v) in _PLAIN else json_safe(v) for k, v in details.items()
    }


_PLAIN = frozenset({str, int, bool, type(None)})
"""Types :func:`json_safe` returns as they are (checked by exact type: the common case, no call)."""


def json_safe(value: Any) -> Any:
    """A details value as plain JSON: NaN / NA -> None, numpy scalars -> Python, timestamps ->
    ISO 8601, tuples -> lists (recursively), so writing findings JSON can never fail on them."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:  # the common containers, by exact type first (subclasses take the paths below)
        return _plain_details(value)
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else json_safe(v) for v in value]
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is pd.NA or value is pd.NaT:  # before datetime: NaT is a datetime whose isoformat is "NaT"
        return None
    if isinstance(value, datetime):  # before the Mapping test (an ABC check, slow): timestamps are common
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return str(value)


_TEXTS: dict[int, tuple[Remediation, str]] = {}


def _remediation_of(remediation: Remediation) -> str:
    """:func:`_remediation_text` found by the object's identity (once per finding: the cache of
    :func:`_remediation_text` hashes the whole frozen dataclass on every call)."""
    entry = _TEXTS.get(id(remediation))
    if entry is None or entry[0] is not remediation:
        entry = _TEXTS[id(remediation)] = (remediation, _remediation_text(remediation))
    return entry[1]


@cache
def _remediation_text(remediation: Remediation) -> str:
    steps = " ".join(f"{i}. {step}" for i, step in enumerate(remediation.console, 1))
    return f"Console: {steps} CLI: {remediation.cli}"


def check_docstring(rule_id: str, doc: str | None, doc_url: str) -> None:
    """Raise :class:`RuleDefinitionError` unless ``doc`` has the four sections and cites ``doc_url``."""
    if not doc or not doc.strip():
        raise RuleDefinitionError(f"{rule_id}: the rule class needs a docstring (its documentation)")
    for section in DOC_SECTIONS:
        if not re.search(rf"^\s*{re.escape(section)}\s*$", doc, re.MULTILINE):
            raise RuleDefinitionError(f"{rule_id}: docstring lacks a '{section}' section")
    if doc_url not in doc:
        raise RuleDefinitionError(f"{rule_id}: docstring References must cite {doc_url}")


def limited(values: Iterable[str], limit: int) -> list[str]:
    """The first ``limit`` values, sorted, for details lists (the exact count goes next to it)."""
    return sorted(values)[:limit]
