"""brief.signoff: finding the closing of a letter and telling who signs it."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from brief.signoff import REASONS, Signature, Verdict, candidates, classify, find_signature
from brief.staff import Roster, StaffMember

CASES_FILE = Path(__file__).parent / "data" / "signoffs.yaml"
CASES: list[dict] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))

INCASSO = {"nl": "Medewerker incasso", "en": "Collections officer"}


def person(
    staff_id: str,
    name: str,
    roles: dict[str, str] = INCASSO,
    *,
    signs: bool = True,
    phone: str = "06 1234 5600",
) -> StaffMember:
    return StaffMember(
        id=staff_id,
        name=name,
        roles=roles,
        phone=phone,
        email=f"{name.lower().replace(' ', '.')}@dijkzicht.example",
        signs=signs,
    )


def roster_of(*members: StaffMember) -> Roster:
    return Roster(path="staff.yaml", members={m.id: m for m in members})


ROSTER = roster_of(
    person("ineke", "Ineke de Vries", phone="06 1234 5601"),
    person("carina", "Carina Bakker", phone="06 1234 5602"),
    person("bianca", "Bianca Mulder", phone="06 1234 5603"),
    person("linda", "Linda Jansen", phone="06 1234 5604"),
    person("directeur", "Marleen Visser", {"nl": "Directeur-bestuurder", "en": "Chief executive"}),
    person(
        "sanne",
        "Sanne Willems",
        {"nl": "Medewerker klantcontact", "en": "Customer service officer"},
        signs=False,
    ),
    person("mark-peters", "Mark Peters"),
    person("mark-deboer", "Mark de Boer"),
)


#: The organisation the labelled letters come from: its profile name and short_name.
ORGANISATION = ("Woningcorporatie Dijkzicht", "Dijkzicht")


# --------------------------------------------------------------------------- labelled set


def _param(case: dict) -> object:
    """A case; one the classifier is known to get wrong is a strict xfail, kept honest."""
    marks = []
    if "known_failure" in case:
        marks.append(pytest.mark.xfail(strict=True, reason=case["known_failure"]))
    return pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_labelled_case(case: dict) -> None:
    expect = case["expect"]
    verdict = classify(find_signature(case["text"]), ROSTER, organisation=ORGANISATION)

    assert bool(verdict.anonymous) is expect["anonymous"], verdict
    assert {m.id for m in verdict.signers} == set(expect["signers"]), verdict
    assert [name for _, name in verdict.unknown] == expect["unknown"], verdict
    if "reason" in expect:
        assert verdict.anonymous == REASONS[expect["reason"]]


def test_labelled_set_is_big_and_covers_every_kind_in_both_languages() -> None:
    assert len(CASES) >= 60
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"

    by_kind = Counter(c["kind"] for c in CASES)
    by_lang = Counter(c["lang"] for c in CASES)
    by_kind_lang = Counter((c["kind"], c["lang"]) for c in CASES)
    assert set(by_kind) == {"genuine", "anonymous", "fictitious"}
    assert set(by_lang) == {"nl", "en"}
    assert by_kind["genuine"] >= 20
    assert by_kind["anonymous"] >= 20
    assert by_kind["fictitious"] >= 10
    for kind in by_kind:
        for lang in by_lang:
            assert by_kind_lang[kind, lang] >= 3, (kind, lang)

    reasons = Counter(c["expect"].get("reason") for c in CASES if c["kind"] == "anonymous")
    assert None not in reasons, "every anonymous case names its reason"
    for key in ("team", "title", "org", "mandate", "empty", "noreply", "placeholder"):
        assert reasons[key] >= 3, key


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_labelled_case_is_consistent_with_its_kind(case: dict) -> None:
    expect = case["expect"]
    if case["kind"] == "genuine":
        assert not expect["anonymous"] and expect["signers"] and not expect["unknown"]
    elif case["kind"] == "anonymous":
        assert expect["anonymous"] and not expect["signers"] and not expect["unknown"]
    else:
        assert case["kind"] == "fictitious"
        assert not expect["anonymous"] and expect["unknown"]
    assert set(expect["signers"]) <= set(ROSTER.members)


# --------------------------------------------------------------------------- find_signature


def test_closing_line_and_block_lines() -> None:
    text = (
        "Geachte heer Jansen,\n"
        "\n"
        "U heeft een achterstand.\n"
        "\n"
        "Met vriendelijke groet,\n"
        "\n"
        "Ineke de Vries\n"
        "Medewerker incasso\n"
    )
    sig = find_signature(text)
    assert sig == Signature(
        closing="Met vriendelijke groet,",
        closing_line=4,
        lines=((6, "Ineke de Vries"), (7, "Medewerker incasso")),
    )


def test_names_on_the_closing_line() -> None:
    text = "Tot ziens.\n\nMet vriendelijke groet, Ineke, Carina, Bianca en Linda — Team Incasso\n"
    sig = find_signature(text)
    assert sig.closing == "Met vriendelijke groet,"
    assert sig.closing_line == 2
    assert sig.lines == ((2, "Ineke, Carina, Bianca en Linda — Team Incasso"),)


def test_names_after_a_dash_on_the_closing_line() -> None:
    sig = find_signature("Kind regards — Linda Jansen")
    assert sig.closing == "Kind regards"
    assert sig.lines == ((0, "Linda Jansen"),)


def test_last_closing_wins() -> None:
    text = "Met vriendelijke groet,\nTeam Incasso\n\nKind regards,\nLinda Jansen\n"
    sig = find_signature(text)
    assert sig.closing == "Kind regards,"
    assert sig.closing_line == 3
    assert sig.lines == ((4, "Linda Jansen"),)


def test_no_closing() -> None:
    sig = find_signature("Geachte heer Jansen,\n\nU heeft een achterstand.\n\nIneke de Vries\n")
    assert sig == Signature(closing=None, closing_line=None, lines=())
    verdict = classify(sig, ROSTER)
    assert verdict == Verdict(signers=(), unknown=(), anonymous=REASONS["no-closing"])


def test_closing_with_nothing_after_it() -> None:
    sig = find_signature("Met vriendelijke groet,\n\n\n")
    assert sig == Signature(closing="Met vriendelijke groet,", closing_line=0, lines=())
    assert classify(sig, ROSTER).anonymous == REASONS["empty"]


@pytest.mark.parametrize(
    "line",
    [
        "Met vriendelijke groet,",
        "Met vriendelijke groeten,",
        "met vriendelijke groet",
        "MET VRIENDELIJKE GROET",
        "Vriendelijke groet,",
        "Hartelijke groet,",
        "Met hartelijke groet,",
        "Groet,",
        "Groeten,",
        "Hoogachtend,",
        "Met de meeste hoogachting,",
        "Kind regards,",
        "Best regards,",
        "Regards,",
        "Yours sincerely,",
        "Yours faithfully,",
        "Sincerely,",
        "Warm regards,",
        "With kind regards,",
        "Many thanks,",
        "Thank you,",
        "<p>Met vriendelijke groet,</p>",
        "**Kind regards,**",
    ],
)
def test_closing_phrases(line: str) -> None:
    sig = find_signature(f"Body text.\n\n{line}\nIneke de Vries\n")
    assert sig.closing_line == 2
    assert sig.lines == ((3, "Ineke de Vries"),)


@pytest.mark.parametrize(
    "line",
    [
        "Many thanks for your payment.",
        "Thank you for your call yesterday.",
        "Regardless of the amount, please call us.",
        "Groeten uit Vlissingen en een fijne dag",
        "Best wishes for the new year to you and your family.",
        "Thanks, we have received your payment today.",
        "Bestuur en directie zijn op de hoogte.",
    ],
)
def test_body_sentences_are_not_closings(line: str) -> None:
    assert find_signature(f"Beste meneer,\n\n{line}\n").closing is None


def test_postscript_ends_the_block_and_its_closings_are_ignored() -> None:
    text = "Met vriendelijke groet,\nLinda Jansen\n\nP.S. Heeft u al betaald?\nBedankt!\n"
    sig = find_signature(text)
    assert sig.closing_line == 0
    assert sig.lines == ((1, "Linda Jansen"),)


def test_html_is_cleaned_but_tag_like_placeholders_are_kept() -> None:
    text = (
        "<p>Met vriendelijke groet,</p>\n"
        "<p><strong>Ineke de Vries</strong><br>\n"
        "Team Incasso&nbsp;Noord<br>\n"
        "<naam></p>\n"
        "</body>\n"
    )
    sig = find_signature(text)
    assert sig.closing == "Met vriendelijke groet,"
    assert sig.lines == ((1, "Ineke de Vries"), (2, "Team Incasso Noord"), (3, "<naam>"))


# --------------------------------------------------------------------------- classify


def test_signers_are_the_roster_objects_in_order_of_appearance() -> None:
    sig = find_signature("Groeten,\nLinda en Ineke de Vries\n")
    verdict = classify(sig, ROSTER)
    assert verdict.signers == (ROSTER.members["linda"], ROSTER.members["ineke"])
    assert verdict.signers[0] is ROSTER.members["linda"]
    assert verdict.unknown == () and verdict.anonymous is None


def test_unknown_names_carry_their_line_index() -> None:
    sig = find_signature("Intro.\n\nMet vriendelijke groet,\n\nIneke de Vries\nJan Jansen\n")
    verdict = classify(sig, ROSTER)
    assert verdict.unknown == ((5, "Jan Jansen"),)
    assert [m.id for m in verdict.signers] == ["ineke"]


def test_result_depends_on_the_roster_not_on_a_stale_cache() -> None:
    sig = find_signature("Met vriendelijke groet,\nIneke de Vries\n")
    assert [m.id for m in classify(sig, ROSTER).signers] == ["ineke"]

    without_ineke = roster_of(*(m for m in ROSTER if m.id != "ineke"))
    verdict = classify(sig, without_ineke)
    assert verdict.signers == ()
    assert verdict.unknown == ((1, "Ineke de Vries"),)

    other_ineke = roster_of(person("ineke2", "Ineke de Vries"))
    assert classify(sig, other_ineke).signers == (other_ineke.members["ineke2"],)


def test_a_first_name_becomes_ambiguous_when_the_roster_grows() -> None:
    sig = find_signature("Groet,\nIneke\n")
    assert [m.id for m in classify(sig, ROSTER).signers] == ["ineke"]
    two_inekes = roster_of(*ROSTER, person("ineke-b", "Ineke Bos"))
    assert classify(sig, two_inekes).unknown == ((1, "Ineke"),)


def test_signature_built_by_hand_with_lists() -> None:
    sig = Signature(closing="Groet,", closing_line=0, lines=[[1, "Carina Bakker"]])  # type: ignore[arg-type]
    assert [m.id for m in classify(sig, ROSTER).signers] == ["carina"]


def test_candidates_explain_shared_first_names_and_bare_surnames() -> None:
    assert {m.id for m in candidates("Mark", ROSTER)} == {"mark-peters", "mark-deboer"}
    assert [m.id for m in candidates("De Vries", ROSTER)] == ["ineke"]
    assert [m.id for m in candidates("A. Jansen", ROSTER)] == ["linda"]
    assert candidates("Max Mustermann", ROSTER) == ()


def test_classify_is_linear_and_cached() -> None:
    block = "\n".join(
        f"Ineke de Vries, Medewerker incasso, Telefoon: 06 1234 56{i:02d}" for i in range(2000)
    )
    text = f"Met vriendelijke groet,\n{block}\n"
    start = time.perf_counter()
    verdict = classify(find_signature(text), ROSTER)
    first = time.perf_counter() - start
    assert [m.id for m in verdict.signers] == ["ineke"]
    assert first < 2.0

    sig = find_signature(text)
    start = time.perf_counter()
    for _ in range(200):
        classify(sig, ROSTER)
    assert time.perf_counter() - start < first + 0.5
