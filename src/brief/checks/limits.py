"""``render-limit``: a template whose letter goes over a time or size limit, or recurses."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Hit, rule
from .template import RenderFailure


@rule(
    "render-limit",
    severity="error",
    layer="render",
    summary="rendering goes over the time or size limit, or recurses without end",
)
def render_limit(failure: RenderFailure) -> Iterator[Hit]:
    """Rendering a sample letter took longer than `limits.render_seconds` (default 2 s),
    made a letter or a value longer than `limits.letter_size` characters (default
    1,000,000), or a macro or include called itself without end. No real letter comes
    near these limits: a loop like `{% for i in range(100000) %}{% for j in
    range(100000) %}`, text like `{{ 'x' * 10**9 }}` or a macro that calls itself is a
    mistake (or an attack). `brief render` rejects the record with the same reason
    instead of running without end. The limits are set in brief.yaml:
    `limits: {render_seconds: 2, letter_size: 1000000}`."""
    from ..limits import RenderLimit
    from ..render import RECURSION, error_origin

    error = failure.error
    if not isinstance(error, (RenderLimit, RecursionError)):
        return
    message = RECURSION if isinstance(error, RecursionError) else error.message or ""
    line, path = getattr(error, "template_line", None), getattr(error, "template_file", None)
    if line is not None and path is not None:  # stopped between two pieces of output
        yield Hit(message, line, path=path)
        return
    origin = error_origin(error, failure.environment)
    if origin is None:
        yield Hit(message, failure.line)
    else:
        yield Hit(message, origin[1], path=origin[0])
