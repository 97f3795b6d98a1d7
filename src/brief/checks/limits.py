"""``render-limit``: a template whose letter goes over a time or size limit, or recurses."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Hit, rule
from .template import Source


@rule(
    "render-limit",
    severity="error",
    layer="render",
    summary="rendering goes over the time or size limit, or recurses without end",
)
def render_limit(source: Source) -> Iterator[Hit]:
    """Rendering a sample letter took longer than `limits.render_seconds` (default 2 s),
    made a letter or a value longer than `limits.letter_size` characters (default
    1,000,000), or a macro or include called itself without end. No real letter comes
    near these limits: a loop like `{% for i in range(100000) %}{% for j in
    range(100000) %}`, text like `{{ 'x' * 10**9 }}` or a macro that calls itself is a
    mistake (or an attack). `brief render` rejects the record with the same reason
    instead of running without end. The limits are set in brief.yaml:
    `limits: {render_seconds: 2, letter_size: 1000000}`. This rule is reported by the
    renderer; it has nothing to check on the source."""
    return iter(())
