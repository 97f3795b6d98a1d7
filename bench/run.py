"""Measure ``brief render`` against its floors and against mailmerge; write bench/RESULTS.md.

For each size N it generates N demo-like records (bench/generate.py) and
runs, one after the other, each in a fresh process (wall time, and peak
RSS of the process and its workers from ``os.wait4``):

- floor A: a bare Jinja2 loop rendering the same templates with the same
  context, output discarded (bench/floor.py);
- floor B: the same loop writing each letter to its own file;
- brief render with the checks off and on, to a folder and to one stream
  file, on one core (``--jobs 1``) and on all cores (the default);
- mailmerge 2.3.0 (``--dry-run --no-limit --output-format raw``, every
  message printed to stdout, sent to /dev/null) with an equivalent plain
  template (bench/mailmerge/), the tool users would otherwise pick;

and, once, the wall time of ``brief --version``, ``brief --help`` and
``brief lint`` on the demo project. Results are kept per size in
bench/results.json (a size run again replaces its figures, so every
ratio comes from one run) and written as a table to bench/RESULTS.md.

mailmerge is optional: ``pip install -e '.[bench]'`` (or ``pip install
mailmerge==2.3.0``); without it that row is skipped with a note.

    python bench/run.py                                  # quick: 10,000 records
    python bench/run.py --sizes 10000,100000 --repeat 3  # what RESULTS.md shows, and:
    python bench/run.py --sizes 1000000 --only floor-a,floor-b,render-stream,render-folder --no-startup

Each size's figures replace that size's earlier ones in bench/results.json;
RESULTS.md shows every size measured so far.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

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


@dataclass
class Run:
    key: str
    label: str
    wall: float  # seconds
    rss_mb: float  # peak resident set size of the process and its children
    records: int
    note: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.wall if self.wall else 0.0


def measure(argv: list[str], *, stdout: str | None = None, cwd: Path = REPO) -> tuple[float, float]:
    """Run ``argv`` in a fresh process: (wall seconds, peak RSS in MB of it and its children)."""
    with open(stdout or os.devnull, "wb") as sink, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=sink, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{message}")
    return wall, usage.ru_maxrss / 1024  # Linux: kilobytes


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
    "render-folder-nocheck": "brief render --out DIR --no-check --jobs 1",
    "render-folder": "brief render --out DIR --jobs 1",
    "render-stream-nocheck": "brief render --stream FILE --no-check --jobs 1",
    "render-stream": "brief render --stream FILE --jobs 1",
    "render-stdout": "brief render --stream - --jobs 1 (> /dev/null)",
    "render-folder-jobs": "brief render --out DIR (--jobs: all cores)",
    "render-stream-jobs": "brief render --stream FILE (--jobs: all cores)",
    "render-folder-journal": "brief render --out DIR --jobs 1, letters recorded in the journal",
    "mailmerge": "mailmerge --dry-run --no-limit (> /dev/null)",
}


def run_size(n: int, work: Path, only: set[str], repeat: int = 1) -> list[Run]:
    records = work / f"customers-{n}.csv"
    if not records.exists():
        print(f"generating {n} records ...", flush=True)
        generate(n, records)
    runs: list[Run] = []

    def add(key: str, argv: list[str], note: str = "", stdout: str | None = None) -> None:
        if only and key not in only:
            return
        print(f"{n:>9}  {ROWS[key]} ...", end=" ", flush=True)
        outputs = [Path(a) for a in argv if a.startswith(str(work / "runs"))]
        walls, peaks = [], []
        for attempt in range(repeat):
            wall, rss = measure(argv, stdout=stdout)
            walls.append(wall)
            peaks.append(rss)
            for path in outputs:  # out of the way, not deleted (see out() below)
                if path.exists():
                    path.rename(path.with_name(f"{path.name}.{attempt}"))
        # the fastest attempt (the least disturbed by the rest of the machine), and the
        # largest peak memory of any
        wall, rss = min(walls), max(peaks)
        run = Run(key, ROWS[key], wall, rss, n, note)
        print(f"{wall:8.2f} s  {run.rate:8.0f}/s  {rss:6.1f} MB", flush=True)
        runs.append(run)

    def out(key: str) -> str:
        """A new path for each run's output. Nothing is deleted until the end: on ext4,
        creating files right after deleting many is several times slower, which would
        penalise whichever run came next."""
        return str(work / "runs" / f"{n}-{key}")

    floor = [PYTHON, str(BENCH / "floor.py")]
    add("floor-a", [*floor, "A", str(records)])
    add("floor-b", [*floor, "B", str(records), "--out", out("floor-b")])
    add("render-folder-nocheck", brief_render(records, "-o", out("fn"), "--no-check", "-j1"))
    add("render-folder", brief_render(records, "--out", out("folder"), "--jobs", "1"))
    add("render-stream-nocheck", brief_render(records, "--stream", out("sn"), "--no-check", "-j1"))
    add("render-stream", brief_render(records, "--stream", out("stream"), "--jobs", "1"))
    add("render-stdout", brief_render(records, "--stream", "-", "--jobs", "1"))
    add("render-folder-jobs", brief_render(records, "--out", out("folder-jobs")))
    add("render-stream-jobs", brief_render(records, "--stream", out("stream-jobs")))
    journal = ("--journal", out("journal.sqlite"))
    add("render-folder-journal", brief_render(records, "-o", out("fj"), "-j1", *journal))
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
    return runs


def startup(repeat: int = 7) -> dict[str, float]:
    """Median wall time of the quick commands, in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        demo.mkdir()
        shutil.copy(REPO / "brief.yaml", demo)
        for folder in ("templates", "regions", "examples"):
            shutil.copytree(REPO / folder, demo / folder)
        commands = {
            "brief --version": [BRIEF, "--version"],
            "brief --help": [BRIEF, "--help"],
            "brief lint (demo project)": [BRIEF, "lint"],
        }
        times = {}
        for name, argv in commands.items():
            walls = [measure(argv, cwd=demo)[0] for _ in range(repeat)]
            times[name] = statistics.median(walls)
            print(f"{name}: {times[name]:.3f} s (median of {repeat})", flush=True)
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
    if a is None or b is None or not b.rate:
        return ""
    return f"{a.rate / b.rate:.2f}"


def table(size: dict) -> list[str]:
    runs = {r["key"]: Run(**r) for r in size["runs"]}
    floor_a, floor_b, mm = runs.get("floor-a"), runs.get("floor-b"), runs.get("mailmerge")
    lines = [
        "| run | wall (s) | records/s | peak RSS (MB) | × floor A | × floor B | × mailmerge |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in ROWS:
        run = runs.get(key)
        if run is None:
            continue
        lines.append(
            f"| {run.label} | {run.wall:.2f} | {run.rate:,.0f} | {run.rss_mb:.0f} "
            f"| {ratio(run, floor_a)} | {ratio(run, floor_b)} | {ratio(run, mm)} |"
        )
    return lines


def _ratio(runs: dict[str, Run], a: str, b: str) -> float | None:
    x, y = runs.get(a), runs.get(b)
    return x.rate / y.rate if x and y and y.rate else None


def targets(data: dict) -> list[str]:
    lines = []

    def check(name: str, value: float | None, goal: float, *, below: bool = False) -> None:
        if value is None:
            lines.append(f"- not measured: {name}")
            return
        met = value < goal if below else value >= goal
        verdict = "met" if met else "**not met**"
        lines.append(f"- {verdict}: {name}: {value:.2f} (target {'<' if below else '≥'} {goal:g})")

    for n, size in sorted(data["sizes"].items(), key=lambda item: int(item[0])):
        runs = {r["key"]: Run(**r) for r in size["runs"]}
        lines.append(f"\n{int(n):,} records:\n")
        for name, a, b, goal in (
            ("stream, checks on, one core ÷ floor A", "render-stream", "floor-a", 0.5),
            ("stream, checks on, one core ÷ mailmerge", "render-stream", "mailmerge", 5),
            ("folder, checks on, one core ÷ floor B", "render-folder", "floor-b", 0.7),
            ("stream, checks on: all cores ÷ one core", "render-stream-jobs", "render-stream", 1.6),
            ("folder, checks on: all cores ÷ one core", "render-folder-jobs", "render-folder", 1.6),
        ):
            if a in runs and b in runs:  # a size measured with --only may lack a row
                check(name, _ratio(runs, a, b), goal)
        brief = [run.rss_mb for key, run in runs.items() if key.startswith("render")]
        if brief:
            check("peak RSS of brief render, MB", max(brief), 150, below=True)
        floor = _ratio(runs, "floor-a", "mailmerge")
        if floor:
            lines.append(
                f"- note: floor A itself runs at {floor:.2f} × mailmerge, so 5 × mailmerge "
                f"needs brief {5 / floor:.1f} × faster than the bare Jinja2 loop, which does "
                "a part of brief's work"
            )
    peaks = []
    for n, size in sorted(data["sizes"].items(), key=lambda item: int(item[0])):
        rows = [r for r in size["runs"] if r["key"] in ("render-stream", "render-folder")]
        if rows:
            peaks.append(f"{max(r['rss_mb'] for r in rows):.0f} MB at {int(n):,}")
    if len(peaks) > 1:
        lines.append(
            "\nPeak RSS of brief render (checks on, one core) by size, to see whether it "
            f"grows with N: {', '.join(peaks)}."
        )
    startup = data.get("startup", {}).get("times", {})
    if startup:
        lines.append("\nStart-up:\n")
    for name, wall in startup.items():
        if name != "brief lint (demo project)":
            check(f"`{name}` wall time, s", wall, 0.3, below=True)
    return lines


def _attempts(repeat: int) -> str:
    if repeat == 1:
        return "each row run once"
    return f"each row run {repeat} times: the fastest wall time, the largest peak RSS"


def write_results(data: dict, path: Path) -> None:
    info = data["machine"]
    lines = [
        "# brief render: throughput and memory",
        "",
        "Written by `bench/run.py` (see its docstring for what each row runs); reproduce with",
        "",
        "```sh",
        ".venv/bin/pip install -q -e '.[bench]' && .venv/bin/python bench/run.py --sizes 10000,100000 --repeat 3",
        ".venv/bin/python bench/run.py --sizes 1000000 --only floor-a,floor-b,render-stream,render-folder --no-startup",
        "```",
        "",
        f"- machine: {info['cores']}; {info['system']}; Python {info['python']}",
        "- every figure is a fresh process, one after the other; ratios compare records per",
        "  second within one size, from one run of `bench/run.py` (with `--repeat`, each row",
        "  is run that many times in a row and the fastest kept)",
        "- records: demo-like customers (bench/generate.py), template `betalingsherinnering`",
        "  (an e-mail with an HTML part, in three variants: standard, B1 for rayon zuid, English)",
        "- peak RSS: `ru_maxrss` from `os.wait4`, the largest of the process and its workers",
        "- brief render runs with `--no-journal` except in the row that says so: recording the",
        "  letters in the contact log (on by default) is a pass over the manifest after the batch",
        "- the machine is shared (other test runs), so figures are noisy: load average below;",
        "  and creating files is several times slower for a while after many were deleted, so",
        "  the folder rows (floor B too) depend on what ran before them",
    ]
    for n, size in sorted(data["sizes"].items(), key=lambda item: int(item[0])):
        lines += [
            "",
            f"## {int(n):,} records",
            "",
            f"Run {size['when']} on commit {size.get('code', 'unknown')}, load average before "
            f"the run {size['load']}; {_attempts(size.get('repeat', 1))}.",
            "",
            *table(size),
        ]
    if "startup" in data:
        lines += [
            "",
            "## Start-up",
            "",
            f"Median wall time of 7 runs, {data['startup']['when']}.",
            "",
            "| command | wall (s) |",
            "| --- | ---: |",
            *(f"| `{name}` | {wall:.3f} |" for name, wall in data["startup"]["times"].items()),
        ]
    lines += ["", "## Targets", *targets(data), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated record counts")
    parser.add_argument("--only", default="", help=f"comma-separated rows: {', '.join(ROWS)}")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each row this many times; keep the fastest"
    )
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="records and letters")
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument(
        "--report", action="store_true", help="only write RESULTS.md from the stored results"
    )
    args = parser.parse_args()
    if args.report:
        write_results(json.loads(args.results.read_text("utf-8")), BENCH / "RESULTS.md")
        return
    only = {key for key in args.only.split(",") if key}
    if only - ROWS.keys():
        parser.error(f"unknown rows: {', '.join(sorted(only - ROWS.keys()))}")
    args.work.mkdir(parents=True, exist_ok=True)
    data = json.loads(args.results.read_text("utf-8")) if args.results.exists() else {}
    data.setdefault("sizes", {})
    data["machine"] = machine()
    try:
        for n in (int(s.replace("_", "")) for s in args.sizes.split(",")):
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
            code = revision()
            runs = run_size(n, args.work, only, args.repeat)
            data["sizes"][str(n)] = {
                "when": when,
                "load": load,
                "code": code,
                "repeat": args.repeat,
                "runs": [asdict(r) for r in runs],
            }
            args.results.write_text(json.dumps(data, indent=1), encoding="utf-8")
    finally:
        print("removing the letters written ...", flush=True)
        shutil.rmtree(args.work / "runs", ignore_errors=True)
    if not args.no_startup:
        when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        data["startup"] = {"when": when, "times": startup()}
    args.results.write_text(json.dumps(data, indent=1), encoding="utf-8")
    write_results(data, BENCH / "RESULTS.md")
    print(f"written: {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
