"""The floors ``brief render`` is measured against: a bare Jinja2 loop.

Floor A renders, for every record, the same template files brief would
choose (subject, text and HTML part) with the same context brief builds,
in a plain ``jinja2.Environment`` (no sandbox), and throws the output
away. Floor B is the same loop writing each letter (subject, text, HTML)
to its own file. Neither validates records, builds a MIME message, runs
the letter checks, keeps a manifest or writes atomically: that is what
brief adds, and what the ratios measure.

The loop reads the CSV with :mod:`csv` and converts amounts and dates with
brief's own parsers (the ``money`` and ``date`` filters need them typed).
The part of the context that depends only on the region, language and
signer is built once per combination, as a hand-written script would.

    python bench/floor.py A /tmp/customers.csv
    python bench/floor.py B /tmp/customers.csv --out /tmp/floor-b
    python bench/floor.py A /tmp/customers.csv --jobs 2

With ``--jobs N`` the loop runs in N forked processes that each read the whole file
and render every N-th chunk of 64 records, as ``brief render --jobs N`` splits a CSV
file: what two processes cost this machine when they share nothing, the ceiling of
any ``--jobs`` figure of brief's (its total CPU against one process, its wall time).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import yaml

from brief.project import Project
from brief.records import Record, parse_amount, parse_date
from brief.render import FILTERS, GLOBALS, context, resolve_signer, split_front_matter


def environment(folder: Path) -> jinja2.Environment:
    def load(name: str) -> str:
        return split_front_matter((folder / name).read_text("utf-8-sig"))[1]

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env


def typed(row: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in row.items():
        if not value:
            continue
        if name == "amount" or name.endswith("_amount"):
            fields[name] = parse_amount(value)
        elif name == "date" or name.endswith("_date"):
            fields[name] = parse_date(value)
        else:
            fields[name] = value
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("floor", choices=["A", "B"])
    parser.add_argument("records", type=Path)
    parser.add_argument("--template", default="betalingsherinnering")
    parser.add_argument("--date", default="2026-11-22")
    parser.add_argument("--out", type=Path, help="floor B: the folder to write into")
    parser.add_argument("--project", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=1, help="processes, each every N-th chunk")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.date)
    project = Project.discover(args.project)
    roster = project.roster
    env = environment(project.templates.folder)
    if args.floor == "B":
        assert args.out is not None, "floor B needs --out"
        args.out.mkdir(parents=True)
    # (region, language, contact) -> (subject, text, html templates, context without customer)
    setups: dict[tuple[str, str, str], tuple[Any, Any, Any, dict[str, Any]]] = {}

    def setup(fields: dict[str, Any]) -> tuple[Any, Any, Any, dict[str, Any]]:
        profile = project.profile(fields["region"])
        assert profile is not None
        if "language" in fields:
            profile = profile.for_language(fields["language"])
        spec = project.templates.select(args.template, profile)
        front = yaml.safe_load(split_front_matter(spec.path.read_text("utf-8-sig"))[0])
        html = spec.path.name.replace(".j2", ".html.j2")
        record = Record("", 0, fields)
        signer = resolve_signer(record, profile, roster)
        return (
            env.from_string(front["subject"]),
            env.get_template(spec.path.name),
            env.get_template(html) if (spec.path.parent / html).exists() else None,
            context(record, profile, signer, roster, today),
        )

    def render_all(rows: Iterator[dict[str, str]]) -> None:
        for row in rows:
            fields = typed(row)
            key = (fields["region"], fields.get("language", ""), fields.get("contact", ""))
            found = setups.get(key)
            if found is None:
                found = setups[key] = setup(fields)
            subject, text, html, base = found
            ctx = dict(base)
            ctx["customer"] = fields
            letter = subject.render(ctx), text.render(ctx), html.render(ctx) if html else ""
            if args.out is not None:
                name = args.out / f"{fields['id']}-{args.template}.txt"
                with open(name, "wb") as out:
                    out.write("\n\n".join(letter).encode("utf-8"))

    def mine(worker: int) -> Iterator[dict[str, str]]:
        with args.records.open(encoding="utf-8-sig", newline="") as handle:
            for index, row in enumerate(csv.DictReader(handle, delimiter=";")):
                if index // 64 % args.jobs == worker:
                    yield row

    if args.jobs == 1:
        render_all(mine(0))
        return
    with args.records.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        for _, row in zip(range(256), reader, strict=False):  # as brief warms up its workers
            fields = typed(row)  # every template the first rows use compiled before the fork
            key = (fields["region"], fields.get("language", ""), fields.get("contact", ""))
            if key not in setups:
                setups[key] = setup(fields)
    workers = []
    for worker in range(args.jobs):
        pid = os.fork()
        if pid == 0:
            render_all(mine(worker))
            os._exit(0)
        workers.append(pid)
    for pid in workers:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
