"""The ``brief`` executable: answers what it can before the command line is built.

Importing typer and the commands costs several times Python's own start-up, so
``brief --version`` is answered here from :data:`brief.__version__` alone, and
``brief lint`` from the lint cache when no input changed (:mod:`brief.lintcache`);
everything else goes on to :mod:`brief.cli`. ``python -m brief`` comes here too.
"""

from __future__ import annotations

import sys


def main() -> None:
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        from . import __version__

        sys.stdout.write(f"brief {__version__}\n")
        return
    if arguments[:1] == ["lint"]:
        from .lintcache import replay

        code = replay(arguments[1:])
        if code is not None:
            raise SystemExit(code)
    from .cli import main as cli

    cli()
