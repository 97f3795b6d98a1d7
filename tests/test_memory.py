"""``brief render`` streams: its peak memory does not grow with the number of records.

Peak RSS of the installed ``brief``, run as a subprocess, for a small and a ten times larger
batch. No timing is asserted (test machines are noisy), and the margin is generous: the
point is to catch what grows per record (a list of letters, of manifest lines, a dict of
every id), which would add tens of megabytes here.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BRIEF

SMALL, LARGE = 2_000, 20_000
MARGIN_MB = 25


def records(path: Path, count: int) -> Path:
    """``count`` records for the test project, with a duplicate id and a bad amount now and
    then (so that rejections are kept too)."""
    lines = ["id;region;name;email;amount;due_date"]
    for i in range(count):
        record_id = f"K{i:06d}" if i % 997 else f"K{i - 1:06d}"  # a duplicate every 997
        amount = f"{i % 900 + 10},50" if i % 1009 else "12,3x"  # a bad amount every 1009
        region = "zuid" if i % 3 == 0 else "noord"
        lines.append(f"{record_id};{region};Klant {i};k{i}@example.nl;{amount};01-11-2026")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Started from a small launcher, not from pytest itself: Linux counts the memory of the
# process a child was forked from in the child's peak (ru_maxrss survives fork and exec), so a
# child of pytest would start at pytest's own size, which hides what brief adds.
LAUNCH = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "stderr = child.stderr.read()\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "sys.stderr.buffer.write(stderr)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def peak_rss_mb(cwd: Path, *args: str) -> float:
    """Peak resident set size of ``brief ARGS``, in MB."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCH, str(BRIEF), *args], cwd=cwd, capture_output=True, text=True
    )
    code, peak_kb = launched.stdout.split()
    assert int(code) == 1, launched.stderr  # 1: some were rejected
    return int(peak_kb) / 1024  # kilobytes on Linux


@pytest.mark.parametrize("output", ["--stream", "--out"])
def test_peak_memory_does_not_grow_with_the_number_of_records(project: Path, output: str) -> None:
    peaks = []
    for count in (SMALL, LARGE):
        path = records(project / f"c{count}.csv", count)
        if output == "--out":
            (project / f"out{count}").mkdir()  # an existing folder: staged inside, moved in rounds
        peaks.append(
            peak_rss_mb(
                project,
                "render",
                "--records",
                path.name,
                "--template",
                "herinnering",
                "--date",
                "2026-11-22",
                "--skip-invalid",
                "--jobs",
                "1",
                output,
                f"letters{count}.mbox" if output == "--stream" else f"out{count}",
            )
        )
    small, large = peaks
    assert large - small < MARGIN_MB, (
        f"peak RSS {small:.0f} MB for {SMALL}, {large:.0f} MB for {LARGE}"
    )


READ = (
    "import sys, brief\n"
    "count = 0\n"
    "for item in brief.read_records(sys.argv[1], query=sys.argv[2] or None):\n"
    "    count += isinstance(item, brief.Record)\n"
    "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')]\n"
    "print(count, peak[0].split()[1])\n"
)


def reading_peak_mb(cwd: Path, location: str, query: str = "") -> tuple[int, float]:
    """How many records the installed brief reads from ``location`` and its peak RSS, in MB
    (the process's own high-water mark: not the parent's memory it was forked from)."""
    result = subprocess.run(
        [sys.executable, "-c", READ, location, query], cwd=cwd, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    count, peak_kb = result.stdout.split()
    return int(count), int(peak_kb) / 1024


def workbook(path: Path, count: int) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Klanten")
    sheet.append(["id", "region", "name", "email", "amount", "due_date"])
    for i in range(count):
        due = dt.date(2026, 11, 1) + dt.timedelta(days=i % 60)
        sheet.append([f"K{i:06d}", "noord", f"Klant {i}", f"k{i}@example.nl", i % 900 + 0.5, due])
    book.save(path)
    return path


def database(path: Path, count: int) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE klanten (id, region, name, email, amount, due_date)")
    db.executemany(
        "INSERT INTO klanten VALUES (?, ?, ?, ?, ?, ?)",
        (
            (f"K{i:06d}", "noord", f"Klant {i}", f"k{i}@example.nl", i % 900 + 0.5, "2026-11-01")
            for i in range(count)
        ),
    )
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("kind", ["xlsx", "sqlite"])
def test_a_workbook_or_a_query_is_read_in_flat_memory(tmp_path: Path, kind: str) -> None:
    """100,000 rows against 10,000. openpyxl keeps an empty element per row it parsed (about
    90 bytes: some 8 MB here), and a workbook's shared strings are loaded whole; the
    margin is far below what keeping the records (hundreds of MB) would take."""
    peaks = []
    for count in (10_000, 100_000):
        if kind == "xlsx":
            path = workbook(tmp_path / f"k{count}.xlsx", count)
            read, peak = reading_peak_mb(tmp_path, path.name)
        else:
            database(tmp_path / f"k{count}.db", count)
            read, peak = reading_peak_mb(
                tmp_path, f"sqlite:///k{count}.db", "SELECT * FROM klanten"
            )
        assert read == count
        peaks.append(peak)
    small, large = peaks
    assert large - small < MARGIN_MB, f"peak RSS {small:.0f} MB for 10,000, {large:.0f} for 100,000"
