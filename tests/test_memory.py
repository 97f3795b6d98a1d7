"""``brief render`` streams: its peak memory does not grow with the number of records.

Peak RSS of the installed ``brief``, run as a subprocess, for a small and a ten times larger
batch. No timing is asserted (test machines are noisy), and the margin is generous: the
point is to catch what grows per record (a list of letters, of manifest lines, a dict of
every id), which would add tens of megabytes here.
"""

from __future__ import annotations

import os
import subprocess
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


def peak_rss_mb(cwd: Path, *args: str) -> float:
    """Peak resident set size of ``brief ARGS`` (and any worker processes), in MB."""
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(
            [str(BRIEF), *args], cwd=cwd, stdout=devnull, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1, stderr.decode()  # 1: some were rejected
    return usage.ru_maxrss / 1024  # kilobytes on Linux


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
