"""``--jobs``: workers that read the records file themselves give the batch one process gives.

With ``--jobs N`` and a CSV file, each worker reads the file and renders every N-th chunk
of records; the main process only takes the chunks in turn and checks each id against the
ones before it (brief.batch._read_apart). These tests hold that to the one-process batch:
the same letters, manifest and rejections, duplicates across workers included.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from brief.batch import CHUNK, POOL_AFTER

from conftest import run_brief

HEADER = "id;region;name;email;amount;due_date"


def render(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``brief render`` in a process of its own: an in-process run inherits the threads
    earlier tests started, and brief never forks a process that has threads."""
    return run_brief("render", "--date", "2026-11-22", "--text", *args, cwd=project)


def rows(count: int) -> list[str]:
    return [
        f"K{i:05d};{'noord' if i % 3 else 'zuid'};Klant {i};k{i}@example.nl;{i % 900 + 10},50;"
        "01-11-2026"
        for i in range(count)
    ]


def awkward_records(path: Path) -> Path:
    """Enough records for workers, with what each process must see alike: duplicate ids
    (of a record the main process read, and of ones in other workers' chunks, before and
    after them), rows that cannot be read, a quoted line break, blank lines, a bad region."""
    lines = rows(POOL_AFTER + 6 * CHUNK)
    lines[100] = "K00050;noord;Dubbel;d@example.nl;5,00;01-11-2026"  # the main process read both
    first_worker_chunk = POOL_AFTER + 10
    lines[first_worker_chunk] = "K00003;noord;Dubbel;d@example.nl;5,00;01-11-2026"
    for at in range(POOL_AFTER + CHUNK + 5, len(lines), CHUNK):
        lines[at] = f"K{at - CHUNK - 1:05d};zuid;Dubbel {at};d{at}@example.nl;7,00;01-11-2026"
    lines[POOL_AFTER + 2 * CHUNK + 1] = "K88888;noord;Kort"
    lines[POOL_AFTER + 3 * CHUNK + 2] = "K77777;noord;Bedrag;b@example.nl;12,3x;01-11-2026"
    lines[POOL_AFTER + 3 * CHUNK + 7] = 'K66666;noord;"Twee\nregels";t@example.nl;1,00;01-11-2026'
    lines[POOL_AFTER + 4 * CHUNK + 3] = "K55555;nergens;Ergens;e@example.nl;1,00;01-11-2026"
    lines.insert(POOL_AFTER + 5 * CHUNK, "")
    lines.insert(POOL_AFTER + 5 * CHUNK, ";;;;;")
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("target", ["--out", "--stream"])
def test_workers_that_read_the_file_give_what_one_process_gives(project: Path, target: str) -> None:
    awkward_records(project / "many.csv")
    outputs = {}
    for jobs in ("1", "2", "3"):
        where = f"out{jobs}" if target == "--out" else f"all{jobs}.txt"
        extra = () if target == "--out" else ("--manifest", f"manifest{jobs}.jsonl")
        result = render(
            project, "-r", "many.csv", "-t", "aanmaning", target, where, "-j", jobs,
            "--skip-invalid", *extra,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr  # some records were rejected
        outputs[jobs] = result.stderr.replace(where, "TARGET").replace(jobs + ".jsonl", ".jsonl")

    if target == "--out":
        manifests = {j: (project / f"out{j}" / "manifest.jsonl").read_text("utf-8") for j in "123"}
        letters = {
            j: {p.name: p.read_bytes() for p in (project / f"out{j}").iterdir()} for j in "123"
        }
        assert letters["1"] == letters["2"] == letters["3"]
    else:
        manifests = {j: (project / f"manifest{j}.jsonl").read_text("utf-8") for j in "123"}
        streams = {j: (project / f"all{j}.txt").read_bytes() for j in "123"}
        assert streams["1"] == streams["2"] == streams["3"]
    assert manifests["1"] == manifests["2"] == manifests["3"]
    assert outputs["1"] == outputs["2"] == outputs["3"]  # the summary and the rejections

    entries = [json.loads(line) for line in manifests["2"].splitlines()]
    rejected = {e["line"]: e["reason"] for e in entries if e["status"] == "rejected"}
    # Lines: the header is line 1, and the quoted line break and the two blank rows move
    # the records after them down.
    duplicates = {102: (50, 52), 268: (3, 5), 327: (260, 262), 391: (324, 326), 455: (388, 390)}
    duplicates |= {520: (452, 454), 586: (516, 519)}
    assert rejected == {
        **{
            line: f"record 'K{number:05d}': field 'id': duplicate id (first seen on line {first})"
            for line, (number, first) in duplicates.items()
        },
        387: "record 'K88888': short row: 3 fields where the header has 6",
        452: "record 'K77777': field 'amount': '12,3x' is not an amount (write 1234.56 or "
        "1.234,56)",
        457: "record 'K66666': field 'name': contains a line break",
        518: "record 'K55555': field 'region': unknown region 'nergens' (known: noord, zuid)",
    }
    assert sum(e["status"] == "rendered" for e in entries) == POOL_AFTER + 6 * CHUNK - 11


def test_a_bad_row_a_worker_reads_refuses_the_batch_as_one_process_does(project: Path, cli) -> None:
    lines = rows(POOL_AFTER + 4 * CHUNK)
    lines[POOL_AFTER + 3 * CHUNK] = 'K99999;noord;"Jansen"x;j@example.nl;1,00;01-11-2026'
    (project / "many.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    before = sorted(p.name for p in project.iterdir())

    errors = set()
    for jobs in ("1", "2"):
        result = render(project, "-r", "many.csv", "-t", "aanmaning", "--out", "out", "-j", jobs)
        assert result.returncode == 2
        errors.add(result.stderr)
        assert sorted(p.name for p in project.iterdir()) == before  # nothing written

    (error,) = errors
    assert error == (
        f"Error: many.csv:{POOL_AFTER + 3 * CHUNK + 2}: malformed CSV: ';' expected after '\"'\n"
    )


DIES = """
import os, sys
from pathlib import Path
from brief.batch import BatchOptions, Renderer, render_batch
from brief.errors import BriefError
from brief.project import Project

many, parent = Renderer.many, os.getpid()

def dies(self, items):
    if os.getpid() != parent:
        os._exit(3)  # a worker killed mid-batch
    return many(self, items)

Renderer.many = dies
project = Path.cwd()
options = BatchOptions(
    records=project / "many.csv", template="aanmaning", out=project / "out", jobs=2, text=True
)
try:
    render_batch(Project.discover(project), options)
except BriefError as err:
    print(err)
"""


def test_a_worker_that_dies_stops_the_batch_and_nothing_is_written(project: Path) -> None:
    (project / "many.csv").write_text(
        "\n".join([HEADER, *rows(POOL_AFTER + 4 * CHUNK)]) + "\n", encoding="utf-8"
    )
    before = sorted(p.name for p in project.iterdir())

    result = subprocess.run(
        [sys.executable, "-c", DIES], cwd=project, capture_output=True, text=True, timeout=120
    )

    assert result.stdout == "worker process 1 of 2 stopped (exit code 3); nothing was written\n"
    assert sorted(p.name for p in project.iterdir()) == before


def test_a_file_that_changed_before_a_worker_read_it_is_refused(project: Path) -> None:
    from brief.errors import RecordsFileError
    from brief.records import file_identity, read_csv_part

    path = project / "customers.csv"
    identity = file_identity(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("K9;noord;Later;l@example.nl;1,00;01-11-2026\n")

    with pytest.raises(RecordsFileError) as caught:
        list(read_csv_part(path, encoding=None, identity=identity, keep=lambda index: True))

    assert str(caught.value) == (
        f"{path}: changed while it was read (its size, modification time or inode differ); "
        "nothing was written: run again once nothing writes to it"
    )


def test_a_later_duplicate_a_worker_staged_first_gives_way(project: Path) -> None:
    """Two workers render the same id: when the later record's letter is staged first, the
    earlier record still gets its letter under that name, and the later one is refused
    without taking it away."""
    from brief.batch import BatchOptions, BatchResult, Outcome, SeenIds, _Batch, _Folder, _Reading
    from brief.records import file_identity

    path = project / "customers.csv"
    out = project / "out"
    folder = _Folder(out, path)
    seen = SeenIds()
    options = BatchOptions(records=path, out=out)
    result = BatchResult(out=out, manifest=out / "manifest.jsonl")
    batch = _Batch(result, folder, options, None, seen, _Reading(path, None, file_identity(path)))

    def outcome(line: int, data: bytes, *, staged: bool) -> Outcome:
        entry = {
            "record": "K1", "status": "rendered", "line": line, "template": "aanmaning",
            "template_file": "aanmaning.j2", "region": "noord", "language": "nl",
            "channel": "letter", "channel_reason": "template is a letter", "signer": "Ineke",
            "signers": ["Ineke"],
        }  # fmt: skip
        name = "K1-aanmaning.txt"
        return Outcome(entry, data, name=name, staged=staged, unscreened=True)

    folder.staging.write("K1-aanmaning.txt", b"the later letter")  # its worker came first
    assert batch.add(outcome(2, b"the earlier letter", staged=False)) == "rendered"
    assert batch.add(outcome(9, b"", staged=True)) == "rejected"
    folder.commit()
    folder.close()
    seen.close()

    assert (out / "K1-aanmaning.txt").read_bytes() == b"the earlier letter"
    assert sorted(p.name for p in out.iterdir()) == ["K1-aanmaning.txt", "manifest.jsonl"]
    lines = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [(e["line"], e["status"]) for e in lines] == [(2, "rendered"), (9, "rejected")]
    assert lines[1]["reason"] == "record 'K1': field 'id': duplicate id (first seen on line 2)"
    assert (result.rendered, result.rejected) == (1, 1)
