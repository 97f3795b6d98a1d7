"""Bounded work for hostile templates: a time and a size limit per letter.

A template is code, and a template can be hostile or just wrong:
``{% for i in range(100000) %}{% for j in range(100000) %}`` runs for hours,
``'x' * 10**9`` asks for a gigabyte, a macro that calls itself never ends. Each
letter's rendering therefore runs under :func:`bounded`:

- a **time limit** (``limits.render_seconds`` in brief.yaml, default 2 s), checked
  at every piece of output (:func:`check_output`; :func:`joined` looks at the clock
  every :data:`CLOCK_EVERY` pieces), and, where the process can have
  one (the main thread on Unix: the CLI and each ``--jobs`` worker), by a
  ``SIGALRM`` timer, which also stops a loop that prints nothing;
- a **size limit** (``limits.letter_size``, default 1,000,000 characters) on the
  letter and on every value the sandbox computes before it is built:
  ``*``, ``+``, ``%`` and ``**`` (:func:`check_binop`), the padding and
  repeating string methods (:func:`check_call`) and the filters that grow text;
- **recursion** (a macro or an include that calls itself) ends at Python's
  recursion limit and is reported as such (the caller catches RecursionError).

Going over a limit raises :class:`RenderLimit`, which the renderer turns into the
record's rejection and ``brief lint`` into a ``render-limit`` finding with the line.
"""

from __future__ import annotations

import signal
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from jinja2.sandbox import SecurityError

DEFAULT_SECONDS = 2.0
DEFAULT_SIZE = 1_000_000


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS  # per letter (subject, text and HTML part together)
    size: int = DEFAULT_SIZE  # characters, for the letter and every value on the way


class RenderLimit(SecurityError):
    """A letter's rendering went over a limit (time, size, recursion)."""


class TooSlow(RenderLimit):
    """A letter's rendering went over the time limit."""


#: After this many letters of one compiled template went over the time limit, its next
#: letters are refused without rendering: a hostile template costs at most this many
#: times the limit per process, not the limit times every record.
MAX_SLOW = 3
_slow: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def note_slow(template: Any) -> None:
    _slow[template] = _slow.get(template, 0) + 1


def slow_letters(template: Any) -> int:
    """How many letters of ``template`` went over the time limit in this process."""
    return _slow.get(template, 0)


_deadline = float("inf")
_limits = Limits()
_armed = False


def current() -> Limits:
    return _limits


def _on_alarm(signum: int, frame: object) -> None:
    if _armed:
        raise TooSlow(_late())


def _late() -> str:
    return (
        f"rendering took longer than {_limits.seconds:g} s "
        "(limits.render_seconds in brief.yaml; a loop without end?)"
    )


def too_big(size: int) -> RenderLimit:
    return RenderLimit(
        f"the letter would be over {_limits.size:,} characters ({size:,}; limits.letter_size "
        "in brief.yaml)"
    )


@contextmanager
def bounded(limits: Limits) -> Iterator[None]:
    """Run one letter's rendering under ``limits`` (see the module doc)."""
    global _deadline, _limits, _armed
    if _deadline != float("inf"):  # nested (an include renders inside a letter): one budget
        yield
        return
    _limits = limits
    _deadline = time.monotonic() + limits.seconds
    timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous: Any = None
    if timer:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        _armed = True
        signal.setitimer(signal.ITIMER_REAL, limits.seconds + 0.05)
    try:
        yield
    finally:
        _armed = False
        _deadline = float("inf")
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def check_output(size: int) -> None:
    """Called for each piece of output, with the size so far."""
    if size > _limits.size:
        raise too_big(size)
    if time.monotonic() > _deadline:
        raise TooSlow(_late())


#: How many pieces of output :func:`joined` takes between two looks at the clock: a piece
#: is a line's worth of template text or one value, so the limit is seen within
#: microseconds of passing, and a letter's 70-odd pieces cost two looks, not 70.
CLOCK_EVERY = 32


def joined(pieces: Iterator[str]) -> str:
    """A letter's pieces of output joined, held to the limits as they come (as
    :func:`check_output` would hold each)."""
    out: list[str] = []
    append = out.append
    size, limit, deadline, clock = 0, _limits.size, _deadline, time.monotonic
    for count, piece in enumerate(pieces, 1):
        size += len(piece)
        if size > limit:
            raise too_big(size)
        if not count % CLOCK_EVERY and clock() > deadline:
            raise TooSlow(_late())
        append(piece)
    return "".join(out)


_SEQUENCES = (str, list, tuple, bytes)


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``*``, ``+``, ``%`` and ``**`` whose result would be over the size limit."""
    limit = _limits.size
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(count, int) and len(seq) * count > limit:
                raise too_big(len(seq) * count)
    elif operator == "+":
        both = isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES)
        if both and len(left) + len(right) > limit:
            raise too_big(len(left) + len(right))
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            digits = right * len(str(abs(left)))
            if digits > 10_000:
                raise RenderLimit(f"{left} ** {right} is too large a number")
    elif operator == "%" and isinstance(left, str):
        _check_widths(left)


def _check_widths(text: str) -> None:
    """A ``%`` or ``format`` pattern with a width or precision over the limit."""
    number = ""
    for char in text + " ":
        if char.isdigit():
            number += char
            continue
        if number and int(number) > _limits.size:
            raise too_big(int(number))
        number = ""


_GROWING = {"center", "ljust", "rjust", "zfill", "expandtabs", "format", "join", "replace"}


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse string methods that would make a value over the size limit."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str) or name not in _GROWING:
        return
    limit = _limits.size
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and value > limit:
            raise too_big(value)
    if name == "format":
        _check_widths(owner)
    elif name == "replace" and len(args) >= 2 and isinstance(args[1], str):
        old = args[0] if isinstance(args[0], str) else ""
        grown = len(owner) + (owner.count(old) if old else len(owner) + 1) * len(args[1])
        if grown > limit:
            raise too_big(grown)
    elif name == "join":
        items = args[0] if args else ()
        if isinstance(items, list | tuple):
            size = len(owner) * len(items) + sum(len(i) for i in items if isinstance(i, str))
            if size > limit:
                raise too_big(size)


def check_value(value: Any) -> Any:
    """A filter's result, refused when it is over the size limit."""
    if isinstance(value, _SEQUENCES) and len(value) > _limits.size:
        raise too_big(len(value))
    return value
