"""The rule registry (in the style of Cloud Custodian's ``PluginRegistry``).

``@register`` on a :class:`~auditor.rules.base.Rule` subclass checks its metadata, module name and
docstring, and adds it under its id; a second rule with the same id is an error. Every module
``auditor/rules/bkp_*.py`` is imported on first use of the registry, so adding a rule means adding
one module and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import TypeVar

from auditor.rules.base import MODULE_RE, RULE_ID_RE, Rule, RuleDefinitionError, RuleMetadata, check_docstring
from auditor.services import OPERATIONS, Scope

R = TypeVar("R", bound=type[Rule])

RULES_PACKAGE = "auditor.rules"


class RuleRegistry:
    """Rules by id, in id order."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._rules: dict[str, type[Rule]] = {}
        self._loaded = False

    def register(self, cls: R) -> R:
        """Class decorator: validate the rule and add it. Returns the class unchanged."""
        meta = getattr(cls, "metadata", None)
        if not isinstance(meta, RuleMetadata):
            raise RuleDefinitionError(f"{cls.__qualname__}: 'metadata' must be a RuleMetadata")
        module = cls.__module__.rsplit(".", 1)[-1]
        m = MODULE_RE.match(module)
        id_match = RULE_ID_RE.match(meta.id)
        if m is None or id_match is None or m.group(1) != id_match.group(1):
            raise RuleDefinitionError(
                f"{meta.id}: module {cls.__module__!r} must be named bkp_{meta.id[4:]}_<slug>.py"
            )
        check_docstring(meta.id, cls.__doc__, meta.doc_url)
        check_requires(meta.id, cls.requires)
        existing = self._rules.get(meta.id)
        if existing is not None and existing is not cls:
            raise RuleDefinitionError(
                f"duplicate rule id {meta.id}: {existing.__module__}.{existing.__qualname__} "
                f"and {cls.__module__}.{cls.__qualname__}"
            )
        self._rules[meta.id] = cls
        return cls

    def load(self) -> None:
        """Import every ``bkp_*`` module of the package (once)."""
        if self._loaded:
            return
        package = importlib.import_module(self.package)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name.startswith("bkp_"):
                importlib.import_module(f"{self.package}.{info.name}")
        self._loaded = True

    def ids(self) -> list[str]:
        self.load()
        return sorted(self._rules)

    def get(self, rule_id: str) -> type[Rule]:
        """The rule class with this id; ``KeyError`` naming the known ids when unknown."""
        self.load()
        key = rule_id.strip().upper()
        if key not in self._rules:
            raise KeyError(f"unknown rule {rule_id!r}; known rules: {', '.join(self.ids())}")
        return self._rules[key]

    def __iter__(self) -> Iterator[type[Rule]]:
        self.load()
        return iter([self._rules[k] for k in sorted(self._rules)])

    def __len__(self) -> int:
        self.load()
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        self.load()
        return rule_id in self._rules


def check_requires(rule_id: str, requires: object) -> None:
    """Raise :class:`RuleDefinitionError` unless ``requires`` is a tuple of regional operation keys
    that a service declares (``auditor/services/``)."""
    if not isinstance(requires, tuple) or not all(isinstance(k, str) for k in requires):
        raise RuleDefinitionError(f"{rule_id}: 'requires' must be a tuple of 'service.Operation' keys")
    for key in requires:
        op = OPERATIONS.get(key)
        if op is None:
            raise RuleDefinitionError(
                f"{rule_id}: requires {key!r}, which no service declares (see auditor/services/)"
            )
        if op.scope is not Scope.REGIONAL:
            raise RuleDefinitionError(
                f"{rule_id}: requires {key!r}, a {op.scope} operation; rules need regional operations"
            )


rules = RuleRegistry(RULES_PACKAGE)
"""The registry of backup-auditor's rules."""

register = rules.register
