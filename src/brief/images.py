"""Image files a paper letter shows: an organisation's logo, a signer's scanned signature."""

from __future__ import annotations

from pathlib import Path

from . import yamlfile

#: The image types a letter may show, by their first bytes.
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def image_file(fields: yamlfile.Fields, key: str, value: str) -> str:
    """The absolute path of the image file ``value`` names (relative to the file the
    field is in), checked: it exists and is a PNG or JPEG image."""
    path = Path(fields.node.source_of(key) or fields.path).parent / value
    try:
        with path.open("rb") as handle:
            start = handle.read(8)
    except OSError as err:
        raise fields.error(key, f"cannot read image {value!r}: {err.strerror}") from None
    if not any(start.startswith(magic) for magic in IMAGE_TYPES):
        raise fields.error(key, f"{value!r} is not a PNG or JPEG image")
    return str(path.absolute())
