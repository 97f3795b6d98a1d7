"""Measure ``brief render`` against its floors and against mailmerge; write bench/RESULTS.md.

For each size N it generates N demo-like records (bench/generate.py) and
runs each row in a fresh process, recording wall time, CPU time (user +
system of the process and every worker it reaped, from ``os.wait4``) and
peak RSS:

- floor A: a bare Jinja2 loop rendering the same templates with the same
  context, output discarded (bench/floor.py);
- floor B: the same loop writing each letter to its own file;
- brief render with the checks off and on, to a folder and to one stream
  file, with ``--jobs 1`` and ``--jobs 2`` (the ``--jobs 2`` rows run
  through bench/selfcpu.py, which also records the parent's own CPU, so
  the parent's share of the work is known);
- brief render of a text-only copy of the demo project (the same templates
  without their HTML parts), the like-for-like comparison with mailmerge;
- mailmerge 2.3.0 (``--dry-run --no-limit --output-format raw``, every
  message printed to stdout, sent to /dev/null) with an equivalent plain
  template (bench/mailmerge/), the tool users would otherwise pick;
- reading and checking the records alone (bench/readrecords.py): what the
  ``--jobs`` parent does per record before a worker gets it;

and, once, ``python -c pass``, ``brief --version``, ``brief --help`` and
``brief lint`` on a copy of the demo project, cold (its lint cache emptied
before each run) and warm (nothing changed since the last run), each the
median of several runs, wall and CPU. Ratios are computed on CPU time,
which holds on a busy machine where wall time does not. With ``--repeat
N`` the rows are run in rounds (A B C ... A B C ...), so that a burst of
load elsewhere touches every row alike; the least CPU, the fastest wall
and the largest peak RSS of the rounds are kept.

Results are kept per size in bench/results.json (a size run again replaces
its figures, so every ratio comes from one run) and written as tables to
bench/RESULTS.md, with the targets of issue 17. The paper-letter rows (issue 13) are
kept apart per size (``pdf`` in results.json):

- floor P: a bare typst compile of brief's layout (brief/data/letter.typ) with the
  inputs brief gives it (prepared untimed by bench/floor_pdf.py), one letter per
  compile, each PDF to its own file; floor P16: 16 letters per compile, as a print
  run typesets them, a file per chunk;
- brief render of the demo 14-dagenbrief as PDF, to a folder (``--out``) and as one
  print run (``--stream print.pdf``), ``--jobs 1`` and ``--jobs 2``, in a copy of the
  demo project whose journal holds every customer's reminder.

mailmerge is optional: ``pip install -e '.[bench]'`` (or ``pip install
mailmerge==2.3.0``); without it that row is skipped with a note.

    python bench/run.py                                  # quick: 10,000 records
    python bench/run.py --sizes 20000 --repeat 2         # what RESULTS.md shows, and:
    python bench/run.py --sizes 1000000 --only render-stream --no-startup
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import generate  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
BRIEF = str(BIN / "brief")
MAILMERGE = BIN / "mailmerge"
TEMPLATE = "betalingsherinnering"
DATE = "2026-11-22"
PROJECT_FILES = ("brief.yaml", "templates", "regions", "examples")
# Every command runs as a user's would: Python keeps its compiled modules (some shells
# and CI set PYTHONDONTWRITEBYTECODE, which makes every start-up compile brief again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Run:
    key: str
    label: str
    wall: float  # seconds
    rss_mb: float  # peak resident set size of the process and its children
    records: int
    note: str = ""
    cpu: float = 0.0  # user + system seconds of the process and the workers it reaped
    parent_cpu: float | None = None  # the process's own share (rows run through selfcpu.py)

    @property
    def rate(self) -> float:
        return self.records / self.wall if self.wall else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.records / self.cpu if self.cpu else 0.0


@dataclass
class Measured:
    wall: float
    cpu: float
    rss_mb: float
    parent_cpu: float | None = None


def measure(
    argv: list[str],
    *,
    stdout: str | None = None,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    parent: bool = False,
) -> Measured:
    """Run ``argv`` in a fresh process: wall seconds, CPU seconds and peak RSS (MB) of it and
    the children it reaped; with ``parent``, also the CPU of the process alone."""
    with tempfile.TemporaryDirectory() as scratch:
        own = Path(scratch) / "self"
        if parent:
            argv = [PYTHON, str(BENCH / "selfcpu.py"), str(own), *argv]
        with open(stdout or os.devnull, "wb") as sink, tempfile.TemporaryFile() as errors:
            start = time.perf_counter()
            process = subprocess.Popen(
                argv, cwd=cwd, stdout=sink, stderr=errors, env=env if env is not None else ENV
            )
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 1):
                errors.seek(0)
                message = errors.read().decode(errors="replace")[-2000:]
                raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{message}")
        cpu = usage.ru_utime + usage.ru_stime
        own_cpu = float(own.read_text("utf-8")) if parent else None
    return Measured(wall, cpu, usage.ru_maxrss / 1024, own_cpu)  # Linux: kilobytes


def brief_render(records: Path, *extra: str) -> list[str]:
    return [
        BRIEF,
        "render",
        "--records",
        str(records),
        "--template",
        TEMPLATE,
        "--date",
        DATE,
        *(extra if "--journal" in extra else ("--no-journal", *extra)),
    ]


def copy_project(target: Path, *, html: bool = True) -> Path:
    """A copy of the demo project (brief.yaml, templates, regions, examples); without
    ``html``, the templates lose their HTML parts, so every e-mail is text only."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            ignore = None if html else shutil.ignore_patterns("*.html.j2")
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy(source, target / name)
    return target


def mailmerge_database(records: Path, path: Path) -> Path:
    """The records as mailmerge reads them: comma-separated, with the signer each customer
    gets in brief (their own contact, else the rayon's) spelled out in columns."""
    if path.exists():
        return path
    from brief.project import Project

    project = Project.discover(REPO)
    people = {m.id: m for m in project.roster}
    contacts = {region: profile.contacts[0] for region, profile in project.profiles.items()}
    tmp = path.with_suffix(".tmp")
    with (
        records.open(encoding="utf-8", newline="") as src,
        tmp.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src, delimiter=";")
        writer = csv.writer(dst)
        assert reader.fieldnames is not None
        writer.writerow([*reader.fieldnames, "signer_name", "signer_phone", "signer_email"])
        for row in reader:
            signer = people[row["contact"] or contacts[row["region"]]]
            writer.writerow([*row.values(), signer.name, signer.phone, signer.email])
    tmp.rename(path)
    return path


ROWS = {
    "floor-a": "floor A: bare Jinja2 loop, output discarded",
    "floor-b": "floor B: bare Jinja2 loop, a file per letter",
    "floor-a-jobs": "floor A in 2 forked processes, each every other chunk of 64 records",
    "render-folder-nocheck": "brief render --out DIR --no-check --jobs 1",
    "render-folder": "brief render --out DIR --jobs 1",
    "render-stream-nocheck": "brief render --stream FILE --no-check --jobs 1",
    "render-stream": "brief render --stream FILE --jobs 1",
    "render-stdout": "brief render --stream - --jobs 1 (> /dev/null)",
    "render-folder-jobs": "brief render --out DIR --jobs 2",
    "render-stream-jobs": "brief render --stream FILE --jobs 2",
    "render-folder-journal": "brief render --out DIR --jobs 1, letters recorded in the journal",
    "text-stream-nocheck": "text only: brief render --stream FILE --no-check --jobs 1",
    "text-stream": "text only: brief render --stream FILE --jobs 1",
    "mailmerge": "mailmerge --dry-run --no-limit (> /dev/null), text only",
    "read-records": "reading and checking the records only, nothing rendered (bench/readrecords.py)",
    "floor-p": "floor P: bare typst compile, one PDF per letter, a file each",
    "floor-p16": "floor P16: bare typst compile, 16 letters per compile, a file per chunk",
    "pdf-folder": "PDF: brief render --out DIR --jobs 1 (14-dagenbrief)",
    "pdf-stream": "PDF: brief render --stream print.pdf --jobs 1 (14-dagenbrief)",
    "pdf-folder-jobs": "PDF: brief render --out DIR --jobs 2 (14-dagenbrief)",
    "pdf-stream-jobs": "PDF: brief render --stream print.pdf --jobs 2 (14-dagenbrief)",
}
#: The rows of paper letters (PDF): the demo 14-dagenbrief, in a copy of the demo project
#: whose journal holds every customer's reminder (the letter names it).
PDF_ROWS = (
    "floor-p",
    "floor-p16",
    "pdf-folder",
    "pdf-stream",
    "pdf-folder-jobs",
    "pdf-stream-jobs",
)
PDF_TEMPLATE = "14-dagenbrief"
REMINDER_DATE = "2026-11-06"


@dataclass
class Row:
    key: str
    argv: list[str]
    cwd: Path = REPO
    stdout: str | None = None
    parent: bool = False


def run_size(n: int, work: Path, only: set[str], repeat: int = 1) -> list[Run]:
    records = work / f"customers-{n}.csv"
    if not records.exists():
        print(f"generating {n} records ...", flush=True)
        generate(n, records)
    text_only = copy_project(work / "text-only", html=False)
    rows: list[Row] = []

    def add(key: str, argv: list[str], **options: object) -> None:
        if not only or key in only:
            rows.append(Row(key, argv, **options))  # type: ignore[arg-type]

    def out(key: str) -> str:
        """A new path for each run's output. Nothing is deleted until the end: on ext4,
        creating files right after deleting many is several times slower, which would
        penalise whichever run came next."""
        return str(work / "runs" / f"{n}-{key}")

    floor = [PYTHON, str(BENCH / "floor.py")]
    add("floor-a", [*floor, "A", str(records)])
    add("floor-b", [*floor, "B", str(records), "--out", out("floor-b")])
    add("floor-a-jobs", [*floor, "A", str(records), "--jobs", "2"])
    add("render-folder-nocheck", brief_render(records, "-o", out("fn"), "--no-check", "-j1"))
    add("render-folder", brief_render(records, "--out", out("folder"), "--jobs", "1"))
    add("render-stream-nocheck", brief_render(records, "--stream", out("sn"), "--no-check", "-j1"))
    add("render-stream", brief_render(records, "--stream", out("stream"), "--jobs", "1"))
    add("render-stdout", brief_render(records, "--stream", "-", "--jobs", "1"))
    add("render-folder-jobs", brief_render(records, "-o", out("fj2"), "-j2"), parent=True)
    add("render-stream-jobs", brief_render(records, "--stream", out("sj2"), "-j2"), parent=True)
    journal = ("--journal", out("journal.sqlite"))
    add("render-folder-journal", brief_render(records, "-o", out("fj"), "-j1", *journal))
    add(
        "text-stream-nocheck",
        brief_render(records, "--stream", out("tn"), "--no-check", "-j1"),
        cwd=text_only,
    )
    add("text-stream", brief_render(records, "--stream", out("text"), "-j1"), cwd=text_only)
    if not only or "mailmerge" in only:
        if MAILMERGE.exists():
            database = mailmerge_database(records, work / f"mailmerge-{n}.csv")
            add(
                "mailmerge",
                [
                    str(MAILMERGE),
                    "--template",
                    str(BENCH / "mailmerge" / "template.txt"),
                    "--database",
                    str(database),
                    "--config",
                    str(BENCH / "mailmerge" / "server.conf"),
                    "--dry-run",
                    "--no-limit",
                    "--output-format",
                    "raw",
                ],
            )
        else:
            print("mailmerge is not installed: pip install -e '.[bench]' (row skipped)")

    add("read-records", [PYTHON, str(BENCH / "readrecords.py"), str(records)])
    if not only or set(PDF_ROWS) & only:
        add_pdf_rows(n, work, records, add, out)

    measured: dict[str, list[Measured]] = {row.key: [] for row in rows}
    for attempt in range(repeat):  # in rounds: A B C ... A B C ...
        for row in rows:
            print(f"{n:>9}  {ROWS[row.key]} ...", end=" ", flush=True)
            m = measure(row.argv, stdout=row.stdout, cwd=row.cwd, parent=row.parent)
            measured[row.key].append(m)
            share = f"  parent {m.parent_cpu / m.cpu:4.0%}" if m.parent_cpu else ""
            print(f"{m.wall:7.2f} s wall {m.cpu:7.2f} s CPU {m.rss_mb:6.1f} MB{share}", flush=True)
            for path in (Path(a) for a in row.argv if a.startswith(str(work / "runs"))):
                if path.exists():  # out of the way, not deleted (see out() above)
                    path.rename(path.with_name(f"{path.name}.{attempt}"))
    runs = []
    for row in rows:
        ms = measured[row.key]
        # the least CPU and the fastest wall (the least disturbed by the rest of the
        # machine), the largest peak memory; the parent's share from the least-CPU round
        least = min(ms, key=lambda m: m.cpu)
        runs.append(
            Run(
                row.key,
                ROWS[row.key],
                min(m.wall for m in ms),
                max(m.rss_mb for m in ms),
                n,
                cpu=least.cpu,
                parent_cpu=least.parent_cpu,
            )
        )
    return runs


def add_pdf_rows(n: int, work: Path, records: Path, add: Any, out: Any) -> None:
    """The paper-letter rows: prepared (not timed) by rendering every customer's reminder
    into the journal of a copy of the demo project, and the floors' inputs from it."""
    demo = work / f"pdf-demo-{n}"
    inputs = work / f"pdf-inputs-{n}.jsonl"
    if not inputs.exists():
        print(f"preparing {n} paper letters (reminders in the journal, floor inputs) ...")
        copy_project(demo)
        subprocess.run(
            [
                BRIEF,
                "render",
                "--records",
                str(records),
                "--template",
                TEMPLATE,
                "--stream",
                str(work / f"reminders-{n}.mbox"),
                "--date",
                REMINDER_DATE,
                "--no-check",
            ],
            cwd=demo,
            check=True,
            capture_output=True,
            env=ENV,
        )
        tmp = inputs.with_suffix(".tmp")
        subprocess.run(
            [
                PYTHON,
                str(BENCH / "floor_pdf.py"),
                "prepare",
                str(records),
                str(tmp),
                "--date",
                DATE,
            ],
            cwd=demo,
            check=True,
            env=ENV,
        )
        tmp.rename(inputs)
    floor = [PYTHON, str(BENCH / "floor_pdf.py")]
    add("floor-p", [*floor, "P", str(inputs), "--out", out("floor-p")], cwd=demo)
    add("floor-p16", [*floor, "P16", str(inputs), "--out", out("floor-p16")], cwd=demo)

    def render(*extra: str) -> list[str]:
        return [
            BRIEF, "render", "--records", str(records), "--template", PDF_TEMPLATE,
            "--date", DATE, "--no-journal", *extra,
        ]  # fmt: skip

    add("pdf-folder", render("--out", out("pdf-folder"), "--jobs", "1"), cwd=demo)
    add("pdf-stream", render("--stream", out("pdf-stream") + ".pdf", "--jobs", "1"), cwd=demo)
    add("pdf-folder-jobs", render("--out", out("pdf-fj2"), "--jobs", "2"), cwd=demo, parent=True)
    add(
        "pdf-stream-jobs",
        render("--stream", out("pdf-sj2") + ".pdf", "--jobs", "2"),
        cwd=demo,
        parent=True,
    )


STARTUP = {
    "python -c pass": "bare interpreter",
    "brief --version": "",
    "brief --help": "",
    "brief render, demo": "the demo's 20 customers, betalingsherinnering, `--out DIR --text`: "
    "what every render costs besides its letters (imports, the project, the first letter of "
    "each template)",
    "brief lint, cold": "demo project, its lint cache emptied before each run",
    "brief lint, unchanged": "demo project, nothing changed since the last run",
}


def startup(work: Path, repeat: int = 11) -> dict[str, dict[str, float]]:
    """Median wall and CPU time of the quick commands, in seconds, in rounds."""
    demo = copy_project(work / "demo")
    cache = work / "cache"  # its own cache folder: the CMU counts kept, the lint cache not
    env = {**ENV, "XDG_CACHE_HOME": str(cache)}
    lint_cache = cache / "brief" / "lint"
    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "brief --version": [BRIEF, "--version"],
        "brief --help": [BRIEF, "--help"],
        "brief render, demo": [
            *(BRIEF, "render", "-r", "examples/customers.csv", "-t", "betalingsherinnering"),
            *("--out", str(work / "startup-out"), "--text", "--no-journal"),
            *("--date", "2026-11-22"),
        ],
        "brief lint, cold": [BRIEF, "lint"],
        "brief lint, unchanged": [BRIEF, "lint"],
    }
    measure(commands["brief lint, cold"], cwd=demo, env=env)  # the CMU counts cached
    results: dict[str, list[Measured]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            if name == "brief lint, cold":
                shutil.rmtree(lint_cache, ignore_errors=True)
            results[name].append(measure(argv, cwd=demo, env=env))
    times = {}
    for name, ms in results.items():
        times[name] = {
            "wall": statistics.median(m.wall for m in ms),
            "cpu": statistics.median(m.cpu for m in ms),
            "rss_mb": max(m.rss_mb for m in ms),
        }
        print(
            f"{name}: {times[name]['wall']:.3f} s wall, {times[name]['cpu']:.3f} s CPU "
            f"(median of {repeat})",
            flush=True,
        )
    return times


# -- RESULTS.md ----------------------------------------------------------------


def revision() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            [
                *("git", "status", "--porcelain", "--untracked-files=no", "--", "."),
                *(":(exclude)bench/results.json", ":(exclude)bench/RESULTS.md"),  # its output
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head} with uncommitted changes" if dirty else head


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    return {
        "cores": f"{usable} usable ({os.cpu_count()} in the machine), {model}",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def ratio(a: Run | None, b: Run | None) -> str:
    """How many times ``b``'s records per CPU second ``a`` does."""
    if a is None or b is None or not a.cpu or not b.cpu:
        return ""
    return f"{a.cpu_rate / b.cpu_rate:.2f}"


def table(size: dict) -> list[str]:
    runs = {r["key"]: Run(**r) for r in size["runs"]}
    if not set(runs) - set(PDF_ROWS):
        return []  # only paper-letter rows at this size: pdf_table shows them
    floor_a, floor_b, mm = runs.get("floor-a"), runs.get("floor-b"), runs.get("mailmerge")
    lines = [
        "| run | wall (s) | CPU (s) | records/s (wall) | records/CPU-s | parent CPU | "
        "peak RSS (MB) | × floor A | × floor B | × mailmerge |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in ROWS:
        run = runs.get(key)
        if run is None or key in PDF_ROWS:
            continue
        lines.append(
            f"{_measured(run)} | {ratio(run, floor_a)} | {ratio(run, floor_b)} | {ratio(run, mm)} |"
        )
    return lines


def _measured(run: Run) -> str:
    """A table row's measured cells: label, wall, CPU, rates, parent's share, peak RSS."""
    share = f"{run.parent_cpu / run.cpu:.0%}" if run.parent_cpu and run.cpu else ""
    return (
        f"| {run.label} | {run.wall:.2f} | {run.cpu:.2f} | {run.rate:,.0f} "
        f"| {run.cpu_rate:,.0f} | {share} | {run.rss_mb:.0f}"
    )


def pdf_table(size: dict) -> list[str]:
    """The paper-letter rows, against floor P (a compile per letter) and floor P16 (16
    letters per compile, as a print run typesets them)."""
    runs = {r["key"]: Run(**r) for r in size["runs"]}
    if not any(key in runs for key in PDF_ROWS):
        return []
    p, p16 = runs.get("floor-p"), runs.get("floor-p16")
    lines = [
        "",
        "The demo 14-dagenbrief as PDF/A-2b with its payment QR code, in a copy of "
        "the demo project whose journal holds each customer's reminder:",
        "",
        "| run | wall (s) | CPU (s) | letters/s (wall) | letters/CPU-s | parent CPU | "
        "peak RSS (MB) | × floor P | × floor P16 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in PDF_ROWS:
        run = runs.get(key)
        if run is None:
            continue
        lines.append(f"{_measured(run)} | {ratio(run, p)} | {ratio(run, p16)} |")
    return lines


def targets(data: dict) -> list[str]:
    """Issue 17's targets, each from one size's run (the largest measured with both rows);
    issue 13's from the paper-letter rows."""
    sizes = sorted(data["sizes"].items(), key=lambda item: int(item[0]))
    sizes += sorted(data.get("pdf", {}).items(), key=lambda item: int(item[0]))
    lines = [
        "| target | issue 17 found | goal | measured | where | met |",
        "| --- | ---: | ---: | ---: | --- | :---: |",
    ]

    def row(
        name: str,
        found: str,
        goal: float,
        value: float | None,
        where: str,
        *,
        below: bool,
        unit: str = "",
    ) -> None:
        if value is None:
            lines.append(
                f"| {name} | {found} | {'≤' if below else '≥'} {goal:g}{unit} | not measured | | |"
            )
            return
        met = value <= goal if below else value >= goal
        shown = f"{value:.0%}" if unit == " %" else f"{value:.2f}"
        goal_shown = f"{goal:.0%}" if unit == " %" else f"{goal:g}{unit}"
        lines.append(
            f"| {name} | {found} | {'≤' if below else '≥'} {goal_shown} | {shown} | {where} "
            f"| {'yes' if met else '**no**'} |"
        )

    def largest(*keys: str) -> tuple[str, dict[str, Run]] | None:
        for n, size in sorted(sizes, key=lambda item: int(item[0]), reverse=True):
            runs = {r["key"]: Run(**r) for r in size["runs"]}
            if all(k in runs and runs[k].cpu for k in keys):
                return f"{int(n):,} records", runs
        return None

    def cpu_ratio(name: str, found: str, goal: float, a: str, b: str) -> None:
        got = largest(a, b)
        if got is None:
            row(name, found, goal, None, "", below=False)
            return
        where, runs = got
        row(name, found, goal, runs[a].cpu_rate / runs[b].cpu_rate, f"{where}, CPU", below=False)

    cpu_ratio(
        "`render --stream`, checks on, `--jobs 1` ÷ floor A",
        "0.46",
        0.70,
        "render-stream",
        "floor-a",
    )
    cpu_ratio(
        "`render --out DIR`, checks on, `--jobs 1` ÷ floor B",
        "0.60",
        0.85,
        "render-folder",
        "floor-b",
    )
    cpu_ratio(
        "brief ÷ mailmerge, text-only e-mail, checks on", "1.19", 2.0, "text-stream", "mailmerge"
    )
    for kind, jobs, one in (
        ("stream", "render-stream-jobs", "render-stream"),
        ("folder", "render-folder-jobs", "render-folder"),
    ):
        got = largest(jobs, one)
        where, runs = got if got else ("", {})
        two = runs.get(jobs)
        single = runs.get(one)
        share = two.parent_cpu / two.cpu if two and two.parent_cpu else None
        row(
            f"`--jobs 2` ({kind}): parent's share of all CPU",
            "28 %",
            0.08,
            share,
            where,
            below=True,
            unit=" %",
        )
        total = two.cpu / single.cpu if two and single else None
        row(f"`--jobs 2` ({kind}): total CPU ÷ `--jobs 1`", "1.13", 1.05, total, where, below=True)
        wall = single.wall / two.wall if two and single else None
        row(
            f"`--jobs 2` ({kind}): wall speed-up over `--jobs 1` (two free cores)",
            "1.76",
            1.85,
            wall,
            f"{where}, wall" if where else "",
            below=False,
        )
    # The goals the measurements support (see "Targets not met" below).
    fixed = data.get("startup", {}).get("times", {}).get("brief render, demo", {}).get("cpu")
    for kind, jobs, one in (
        ("stream", "render-stream-jobs", "render-stream"),
        ("folder", "render-folder-jobs", "render-folder"),
    ):
        got = largest(jobs, one, "floor-a", "floor-a-jobs")
        if got is None:
            continue
        where, runs = got
        two, single = runs[jobs], runs[one]
        floor, floor_two = runs["floor-a"], runs["floor-a-jobs"]
        row(
            f"restated: `--jobs 2` ({kind}) total CPU ratio over floor A's, split alike",
            "",
            0.05,
            two.cpu / single.cpu - floor_two.cpu / floor.cpu,
            where,
            below=True,
        )
        row(
            f"restated: `--jobs 2` ({kind}) wall speed-up under floor A's, split alike",
            "",
            0.1,
            floor.wall / floor_two.wall - single.wall / two.wall,
            f"{where}, wall",
            below=True,
        )
        if fixed and two.parent_cpu:
            row(
                f"restated: `--jobs 2` ({kind}) parent CPU a letter ÷ a letter's CPU",
                "",
                0.08,
                (two.parent_cpu - fixed) / two.cpu,
                f"{where}, less the start-up table's `brief render, demo`",
                below=True,
                unit=" %",
            )
    cpu_ratio(
        "PDF: `render --out DIR`, `--jobs 1` ÷ floor P (issue 13)",
        "",
        0.8,
        "pdf-folder",
        "floor-p",
    )
    cpu_ratio(
        "PDF: `render --stream print.pdf`, `--jobs 1` ÷ floor P16 (issue 13)",
        "",
        0.8,
        "pdf-stream",
        "floor-p16",
    )
    got = largest("pdf-stream-jobs")
    if got is None:
        row(
            "10,000 PDF letters merged, `--jobs 2`, wall (s) (issue 13)",
            "",
            60,
            None,
            "",
            below=True,
        )
    else:
        where, runs = got
        size = runs["pdf-stream-jobs"].records
        wall = runs["pdf-stream-jobs"].wall * 10_000 / size
        how = "measured" if size == 10_000 else f"{where} × {10_000 / size:g}, extrapolated"
        row(
            "10,000 PDF letters merged, `--jobs 2`, wall (s) (issue 13)",
            "",
            60,
            wall,
            f"{how}, wall",
            below=True,
        )
    quick = data.get("startup", {}).get("times", {})

    def cpu_of(name: str) -> float | None:
        found = quick.get(name)
        return found["cpu"] if isinstance(found, dict) and found.get("cpu") else None

    def quick_ratio(a: str, b: str) -> float | None:
        x, y = cpu_of(a), cpu_of(b)
        return x / y if x and y else None

    where = "start-up, CPU, median"
    row(
        "`brief lint` on the demo ÷ `brief --version`, cold",
        "5.9",
        2,
        quick_ratio("brief lint, cold", "brief --version"),
        where,
        below=True,
    )
    row(
        "restated: cold `brief lint` on the demo, CPU (s)",
        "",
        1.0,
        cpu_of("brief lint, cold"),
        where,
        below=True,
    )
    row(
        "`brief lint` on the demo ÷ `brief --version`, no file changed",
        "5.9",
        1.3,
        quick_ratio("brief lint, unchanged", "brief --version"),
        where,
        below=True,
    )
    row(
        "`brief --version` ÷ `python -c pass`",
        "9.7",
        3,
        quick_ratio("brief --version", "python -c pass"),
        where,
        below=True,
    )
    peak = None
    for n, size in sizes:
        brief = [r["rss_mb"] for r in size["runs"] if r["key"].startswith(("render", "text"))]
        if brief:
            peak = (max(brief), f"{int(n):,} records")
    row(
        "peak RSS of brief render, MB",
        "84 (1M)",
        100,
        peak[0] if peak else None,
        peak[1] if peak else "",
        below=True,
    )
    return lines


def shortfalls(data: dict) -> list[str]:
    """For each render target that is not met, what the same run shows about why, and the
    goal the figures support (issue 17 asks for both)."""
    sizes = sorted(data["sizes"].items(), key=lambda item: int(item[0]))
    if not sizes:
        return []
    n, size = next(
        ((n, size) for n, size in sizes if any(r["key"] == "floor-a" for r in size["runs"])),
        sizes[0],
    )
    runs = {r["key"]: Run(**r) for r in size["runs"]}
    count = int(n)

    def rate(a: str, b: str) -> float | None:
        x, y = runs.get(a), runs.get(b)
        return x.cpu_rate / y.cpu_rate if x and y and x.cpu and y.cpu else None

    def per_letter(a: str, b: str) -> float | None:
        x, y = runs.get(a), runs.get(b)
        return (x.cpu - y.cpu) / count * 1e6 if x and y else None

    lines = [f"From the {count:,}-record run above (CPU):", ""]
    stream, bare = rate("render-stream", "floor-a"), rate("render-stream-nocheck", "floor-a")
    checks = rate("render-stream", "render-stream-nocheck")
    cost = per_letter("render-stream", "render-stream-nocheck")
    if stream is not None and bare is not None and checks is not None and cost is not None:
        lines.append(
            f"- **`--stream` ÷ floor A ({stream:.2f}, goal 0.7).** With its checks off brief "
            f"reaches {bare:.2f} × floor A: validating each record, the sandbox and the "
            "letter limits, the MIME message and the stream cost that much before any "
            f"check, so no speed of the checks reaches 0.7. The checks cost {cost:.0f} µs a "
            f"letter (text and HTML part, and comparing them): checks on ÷ off is "
            f"{checks:.2f}. Goals the figures support: `--no-check` ÷ floor A ≥ 0.4, and "
            "checks on ÷ off ≥ 0.5 (the checks no dearer than everything else)."
        )
    folder, bare = rate("render-folder", "floor-b"), rate("render-folder-nocheck", "floor-b")
    if folder is not None and bare is not None:
        lines.append(
            f"- **`--out DIR` ÷ floor B ({folder:.2f}, goal 0.85).** With its checks off "
            f"brief reaches {bare:.2f} × floor B (which writes each letter with one `open`; "
            "brief stages the folder and writes a manifest), so again the checks decide: "
            "the goals above, and `--no-check` ÷ floor B ≥ 0.6."
        )
    text, bare = rate("text-stream", "mailmerge"), rate("text-stream-nocheck", "mailmerge")
    if text is not None and bare is not None:
        lines.append(
            f"- **text-only ÷ mailmerge ({text:.2f}, goal 2).** Without its checks brief is "
            f"{bare:.2f} × mailmerge, below 2 before it checks anything; mailmerge checks "
            "nothing. A goal that holds brief to its own cost: text-only with checks ≥ 1.0 "
            "× mailmerge, and without ≥ 1.5 ×."
        )
    # The --jobs figures from the largest run that has them (the fixed costs weigh least).
    for n, size in reversed(sizes):
        if any(r["key"] == "floor-a-jobs" for r in size["runs"]):
            if int(n) != count:
                runs, count = {r["key"]: Run(**r) for r in size["runs"]}, int(n)
                lines += ["", f"From the {count:,}-record run above (CPU):", ""]
            break
    floor, floor_two = runs.get("floor-a"), runs.get("floor-a-jobs")
    fixed = data.get("startup", {}).get("times", {}).get("brief render, demo", {}).get("cpu")
    if floor and floor_two:
        total, wall = floor_two.cpu / floor.cpu, floor.wall / floor_two.wall
        missed = [
            goal
            for goal, short in (("1.05 × total CPU", total > 1.05), ("1.85 × wall", wall < 1.85))
            if short
        ]
        lines.append(
            f"- **What two processes cost this machine.** Floor A split like `--jobs 2` (two "
            f"forked processes, every other chunk of 64 records each) takes {total:.2f} × "
            f"the CPU of one process and finishes {wall:.2f} × sooner, though the two share "
            "nothing but the file they read: what runs before the fork runs once, and two "
            "busy processes share the machine's caches and memory bandwidth (on a virtual "
            "machine whose two cores need not be two physical ones). That is the ceiling of "
            "any `--jobs 2` figure, brief's included"
            + (f": the bare loop itself misses {' and '.join(missed)}." if missed else ".")
            + " Goals that hold brief to what the machine gives: its total CPU ratio at most "
            "0.05 above the floor's, its wall speed-up at most 0.1 below the floor's."
        )
    for key, one in (
        ("render-stream-jobs", "render-stream"),
        ("render-folder-jobs", "render-folder"),
    ):
        two, single = runs.get(key), runs.get(one)
        if not (two and single and two.parent_cpu):
            continue
        share = two.parent_cpu / two.cpu
        text = (
            f"- **`{ROWS[key]}`: parent {share:.0%} of the CPU, total "
            f"{two.cpu / single.cpu:.2f} × `--jobs 1`, wall {single.wall / two.wall:.2f} × "
            "faster.** The workers read the CSV file themselves; the parent takes their "
            "chunks in turn, checks each id against the ones before it, counts and writes."
        )
        if fixed:
            each = (two.parent_cpu - fixed) / count * 1e6
            letter = two.cpu / count * 1e6
            text += (
                f" Of its {two.parent_cpu:.2f} s, about {fixed:.2f} s is what every render "
                "costs before its letters (the start-up table's `brief render, demo`: "
                "imports, the project, the first letter of each template, which the workers "
                f"inherit); the rest is {each:.0f} µs a letter, {each / letter:.0%} of a "
                f"letter's {letter:.0f} µs. The fixed part weighs less the more records a "
                "run has; a share goal should be per letter: the parent's CPU a letter "
                "≤ 8 % of a letter's CPU."
            )
        lines.append(text)
    cold = data.get("startup", {}).get("times", {}).get("brief lint, cold", {}).get("cpu")
    if cold:
        lines.append(
            f"- **cold `brief lint` ÷ `brief --version` (goal 2).** A cold lint ({cold:.2f} s "
            "of CPU) imports Jinja, YAML, typer and the rules (about 0.25 s), compiles the "
            "demo's 19 templates, renders and checks every sample letter (114 letter parts) "
            "and lays out the sample paper letters with Typst (about 0.2 s): 2 × "
            "`--version`, a few hundredths of a second since `--version` answers before "
            "anything is imported, is out of reach for any run that lints. What every commit "
            "that leaves the letters alone costs is the unchanged run (met). The right goal "
            "for the cold run is absolute: ≤ 1 s of CPU on the demo."
        )
    return lines


def _attempts(repeat: int) -> str:
    if repeat == 1:
        return "each row run once"
    return (
        f"the rows run in {repeat} rounds (A B C … A B C …): the least CPU, the fastest "
        "wall time, the largest peak RSS"
    )


def _run_line(size: dict) -> str:
    return (
        f"Run {size['when']} on commit {size.get('code', 'unknown')}, load average before "
        f"the run {size['load']}; {_attempts(size.get('repeat', 1))}."
    )


def write_results(data: dict, path: Path) -> None:
    info = data["machine"]
    lines = [
        "# brief: throughput, CPU, memory and start-up",
        "",
        "Written by `bench/run.py` (see its docstring for what each row runs); reproduce with",
        "",
        "```sh",
        ".venv/bin/pip install -q -e '.[bench]'",
        *(f".venv/bin/python bench/run.py {command}" for command in data.get("commands", [])),
        "```",
        "",
        f"- machine: {info['cores']}; {info['system']}; Python {info['python']}",
        "- every figure is a fresh process; CPU is user + system time of the process and",
        "  every worker it reaped (`os.wait4`), and the ratios are computed on it: records",
        "  per CPU second, so they hold while the machine is busy (wall time does not)",
        "- `parent CPU`: the share of all CPU the main process spent itself (`--jobs 2` rows",
        "  run through bench/selfcpu.py, which records `RUSAGE_SELF` at exit)",
        "- records: demo-like customers (bench/generate.py), template `betalingsherinnering`",
        "  (an e-mail with an HTML part, in three variants: standard, B1 for rayon zuid,",
        "  English); the `text only` rows render a copy of the demo project without the",
        "  `*.html.j2` parts: the same letter as mailmerge's template, text only, checks on",
        "- peak RSS: `ru_maxrss` from `os.wait4`, the largest of the process and its workers",
        "- brief render runs with `--no-journal` except in the row that says so",
    ]
    for note in data.get("notes", []):
        lines.append(f"- {note}")
    for n, size in sorted(data["sizes"].items(), key=lambda item: int(item[0])):
        lines += ["", f"## {int(n):,} records", "", _run_line(size), "", *table(size)]
    for n, size in sorted(data.get("pdf", {}).items(), key=lambda item: int(item[0])):
        lines += ["", f"## {int(n):,} paper letters", "", _run_line(size), *pdf_table(size)]
    if "startup" in data:
        start = data["startup"]
        lines += [
            "",
            "## Start-up",
            "",
            f"Median of {start.get('repeat', 7)} runs in rounds, {start['when']} on commit "
            f"{start.get('code', 'unknown')}, load average before {start.get('load', '?')}.",
            "",
            "| command | wall (s) | CPU (s) | peak RSS (MB) | what |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for name, figures in start["times"].items():
            if isinstance(figures, dict):
                lines.append(
                    f"| `{name}` | {figures['wall']:.3f} | {figures['cpu']:.3f} "
                    f"| {figures['rss_mb']:.0f} | {STARTUP.get(name, '')} |"
                )
    lines += ["", "## Targets (issues 17 and 13)", "", *targets(data), ""]
    lines += [
        "## Targets not met: why, and the goals the figures support",
        "",
        *shortfalls(data),
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated record counts")
    parser.add_argument("--only", default="", help=f"comma-separated rows: {', '.join(ROWS)}")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up timings")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the rows this many rounds; keep the least"
    )
    parser.add_argument(
        "--note", action="append", default=[], help="a line for RESULTS.md (e.g. the load)"
    )
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="records and letters")
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument(
        "--report", action="store_true", help="only write RESULTS.md from the stored results"
    )
    args = parser.parse_args()
    if args.report:
        write_results(
            json.loads(args.results.read_text("utf-8")), args.results.with_name("RESULTS.md")
        )
        return
    only = {key for key in args.only.split(",") if key}
    if only - ROWS.keys():
        parser.error(f"unknown rows: {', '.join(sorted(only - ROWS.keys()))}")
    args.work.mkdir(parents=True, exist_ok=True)
    data = json.loads(args.results.read_text("utf-8")) if args.results.exists() else {}
    data.setdefault("sizes", {})
    data["machine"] = machine()
    data["notes"] = [*data.get("notes", []), *args.note]
    command = shlex.join(sys.argv[1:])
    data["commands"] = [c for c in data.get("commands", []) if c != command] + [command]
    try:
        for n in (
            () if args.startup_only else (int(s.replace("_", "")) for s in args.sizes.split(","))
        ):
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
            code = revision()
            runs = run_size(n, args.work, only, args.repeat)
            # The paper-letter rows are kept apart: running them alone at a size does not
            # replace that size's e-mail figures (nor the other way round).
            for kind, chosen in (
                ("sizes", [r for r in runs if r.key not in PDF_ROWS]),
                ("pdf", [r for r in runs if r.key in PDF_ROWS]),
            ):
                if chosen:
                    data.setdefault(kind, {})[str(n)] = {
                        "when": when,
                        "load": load,
                        "code": code,
                        "repeat": args.repeat,
                        "runs": [asdict(r) for r in chosen],
                    }
            args.results.write_text(json.dumps(data, indent=1), encoding="utf-8")
    finally:
        print("removing the letters written ...", flush=True)
        shutil.rmtree(args.work / "runs", ignore_errors=True)
    if not args.no_startup:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        data["startup"] = {
            "when": when,
            "load": load,
            "code": revision(),
            "repeat": 11,
            "times": startup(args.work),
        }
    args.results.write_text(json.dumps(data, indent=1), encoding="utf-8")
    write_results(data, args.results.with_name("RESULTS.md"))
    print(f"written: {args.results.with_name('RESULTS.md')}")


if __name__ == "__main__":
    main()
