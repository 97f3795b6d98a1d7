"""Run a console script in this process and record this process's own CPU time.

bench/run.py measures a command's total CPU (it and every worker it reaped) with
``os.wait4``; running it through this script adds the parent's own share, so a
``--jobs 2`` row can say how much of the work the parent did:

    python bench/selfcpu.py /tmp/self.txt .venv/bin/brief render ... --jobs 2

The user + system seconds of this process alone (``RUSAGE_SELF``) are written to the
first argument when the interpreter exits. The handler is registered before the
command imports anything, so it runs after multiprocessing's own exit handler has
joined the workers.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys
from pathlib import Path


def _record(path: Path) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    path.write_text(f"{usage.ru_utime + usage.ru_stime:.6f}\n", encoding="utf-8")


def main() -> None:
    out, script, *args = sys.argv[1:]
    atexit.register(_record, Path(out))
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
