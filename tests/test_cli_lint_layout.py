"""``brief lint`` lays out the sample paper letters: the ``layout`` rule's findings with their
exact messages and lines, on a copy of the demo project."""

from __future__ import annotations

import json
from pathlib import Path

WIDE = "Burgemeester Jhr. Mr. Dr. Van Walsum-Kortenhoevenstraat 1234 bis"
LONG_LETTER = """---
subject: Uitleg over uw huur
channel: letter
---
Geachte {{ customer.salutation }},

{% for i in range(1, 80) %}
Dit is punt {{ i }} van deze brief. Wij leggen het kort uit. Bel ons als u vragen heeft.

{% endfor %}
Met vriendelijke groet,

{{ signer.name }}
Telefoon: {{ signer.phone }}
"""


def test_an_address_too_wide_for_the_window(demo: Path, cli) -> None:
    records = demo / "examples" / "customers.csv"
    records.write_text(records.read_text("utf-8-sig").replace("Lange Delft 41", WIDE), "utf-8")

    result = cli("lint", "templates/bedankt.j2", "--no-cache")

    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"templates/bedankt.j2:0: error [layout] address line 2 {WIDE!r} is 93.0 mm wide at "
        "9.5 pt, the envelope window has room for 83 mm (letter.window.width) (region noord; "
        "sample K1001)"
    )


def test_a_letter_past_its_page_limit_points_at_the_line_that_starts_the_page(
    demo: Path, cli
) -> None:
    (demo / "templates" / "uitleg.j2").write_text(LONG_LETTER, "utf-8")

    result = cli("lint", "templates/uitleg.j2", "--no-cache", "--format", "json")

    assert result.exit_code == 1
    layout = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "layout"]
    assert layout, result.stdout
    for finding in layout:
        assert finding["path"] == "templates/uitleg.j2"
        assert finding["line"] == 7  # the paragraph inside the loop: where page 3 starts
        assert finding["message"].startswith("the letter runs to ")
        assert finding["message"].endswith(" pages, more than letter.max_pages (2)")
    assert {f["region"] for f in layout} == {"noord", "oost", "west", "zuid"}
