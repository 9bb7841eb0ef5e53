"""``backup-auditor rules``: the rule catalogue; ``backup-auditor rules show ID``: one rule."""

from __future__ import annotations

import inspect
import json
from enum import StrEnum
from typing import Annotated

import typer

from auditor.cli_app import app
from auditor.compliance import mapped_controls
from auditor.errors import BadInputError
from auditor.frameworks import Framework
from auditor.rules.base import Rule
from auditor.rules.registry import rules


class CatalogueFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOpt = Annotated[CatalogueFormat, typer.Option("--format", help="text or json.", case_sensitive=False)]
FrameworkOpt = Annotated[
    Framework | None,
    typer.Option(
        "--framework",
        help="List the controls of this framework (audit-manager, config, security-hub) and the "
        "rules giving evidence for each, with the AWS page each mapping rests on.",
        case_sensitive=False,
    ),
]

rules_app = typer.Typer(
    name="rules",
    help="List the rule catalogue (id, severity, title, AWS doc); 'rules show ID' prints one rule.",
    no_args_is_help=False,
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")


@rules_app.callback(invoke_without_command=True)
def list_rules(
    ctx: typer.Context, output_format: FormatOpt = CatalogueFormat.TEXT, framework: FrameworkOpt = None
) -> None:
    """List every rule: id, severity, title and AWS documentation URL (with --framework: the
    controls of that framework our rules give evidence for)."""
    if ctx.invoked_subcommand is not None:
        return
    if framework is not None:
        list_framework(framework, output_format)
        return
    if output_format is CatalogueFormat.JSON:
        typer.echo(json.dumps([cls.metadata.to_json() for cls in rules], indent=2))
        return
    rows = [(c.metadata.id, c.metadata.severity.value, c.metadata.title, c.metadata.doc_url) for c in rules]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for rid, sev, title, url in rows:
        typer.echo(f"{rid:<{widths[0]}}  {sev:<{widths[1]}}  {title:<{widths[2]}}  {url}")


def list_framework(framework: Framework, output_format: CatalogueFormat) -> None:
    """One line per control of ``framework``: id, the rules giving evidence, resource types, source."""
    mapped = mapped_controls(framework)
    if output_format is CatalogueFormat.JSON:
        typer.echo(json.dumps([{**c.to_json(), "rules": list(r)} for c, r in mapped], indent=2))
        return
    rows = [(c.id, ", ".join(r), ", ".join(c.resource_types) or "any", c.url) for c, r in mapped]
    header = ("control", "rules", "resource types", "source")
    widths = [max(len(x[i]) for x in (header, *rows)) for i in range(3)]
    typer.echo(f"# {framework.label}: {len(rows)} controls")
    for cid, rids, types, url in (header, *rows):
        typer.echo(f"{cid:<{widths[0]}}  {rids:<{widths[1]}}  {types:<{widths[2]}}  {url}")


@rules_app.command("show")
def show_rule(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. BKP-001.")],
    output_format: FormatOpt = CatalogueFormat.TEXT,
) -> None:
    """Print one rule's metadata and documentation. Exit 2 for an unknown id."""
    try:
        cls = rules.get(rule_id)
    except KeyError:
        raise BadInputError(f"unknown rule {rule_id!r}; known rules: {', '.join(rules.ids())}") from None
    if output_format is CatalogueFormat.JSON:
        typer.echo(json.dumps({**cls.metadata.to_json(), "documentation": rule_doc(cls)}, indent=2))
        return
    typer.echo(render_rule(cls))


def rule_doc(cls: type[Rule]) -> str:
    """The rule's docstring, dedented."""
    return inspect.cleandoc(cls.__doc__ or "")


def _controls_text(cls: type[Rule]) -> str:
    controls = cls.metadata.framework_controls
    if not controls:
        return "Controls: none mapped\n"
    lines = "\n".join(f"  {c.framework.label} {c.id}: {c.url}" for c in controls)
    return f"Controls it gives evidence for:\n{lines}\n"


def render_rule(cls: type[Rule]) -> str:
    meta = cls.metadata
    steps = "\n".join(f"  {i}. {step}" for i, step in enumerate(meta.remediation.console, 1))
    return (
        f"{meta.id}  [{meta.severity.value}]  {meta.title}\n\n"
        f"Rationale: {meta.rationale}\n"
        f"Documentation: {meta.doc_url}\n"
        f"{_controls_text(cls)}\n"
        f"Remediation (console):\n{steps}\n"
        f"Remediation (AWS CLI):\n  {meta.remediation.cli}\n\n"
        f"{rule_doc(cls)}\n"
    )
