"""The ``narrascope`` command line: a thin layer over the library API.

Every command prints results to stdout (JSONL by default) or to ``--out``; errors print one line and exit 2
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from narrascope import __version__
from narrascope.errors import NarrascopeError

app = typer.Typer(
    help="narrascope: propaganda narratives, entity framing and grounded explanations for multilingual news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
taxonomy_app = typer.Typer(help="Inspect the narrative and role taxonomy.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")

err = Console(stderr=True)
_state: dict[str, bool] = {"debug": False}


def cli_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clear line on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (NarrascopeError, OSError, ValueError) as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
            raise typer.Exit(2) from None

    return wrapper


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    _state["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


@app.command()
def version() -> None:
    """Print the narrascope version."""
    typer.echo(f"narrascope {__version__}")


@taxonomy_app.command("show")
@cli_errors
def taxonomy_show(
    domain: Optional[str] = typer.Option(None, help="Only this domain (URW or CC)."),
    roles: bool = typer.Option(False, "--roles", help="Show the entity roles instead of narratives."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List narratives and subnarratives (or entity roles) with their definitions."""
    from narrascope.taxonomy import load_default_taxonomy

    tax = load_default_taxonomy()
    if roles:
        rows = [{"main_role": r.main_role, "fine_role": r.name, "definition": r.definition} for r in tax.roles]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            typer.echo(f"{row['main_role']:<12} {row['fine_role']:<18} {row['definition'][:90]}")
        return
    narratives = [n for n in tax.narratives if domain is None or n.domain == domain.upper()]
    if as_json:
        data = [
            {"label": n.label, "definition": n.definition, "subnarratives": [{"label": s.label, "definition": s.definition} for s in n.subnarratives]}
            for n in narratives
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for n in narratives:
        typer.echo(f"{n.label}\n    {n.definition}")
        for s in n.subnarratives:
            typer.echo(f"  - {s.name}: {s.definition[:100]}")
        typer.echo(f"  - {n.other_label.split(': ')[-1]} (narrative applies, no listed subnarrative fits)")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
