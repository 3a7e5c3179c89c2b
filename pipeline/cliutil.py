"""What every `compendium` command shares: how a user's error is told.

A PipelineError is one line on stderr, `file:line: error: message`, and exit
status 1; Ctrl-C is "interrupted" and 130. A traceback is a bug.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from .errors import PipelineError, shown_loc


def tell(exc: PipelineError) -> None:
    click.echo(f"error: {exc.message}" if not exc.loc else f"{shown_loc(exc.loc)}: error: {exc.message}",
               err=True)


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command so that a PipelineError becomes one line and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PipelineError as exc:
            tell(exc)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


class ReportingGroup(click.Group):
    """A command group whose subcommands all report errors the same way."""

    def invoke(self, ctx: click.Context) -> Any:
        return reports_errors(super().invoke)(ctx)
