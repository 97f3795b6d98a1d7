"""Money, dates and names as Dutch and English readers write them, and the WIK scale.

Locale rules come from babel (CLDR data), so "€ 1.234,56" and
"22 november 2026" are right without hand-written format strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import NumberPattern

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
_AND = {"nl": "en", "en": "and"}
_CENT = Decimal("0.01")


def money(amount: Decimal | int | float, language: str) -> str:
    """``€ 1.234,56`` in Dutch, ``€1,234.56`` in English."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return _money(str(value.quantize(_CENT, ROUND_HALF_UP)), language)


# babel takes 30-50 µs per call; a letter names its amount and dates several times and a
# batch has few distinct dates, so recent results are kept (keyed by the amount's text,
# which, unlike Decimal equality, tells -0.00 from 0.00).
@lru_cache(maxsize=1024)
def _money(value: str, language: str) -> str:
    locale, pattern = _currency_format(language)
    text = pattern.apply(Decimal(value), locale, currency="EUR", currency_digits=True)
    return text.replace("\u00a0", " ")


@cache
def _currency_format(language: str) -> tuple[Locale, NumberPattern]:
    """What ``babel.numbers.format_currency`` looks up on every call, looked up once."""
    locale = Locale.parse(LOCALES[language])
    return locale, locale.currency_formats["standard"]


@lru_cache(maxsize=1024)
def long_date(day: dt.date, language: str) -> str:
    """``22 november 2026`` in Dutch, ``22 November 2026`` in English."""
    return _babel_date(day, "d MMMM y", locale=LOCALES[language])


def join_names(names: Iterable[str], language: str) -> str:
    """``Ineke, Carina, Bianca en Linda``."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_AND[language]} {items[-1]}"


# The Dutch WIK scale (Besluit vergoeding voor buitengerechtelijke
# incassokosten): a percentage per band of the principal, at least € 40,
# at most € 6.775.
WIK_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("2500"), Decimal("0.10")),
    (Decimal("5000"), Decimal("0.05")),
    (Decimal("190000"), Decimal("0.01")),
)
WIK_REST = Decimal("0.005")
WIK_MINIMUM = Decimal("40")
WIK_MAXIMUM = Decimal("6775")


def wik(principal: Decimal | int | float) -> Decimal:
    """Collection costs a creditor may charge a consumer on ``principal`` under the WIK."""
    left = principal if isinstance(principal, Decimal) else Decimal(str(principal))
    if left <= 0:
        return Decimal("0.00")
    costs = Decimal(0)
    for size, rate in WIK_BANDS:
        part = min(left, size)
        costs += part * rate
        left -= part
        if left <= 0:
            break
    else:
        costs += left * WIK_REST
    costs = min(max(costs, WIK_MINIMUM), WIK_MAXIMUM)
    return costs.quantize(_CENT, ROUND_HALF_UP)
