"""YAML loading that remembers where each value came from.

Mappings are loaded as :class:`Node` (a ``dict``) that knows its own line
and the line of every key, so schema errors can say
``regions/zuid.yaml:12: field 'contacts': unknown staff id 'ineke'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, RecordsFileError


class Node(dict[str, Any]):
    """A YAML mapping with line numbers (1-based) for itself and its keys."""

    line: int = 0
    source: str = ""
    key_lines: dict[str, int]
    key_sources: dict[str, str]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def source_of(self, key: str) -> str:
        return self.key_sources.get(key, self.source)

    def merged(self, child: Node) -> Node:
        """A new mapping: this one overridden by ``child``, nested mappings merged."""
        out = Node()
        out.line, out.source, out.key_lines, out.key_sources = child.line, child.source, {}, {}
        for src in (self, child):
            for key, value in src.items():
                current = out.get(key)
                if isinstance(value, Node) and isinstance(current, Node):
                    value = current.merged(value)
                out[key] = value
                out.key_lines[key] = src.line_of(key)
                out.key_sources[key] = src.source_of(key)
        return out


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    # Keys merged in with ``<<: *anchor`` come first after flattening; the
    # mapping's own keys may override them (that is what merging is for), but
    # an own key written twice is a mistake.
    own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    inherited = len(node.value) - own
    own_keys: set[str] = set()
    result = Node()
    result.line = node.start_mark.line + 1
    result.source = loader.name
    result.key_lines = {}
    result.key_sources = {}
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if index >= inherited:
            if key in own_keys:
                raise ConfigError(
                    f"duplicate key {key!r}", path=loader.name, line=key_node.start_mark.line + 1
                )
            own_keys.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class NodeList(list[Any]):
    """A YAML sequence with line numbers (1-based) for itself and each item."""

    line: int = 0
    item_lines: list[int]

    def line_of_item(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> NodeList:
    result = NodeList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


class _ConfigLoader(_Loader):
    """For whole configuration files: sequences know their lines too."""


_ConfigLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _yaml_problem(
    err: yaml.YAMLError, path: Path, encoding: str = "utf-8-sig"
) -> tuple[str, int | None]:
    if isinstance(err, yaml.reader.ReaderError) and isinstance(err.character, int):
        # No mark: the reader only knows how many characters came before.
        message = f"invalid YAML: character U+{err.character:04X} is not allowed"
        return message, _line_at(path, err.position, encoding)
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    line = mark.line + 1 if mark is not None else None
    return f"invalid YAML: {problem}", line


def _line_at(path: Path, position: int, encoding: str) -> int | None:
    """The line of the character at ``position``, read as the YAML reader read it."""
    line, left = 1, position
    try:
        with path.open(encoding=encoding) as stream:
            while left > 0 and (chunk := stream.read(min(left, 1 << 16))):
                line += chunk.count("\n")
                left -= len(chunk)
    except (OSError, UnicodeDecodeError):
        return None
    return line


def _read_text(path: Path, error: type[ConfigError] | type[RecordsFileError]) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error("file not found", path=path) from None
    except UnicodeDecodeError as err:
        raise error(f"not UTF-8 text ({err.reason} at byte {err.start})", path=path) from None
    except OSError as err:
        raise error(f"cannot read: {err.strerror}", path=path) from None


def load(path: Path) -> Any:
    """Load one YAML document; mappings come back as :class:`Node`, lists as :class:`NodeList`."""
    text = _read_text(path, ConfigError)
    loader = _ConfigLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        message, line = _yaml_problem(err, path)
        raise ConfigError(message, path=path, line=line) from None
    finally:
        loader.dispose()


def iter_sequence(path: Path, *, encoding: str = "utf-8-sig") -> Iterator[tuple[int, Any]]:
    """Yield ``(line, item)`` for each item of a top-level YAML sequence.

    Each item is composed and constructed on its own, so memory stays flat
    however long the list is (only anchored nodes are kept, for aliases).
    """
    with path.open(encoding=encoding) as stream:
        loader: _Loader | None = None
        try:
            loader = _Loader(stream)  # reads (and checks) the first characters already
            loader.name = str(path)
            loader.get_event()  # StreamStart
            if loader.check_event(yaml.StreamEndEvent):
                return
            loader.get_event()  # DocumentStart
            if not loader.check_event(yaml.SequenceStartEvent):
                event = loader.peek_event()
                raise RecordsFileError(
                    "expected a list of records", path=path, line=event.start_mark.line + 1
                )
            loader.get_event()
            index = 0
            while not loader.check_event(yaml.SequenceEndEvent):
                line = loader.peek_event().start_mark.line + 1
                node = loader.compose_node(None, index)
                yield line, loader.construct_document(node)
                index += 1
            loader.get_event()  # SequenceEnd
            loader.get_event()  # DocumentEnd
            if not loader.check_event(yaml.StreamEndEvent):
                event = loader.peek_event()
                raise RecordsFileError(
                    "expected one list of records, but found a second document",
                    path=path,
                    line=event.start_mark.line + 1,
                )
        except yaml.YAMLError as err:
            message, line = _yaml_problem(err, path, encoding)
            raise RecordsFileError(message, path=path, line=line) from None
        except ConfigError as err:  # a duplicate key
            raise RecordsFileError(err.message, path=path, line=err.line) from None
        finally:
            if loader is not None:
                loader.dispose()


def _kind(value: Any) -> str:
    """What YAML made of a value, in the user's terms (not our class names)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class Fields:
    """Typed access to a YAML mapping, with errors that name file, line and field."""

    def __init__(self, node: Any, path: Path | str, what: str, *, line: int | None = None):
        self.path = str(path)
        if not isinstance(node, Node):
            # A scalar does not know its line; the caller may (the key or list item).
            line = line or getattr(node, "line", None)
            raise ConfigError(f"{what} must be a mapping", path=self.path, line=line)
        self.node = node

    def error(self, key: str | None, message: str) -> ConfigError:
        if key is None:
            return ConfigError(message, path=self.node.source or self.path, line=self.node.line)
        return ConfigError(
            f"field {key!r}: {message}", path=self.node.source_of(key), line=self.node.line_of(key)
        )

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.node:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.error(key, f"unknown field (known: {known})")

    def text(
        self,
        key: str,
        *,
        default: str | None = None,
        required: bool = True,
        numbers: bool = True,
    ) -> str:
        """The value of ``key`` as text.

        With ``numbers=False`` a value YAML read as a number is refused: for
        phone numbers, ``0201234567`` is octal to YAML and ``+31...`` loses
        its plus, so the text would silently differ from what was written.
        """
        value = self.node.get(key)
        if value is None or value == "":
            if default is not None or not required:
                return default or ""
            raise self.error(None, f"field {key!r} is required")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(key, f"must be text, not {_kind(value)}")
        if not numbers and not isinstance(value, str):
            raise self.error(key, f"must be in quotes (YAML reads it as the number {value!r})")
        return str(value).strip()

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.node.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {value!r}")
        return value

    def choice(self, key: str, choices: Mapping[str, str], *, default: str) -> str:
        value = self.node.get(key, default)
        normalised = str(value).strip().lower()
        if normalised not in choices:
            raise self.error(key, f"{value!r} is not one of {', '.join(sorted(set(choices)))}")
        return choices[normalised]

    def text_list(self, key: str) -> list[str]:
        value = self.node.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of names")
        return [v.strip() for v in value]
