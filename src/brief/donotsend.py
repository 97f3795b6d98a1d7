"""The do-not-send list: customer ids and e-mail addresses that must not be e-mailed.

One entry a line, ``#`` starts a comment. The lists of a run add up: the
standing list (``do_not_send:`` in brief.yaml) and every ``--do-not-send FILE``
are joined, so no option can make brief forget a standing entry, and each skip
names the list and line it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, where
from .records import Record


@dataclass(frozen=True)
class DoNotSend:
    """Customer ids and e-mail addresses that must not be e-mailed, with where each is listed."""

    ids: Mapping[str, tuple[Path, int]]  # id -> (list, line)
    addresses: Mapping[str, tuple[Path, int]]  # lower-cased address -> (list, line)

    @classmethod
    def union(cls, lists: Iterable[DoNotSend]) -> DoNotSend:
        """Every entry of every list; an entry on two lists names the first."""
        ids: dict[str, tuple[Path, int]] = {}
        addresses: dict[str, tuple[Path, int]] = {}
        for listed in lists:
            for key, place in listed.ids.items():
                ids.setdefault(key, place)
            for key, place in listed.addresses.items():
                addresses.setdefault(key, place)
        return cls(ids, addresses)

    def match(self, record: Record) -> str | None:
        """Why ``record`` is not to be sent, or None."""
        place = self.ids.get(record.id)
        email = record.get("email")
        if place is None and email:
            place = self.addresses.get(str(email).strip().lower())
        if place is None:
            return None
        return f"on the do-not-send list ({where(*place)})"


def load_do_not_send(path: Path) -> DoNotSend:
    """One customer id or e-mail address a line; ``#`` starts a comment."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("do-not-send list not found", path=path) from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"do-not-send list: not UTF-8 text ({err.reason} at byte {err.start})", path=path
        ) from None
    except OSError as err:
        raise ConfigError(f"cannot read the do-not-send list: {err.strerror}", path=path) from None
    ids: dict[str, tuple[Path, int]] = {}
    addresses: dict[str, tuple[Path, int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(entry.split()) > 1:
            raise ConfigError(
                f"one customer id or e-mail address per line, not {entry!r}",
                path=path,
                line=number,
            )
        if "@" in entry:
            addresses.setdefault(entry.lower(), (path, number))
        else:
            ids.setdefault(entry, (path, number))
    return DoNotSend(ids, addresses)


def load_lists(standing: Path | None, extra: Path | Iterable[Path] | None) -> DoNotSend | None:
    """The standing list (brief.yaml's ``do_not_send``) and the run's own lists, joined;
    None when there is none."""
    more = [extra] if isinstance(extra, Path) else list(extra or ())
    paths = [*([standing] if standing else []), *(p for p in more if p != standing)]
    return DoNotSend.union(load_do_not_send(path) for path in paths) if paths else None
