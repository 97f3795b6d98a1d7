"""Follow-up levels: brief.yaml's followup:, and what decide() makes of a customer's journal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from brief.errors import ConfigError, RecordError
from brief.followup import (
    DUE,
    EXCLUDED,
    FINISHED,
    HELD,
    WAITING,
    WORK,
    Contact,
    Followup,
    contact_of,
    decide,
    plan_record,
    term_end,
)
from brief.journal import Entry
from brief.project import load_settings
from brief.records import Record

D = dt.date.fromisoformat

DEMO = """\
followup:
  - template: betalingsherinnering
    after_days: 7
    from: due_date
  - template: 14-dagenbrief
    fourteen_day_letter: true
    after_days: 14
  - action: call
    after_days: 21
  - action: hand-over
    after_days: 14
    charges_wik: true
    min_amount: 250
  - template: betalingsregeling
    for_arrangement: true
    after_days: 0
    from: due_date
    min_gap_days: 1
"""


def followup(tmp_path: Path, text: str = DEMO) -> Followup:
    (tmp_path / "brief.yaml").write_text(text, encoding="utf-8")
    loaded = load_settings(tmp_path).followup
    assert loaded is not None
    return loaded


def config_error(tmp_path: Path, text: str) -> str:
    (tmp_path / "brief.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    return str(caught.value).replace(str(tmp_path / "brief.yaml"), "brief.yaml")


def record(**fields: object) -> Record:
    base: dict[str, object] = {
        "id": "K1",
        "region": "noord",
        "name": "Anna de Vries",
        "email": "anna@example.nl",
        "amount": Decimal("456.78"),
        "due_date": D("2026-11-01"),
    }
    base.update(fields)
    return Record(path="open.csv", line=2, fields=base)


def sent(
    template: str, day: str, status: str = "sent", amount: Decimal | None = Decimal("456.78")
) -> Contact:
    """A letter the journal knows, naming the amount of :func:`record`'s customer."""
    return Contact(
        template=template, letter_date=D(day), signer="Ineke de Vries", status=status, amount=amount
    )


# -- brief.yaml --------------------------------------------------------------------------


def test_the_steps_in_order_with_their_settings(tmp_path: Path) -> None:
    steps = followup(tmp_path).steps

    assert [s.name for s in steps] == [
        "betalingsherinnering",
        "14-dagenbrief",
        "call",
        "hand-over",
        "betalingsregeling",
    ]
    assert [s.counted_from for s in steps] == [
        "due_date",
        "previous",
        "previous",
        "previous",
        "due_date",
    ]
    assert [s.line for s in steps] == [2, 5, 8, 10, 14]
    assert steps[1].fourteen_day_letter and not steps[1].charges_wik
    assert steps[3].charges_wik and steps[3].min_amount == Decimal("250")
    assert steps[3].action == "hand-over" and steps[3].template is None
    assert steps[4].for_arrangement and steps[4].min_gap_days == 1
    assert steps[0].min_gap_days == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "followup:\n  - template: a\n    after_days: soon\n",
            "brief.yaml:3: followup[1]: field 'after_days': must be a whole number of days "
            "(0-3650), not 'soon'",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n  - action: fax\n    after_days: 2\n",
            "brief.yaml:4: followup[2]: field 'action': 'fax' is not one of call, hand-over",
        ),
        (
            "followup:\n  - after_days: 1\n",
            "brief.yaml:2: followup[1]: give either 'template' (a letter) or 'action' "
            "(call, hand-over)",
        ),
        (
            "followup:\n  - template: a\n    action: call\n    after_days: 1\n",
            "brief.yaml:2: followup[1]: give either 'template' (a letter) or 'action' "
            "(call, hand-over)",
        ),
        (
            "followup:\n  - template: a\n",
            "brief.yaml:2: followup[1]: field 'after_days' is required (days until the step "
            "is due)",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n    charge_wik: true\n",
            "brief.yaml:4: followup[1]: field 'charge_wik': unknown field (known: action, "
            "after_days, channel, charges_wik, for_arrangement, fourteen_day_letter, from, "
            "min_amount, min_gap_days, name, rayons, template, without_reminder)",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n    fourteen_day_letter: true\n"
            "    charges_wik: true\n",
            "brief.yaml:5: followup[1]: field 'charges_wik': the 14-day letter cannot charge "
            "collection costs: they may be charged only after its term",
        ),
        (
            "followup:\n  - action: call\n    after_days: 1\n    fourteen_day_letter: true\n",
            "brief.yaml:4: followup[1]: field 'fourteen_day_letter': only a letter step "
            "(template) can be one",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n    without_reminder: true\n",
            "brief.yaml:4: followup[1]: field 'without_reminder': only for the 14-day letter "
            "(fourteen_day_letter)",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n    min_gap_days: 0\n",
            "brief.yaml:4: followup[1]: field 'min_gap_days': must be a whole number of days "
            "(1-365), not 0",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n    min_amount: '1.234'\n",
            "brief.yaml:4: followup[1]: field 'min_amount': '1.234' is ambiguous "
            "(write 1234 or 1234,00)",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n  - template: a\n    after_days: 3\n",
            "brief.yaml:4: followup[2]: template 'a' is already step 1 (the journal tells the "
            "steps apart by their template)",
        ),
        (
            "followup:\n  - template: a\n    after_days: 1\n    from: invoice\n",
            "brief.yaml:4: followup[1]: field 'from': 'invoice' is not one of due_date, previous",
        ),
        (
            "followup:\n  - action: call\n    after_days: 1\n  - action: call\n    after_days: 3\n",
            "brief.yaml:4: followup[2]: step name 'call' is already step 1",
        ),
        ("followup:\n  - call\n", "brief.yaml:2: followup[1]: a step must be a mapping"),
        ("followup: []\n", "brief.yaml:1: field 'followup': give at least one step"),
        ("followup: call\n", "brief.yaml:1: field 'followup': must be a list of steps"),
    ],
)
def test_a_mistake_names_the_step_and_its_line(tmp_path: Path, text: str, message: str) -> None:
    assert config_error(tmp_path, text) == message


# -- the walk ----------------------------------------------------------------------------


def test_the_first_step_is_due_a_week_after_the_due_date(tmp_path: Path) -> None:
    levels = followup(tmp_path)

    before = decide(record(), [], levels, D("2026-11-05"))
    due = decide(record(), [], levels, D("2026-11-08"))

    assert (before.status, before.on) == (WAITING, D("2026-11-08"))
    assert before.reason == (
        "due date 2026-11-01, 4 days ago: betalingsherinnering due on 2026-11-08 (in 3 days)"
    )
    assert (due.status, due.step and due.step.template) == (DUE, "betalingsherinnering")
    assert due.reason == (
        "due date 2026-11-01, 7 days ago: betalingsherinnering due (7 days after the due date)"
    )


def test_the_next_step_counts_from_the_letter_date_of_the_previous(tmp_path: Path) -> None:
    levels = followup(tmp_path)
    history = [sent("betalingsherinnering", "2026-11-08")]

    waiting = decide(record(), history, levels, D("2026-11-21"))
    due = decide(record(), history, levels, D("2026-11-22"))

    assert waiting.status == WAITING
    assert waiting.reason == (
        "betalingsherinnering sent 2026-11-08 by Ineke de Vries, 13 days ago: "
        "14-dagenbrief due on 2026-11-22 (in 1 day)"
    )
    assert due.status == DUE
    assert due.reason == (
        "betalingsherinnering sent 2026-11-08 by Ineke de Vries, 14 days ago: "
        "14-dagenbrief due (14 days after)"
    )


def test_no_14_day_letter_without_an_earlier_reminder(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n"
        "  - template: betalingsherinnering\n    after_days: 7\n    channel: email\n"
        "  - template: 14-dagenbrief\n    fourteen_day_letter: true\n    after_days: 14\n",
    )
    customer = record(email=None)  # no e-mail: the reminder is not for them

    held = decide(customer, [], levels, D("2026-11-22"))

    assert held.status == HELD
    assert held.reason == (
        "due date 2026-11-01, 21 days ago: 14-dagenbrief due (14 days after the due date), "
        "but refused: no earlier reminder for this arrears in the journal (since the due date "
        "2026-11-01); the 14-day letter follows a reminder"
    )
    # A reminder for an earlier arrears does not count, nor one that did not go.
    for history in (
        [sent("betalingsherinnering", "2026-10-08")],
        [sent("betalingsherinnering", "2026-11-08", status="queued")],
    ):
        assert decide(customer, history, levels, D("2026-11-22")).status == HELD


def test_the_14_day_letter_first_when_the_step_says_so(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n  - template: 14-dagenbrief\n    fourteen_day_letter: true\n"
        "    without_reminder: true\n    after_days: 0\n",
    )

    on_the_due_date = decide(record(), [], levels, D("2026-11-01"))
    next_day = decide(record(), [], levels, D("2026-11-02"))

    assert on_the_due_date.status == HELD
    assert on_the_due_date.on == D("2026-11-02")
    assert on_the_due_date.reason.endswith(
        "but refused: the due date 2026-11-01 has not passed (a 14-day letter only for an "
        "amount overdue)"
    )
    assert next_day.status == DUE


def test_the_14_day_term_starts_the_day_after_assumed_delivery() -> None:
    # Dated 22 November, received 25 November, 14 days from 26 November: the last day
    # to pay is 9 December, which is what the template prints (today + 17).
    assert term_end(D("2026-11-22")) == D("2026-12-09")


WIK = (
    "followup:\n"
    "  - template: betalingsherinnering\n    after_days: 7\n    from: due_date\n"
    "  - template: 14-dagenbrief\n    fourteen_day_letter: true\n    after_days: 14\n"
    "  - template: incassokosten\n    charges_wik: true\n    after_days: 1\n"
)


def test_collection_costs_only_after_the_term_of_a_sent_14_day_letter(tmp_path: Path) -> None:
    levels = followup(tmp_path, WIK)
    history = [sent("betalingsherinnering", "2026-11-08"), sent("14-dagenbrief", "2026-11-22")]

    in_term = decide(record(), history, levels, D("2026-12-09"))
    after = decide(record(), history, levels, D("2026-12-10"))

    assert in_term.status == HELD
    assert in_term.on == D("2026-12-10")
    assert in_term.reason == (
        "14-dagenbrief sent 2026-11-22 by Ineke de Vries, 17 days ago: incassokosten due "
        "(1 day after), but refused: collection costs (WIK) only after the 14-day term of the "
        "14-dagenbrief of 2026-11-22, which ends on 2026-12-09 (received 3 days after its date "
        "assumed)"
    )
    assert after.status == DUE


def test_collection_costs_are_over_the_amount_the_14_day_letter_named(tmp_path: Path) -> None:
    levels = followup(tmp_path, WIK)
    history = [sent("betalingsherinnering", "2026-11-08"), sent("14-dagenbrief", "2026-11-22")]

    grown = decide(record(amount=Decimal("700.00")), history, levels, D("2026-12-10"))

    assert grown.status == DUE
    assert grown.wik_amount == Decimal("456.78")
    assert grown.reason.endswith(
        "incassokosten due (1 day after); collection costs (WIK) over €456.78, the amount the "
        "14-dagenbrief of 2026-11-22 named (the records say €700.00 now)"
    )
    assert plan_record(grown)["wik_amount"] == "456.78"
    assert plan_record(grown)["amount"] == "700.00"


def test_collection_costs_held_when_the_journal_does_not_know_the_amount(tmp_path: Path) -> None:
    levels = followup(tmp_path, WIK)
    history = [
        sent("betalingsherinnering", "2026-11-08"),
        sent("14-dagenbrief", "2026-11-22", amount=None),  # journaled by brief 0.1 (version 3)
    ]

    held = decide(record(), history, levels, D("2026-12-10"))

    assert (held.status, held.on, held.wik_amount) == (HELD, None, None)
    assert held.reason.endswith(
        "but refused: it charges collection costs (WIK) over the amount the 14-dagenbrief of "
        "2026-11-22 named, and the journal does not know that amount (the letter's record had "
        "no 'amount', or an older brief journaled it): check it by hand"
    )


def test_collection_costs_never_without_a_14_day_letter(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n  - template: betalingsherinnering\n    after_days: 7\n"
        "  - template: incassokosten\n    charges_wik: true\n    after_days: 30\n",
    )

    held = decide(record(), [sent("betalingsherinnering", "2026-11-08")], levels, D("2027-01-08"))

    assert held.status == HELD
    assert held.reason.endswith(
        "but refused: it charges collection costs (WIK), and no 14-day letter was sent for "
        "this arrears"
    )


def test_never_two_collection_letters_within_a_week(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n  - template: betalingsherinnering\n    after_days: 7\n"
        "  - template: tweede-herinnering\n    after_days: 3\n",
    )
    history = [sent("betalingsherinnering", "2026-11-08")]

    held = decide(record(), history, levels, D("2026-11-12"))
    later = decide(record(), history, levels, D("2026-11-15"))

    assert held.status == HELD
    assert held.on == D("2026-11-15")
    assert held.reason == (
        "betalingsherinnering sent 2026-11-08 by Ineke de Vries, 4 days ago: "
        "tweede-herinnering due (3 days after), but refused: betalingsherinnering sent "
        "2026-11-08 by Ineke de Vries, 4 days ago (at least 7 days between collection letters; "
        "possible from 2026-11-15)"
    )
    assert later.status == DUE


def test_a_step_is_never_due_twice(tmp_path: Path) -> None:
    levels = followup(
        tmp_path, "followup:\n  - template: betalingsherinnering\n    after_days: 7\n"
    )

    done = decide(record(), [sent("betalingsherinnering", "2026-11-08")], levels, D("2027-02-01"))

    assert done.status == FINISHED
    assert done.reason == (
        "every step done: betalingsherinnering sent 2026-11-08 by Ineke de Vries, 85 days ago"
    )


def test_never_back_to_an_earlier_step(tmp_path: Path) -> None:
    levels = followup(tmp_path)
    # The 14-day letter went by hand without the reminder: no reminder afterwards.
    decision = decide(record(), [sent("14-dagenbrief", "2026-11-10")], levels, D("2026-11-20"))

    assert decision.status == WAITING
    assert decision.step is not None and decision.step.name == "call"


def test_calls_and_hand_overs_stay_on_the_work_list_until_the_next_step(tmp_path: Path) -> None:
    levels = followup(tmp_path)
    history = [sent("betalingsherinnering", "2026-11-08"), sent("14-dagenbrief", "2026-11-22")]

    call = decide(record(), history, levels, D("2026-12-13"))
    still = decide(record(), history, levels, D("2026-12-26"))
    hand_over = decide(record(), history, levels, D("2026-12-27"))
    small = decide(record(amount=Decimal("215.00")), history, levels, D("2026-12-27"))

    assert (call.status, call.step and call.step.name, call.on) == (
        WORK,
        "call",
        D("2026-12-13"),
    )
    assert call.reason == (
        "14-dagenbrief sent 2026-11-22 by Ineke de Vries, 21 days ago: call since 2026-12-13; "
        "hand-over due on 2026-12-27 (in 14 days)"
    )
    assert (still.status, still.step and still.step.name) == (WORK, "call")
    assert (hand_over.status, hand_over.step and hand_over.step.name) == (WORK, "hand-over")
    assert hand_over.reason == (
        "call on the work list since 2026-12-13: hand-over since 2026-12-27 (the last step); "
        "collection costs (WIK) over €456.78, the amount the 14-dagenbrief of 2026-11-22 named"
    )
    assert hand_over.wik_amount == Decimal("456.78")
    assert small.reason == (
        "14-dagenbrief sent 2026-11-22 by Ineke de Vries, 35 days ago: call since 2026-12-13; "
        "no further step (hand-over not for this customer (amount €215.00 below €250.00))"
    )


def test_a_hand_over_with_collection_costs_waits_for_the_term(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n"
        "  - template: betalingsherinnering\n    after_days: 7\n"
        "  - template: 14-dagenbrief\n    fourteen_day_letter: true\n    after_days: 14\n"
        "  - action: hand-over\n    charges_wik: true\n    after_days: 7\n",
    )
    history = [sent("betalingsherinnering", "2026-11-08"), sent("14-dagenbrief", "2026-11-22")]

    waiting = decide(record(), history, levels, D("2026-12-01"))
    listed = decide(record(), history, levels, D("2026-12-10"))

    assert (waiting.status, waiting.on) == (WAITING, D("2026-12-10"))
    assert waiting.reason.startswith(
        "14-dagenbrief sent 2026-11-22 by Ineke de Vries, 9 days ago: hand-over due on "
        "2026-12-10 (in 9 days); collection costs (WIK) only after the 14-day term"
    )
    assert (listed.status, listed.on) == (WORK, D("2026-12-10"))


def test_nothing_to_a_customer_on_the_do_not_send_list(tmp_path: Path) -> None:
    decision = decide(
        record(),
        [],
        followup(tmp_path),
        D("2026-11-22"),
        do_not_send="on the do-not-send list (do-not-send.txt:3)",
    )

    assert decision.status == EXCLUDED
    assert decision.reason == "nothing sent: on the do-not-send list (do-not-send.txt:3)"


def test_an_arrangement_gets_only_the_steps_for_arrangements(tmp_path: Path) -> None:
    levels = followup(tmp_path)
    history = [sent("betalingsherinnering", "2026-11-08"), sent("14-dagenbrief", "2026-11-22")]

    confirm = decide(record(arrangement="ja"), history, levels, D("2026-11-25"))
    after = decide(
        record(arrangement="yes"),
        [*history, sent("betalingsregeling", "2026-11-25")],
        levels,
        D("2026-12-27"),
    )
    without = followup(tmp_path, "followup:\n  - template: a\n    after_days: 1\n")

    assert (confirm.status, confirm.step and confirm.step.name) == (DUE, "betalingsregeling")
    assert after.status == FINISHED
    assert decide(record(arrangement="nee"), history, levels, D("2026-12-27")).status == WORK
    assert decide(record(arrangement=True), [], without, D("2026-12-27")).reason == (
        "payment arrangement active: no follow-up step is for arrangements"
    )
    with pytest.raises(RecordError) as caught:
        decide(record(arrangement="misschien"), [], levels, D("2026-12-27"))
    assert caught.value.reason == (
        "record 'K1': field 'arrangement': 'misschien' is not yes or no (ja/nee)"
    )


def test_conditions_on_amount_rayon_and_channel(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n"
        "  - template: mail\n    after_days: 1\n    channel: email\n"
        "  - template: brief\n    after_days: 1\n    rayons: [zuid]\n    min_amount: '100,00'\n",
    )

    assert decide(record(channel="post"), [], levels, D("2026-11-22")).reason == (
        "no step is for this customer: mail not for this customer (channel post, not email); "
        "brief not for this customer (rayon noord not in zuid)"
    )
    zuid = decide(record(email=None, region="zuid"), [], levels, D("2026-11-22"))
    assert zuid.step is not None and zuid.step.name == "brief"
    small = decide(
        record(email=None, region="zuid", amount=Decimal("99.99")), [], levels, D("2026-11-22")
    )
    assert small.status == EXCLUDED


def test_a_record_without_a_due_date_is_refused(tmp_path: Path) -> None:
    customer = record()
    fields = dict(customer.fields)
    del fields["due_date"]

    with pytest.raises(RecordError) as caught:
        decide(Record("open.csv", 2, fields), [], followup(tmp_path), D("2026-11-22"))

    assert str(caught.value) == (
        "open.csv:2: record 'K1': field 'due_date': required for brief plan (the date the "
        "amount was due)"
    )


def entry(status: str, letter_date: str | None) -> Entry:
    return Entry(
        id=1,
        kind="render" if status == "rendered" else "send",
        campaign=None,
        record="K1",
        template="betalingsherinnering",
        channel="email",
        letter_date=letter_date,
        rayon="noord",
        signer="Ineke de Vries",
        sender=None,
        recipient=None,
        content_hash=None,
        message_id=None,
        message_date=None,
        status=status,
        reply=None,
        attempts=0,
        path=None,
        created_at="2026-11-09T08:00:00+00:00",
        queued_at=None,
        sent_at=None,
        updated_at="2026-11-09T08:00:00+00:00",
        amount="456.78",
    )


def test_journal_rows_as_contacts() -> None:
    assert contact_of(entry("sent", "2026-11-08")) == sent("betalingsherinnering", "2026-11-08")
    assert contact_of(entry("rendered", None)) == sent(
        "betalingsherinnering", "2026-11-09", status="rendered"
    )
    assert contact_of(entry("queued", "2026-11-08")) is not None
    assert contact_of(entry("failed-temporary", "2026-11-08")) is not None
    assert contact_of(entry("failed-permanent", "2026-11-08")) is None
    assert contact_of(entry("skipped", "2026-11-08")) is None


def test_the_14_day_letter_first_in_some_rayons(tmp_path: Path) -> None:
    levels = followup(
        tmp_path,
        "followup:\n  - template: 14-dagenbrief\n    fourteen_day_letter: true\n"
        "    without_reminder: [west]\n    after_days: 7\n",
    )

    west = decide(record(region="west"), [], levels, D("2026-11-22"))
    noord = decide(record(), [], levels, D("2026-11-22"))

    assert west.status == DUE
    assert noord.status == HELD
    assert noord.reason.endswith("the 14-day letter follows a reminder")


def test_a_plan_for_an_earlier_day_ignores_later_letters(tmp_path: Path) -> None:
    history = [sent("betalingsherinnering", "2026-11-08")]

    decision = decide(record(), history, followup(tmp_path), D("2026-11-07"))

    assert (decision.status, decision.on) == (WAITING, D("2026-11-08"))
