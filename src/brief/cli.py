"""The ``brief`` command: assembles the app from the command modules.

Each command lives in its own module under :mod:`brief.commands` and is a thin
layer over the library; :mod:`brief.commands.common` holds the shared options
and the one place where a :class:`~brief.errors.BriefError` becomes an
``Error: ...`` line and exit code 2. Heavy modules (rich, the renderer) are
imported inside the commands so that ``brief --version`` and ``--help`` start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import __version__
from .commands import history, lint, plan, preview, render, send

app = typer.Typer(
    name="brief",
    help="Personalised letters and e-mails, signed by real people, in the style each reader needs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"brief {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Personalised letters and e-mails, signed by real people, in the style each reader needs."""


app.command()(render.render)
app.command()(lint.lint)
app.command()(preview.preview)
app.command()(send.send)
app.command()(history.history)
app.command()(plan.plan)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
