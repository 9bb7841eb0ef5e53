"""The rule catalogue: one module per rule (``bkp_NNN_<slug>.py``), registered with ``@register``.

``auditor.rules.registry.rules`` iterates every rule in id order; see ``docs/architecture.md``.
"""

from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, RuleSettings
from auditor.rules.registry import register, rules

__all__ = ["Remediation", "Rule", "RuleContext", "RuleMetadata", "RuleSettings", "register", "rules"]
