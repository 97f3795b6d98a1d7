"""Money, dates, names and the WIK scale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from brief.formatting import join_names, long_date, money, wik


@pytest.mark.parametrize(
    ("principal", "costs"),
    [
        ("0", "0.00"),
        ("100", "40.00"),  # 15 % is 15.00: the minimum applies
        ("266.66", "40.00"),
        ("300", "45.00"),
        ("1234.56", "185.18"),  # 185.184 rounds down
        ("2500", "375.00"),
        ("3000", "425.00"),
        ("5000", "625.00"),
        ("10000", "875.00"),
        ("200000", "2775.00"),
        ("1000000", "6775.00"),
        ("5000000", "6775.00"),  # the maximum
    ],
)
def test_wik_scale(principal: str, costs: str) -> None:
    assert wik(Decimal(principal)) == Decimal(costs)


@pytest.mark.parametrize(
    ("amount", "language", "text"),
    [
        (Decimal("1234.56"), "nl", "€ 1.234,56"),
        (Decimal("1234.56"), "en", "€1,234.56"),
        (Decimal("99.5"), "nl", "€ 99,50"),
        (Decimal("0.005"), "nl", "€ 0,01"),
        (Decimal("1234567.8"), "nl", "€ 1.234.567,80"),
        (40, "nl", "€ 40,00"),
    ],
)
def test_money(amount: Decimal, language: str, text: str) -> None:
    assert money(amount, language) == text


def test_long_date() -> None:
    day = dt.date(2026, 11, 22)
    assert long_date(day, "nl") == "22 november 2026"
    assert long_date(day, "en") == "22 November 2026"


@pytest.mark.parametrize(
    ("names", "language", "text"),
    [
        ([], "nl", ""),
        (["Ineke"], "nl", "Ineke"),
        (["Ineke", "Carina"], "nl", "Ineke en Carina"),
        (["Ineke", "Carina", "Bianca", "Linda"], "nl", "Ineke, Carina, Bianca en Linda"),
        (["Ineke", "Carina", "Bianca"], "en", "Ineke, Carina and Bianca"),
    ],
)
def test_join_names(names: list[str], language: str, text: str) -> None:
    assert join_names(names, language) == text
