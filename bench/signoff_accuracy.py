"""How many labelled sign-offs brief.signoff reads right (tests/data/signoffs.yaml).

A case is right when the verdict has the labelled anonymity (and reason), signers and
unknown names, exactly as tests/test_signoff.py asserts. The roster and organisation are
the test's. Run from the repository root::

    python bench/signoff_accuracy.py [-v]

``-v`` lists the cases read wrong. Works with the classify() of older versions too (they
were not told the organisation's names), for before/after figures.
"""

from __future__ import annotations

import inspect
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_signoff import ORGANISATION, ROSTER  # noqa: E402

from brief.signoff import REASONS, classify, find_signature  # noqa: E402


def main() -> None:
    cases = yaml.safe_load((ROOT / "tests" / "data" / "signoffs.yaml").read_text("utf-8"))
    told = "organisation" in inspect.signature(classify).parameters
    extra = {"organisation": ORGANISATION} if told else {}
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in cases:
        verdict = classify(find_signature(case["text"]), ROSTER, **extra)
        expect = case["expect"]
        good = (
            bool(verdict.anonymous) is expect["anonymous"]
            and {m.id for m in verdict.signers} == set(expect["signers"])
            and [name for _, name in verdict.unknown] == expect["unknown"]
            and ("reason" not in expect or verdict.anonymous == REASONS[expect["reason"]])
        )
        total[case["kind"]] += 1
        right[case["kind"]] += good
        if not good and "-v" in sys.argv:
            who = [m.id for m in verdict.signers]
            print(f"wrong: {case['id']}: {verdict.anonymous!r} {who} {list(verdict.unknown)}")
    for kind in sorted(total):
        print(f"{kind:<11} {right[kind]:>3} of {total[kind]:>3}")
    print(f"{'all':<11} {sum(right.values()):>3} of {sum(total.values()):>3}")


if __name__ == "__main__":
    main()
