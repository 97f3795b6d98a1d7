"""brief: personalised letters and emails, signed by real people.

The Python API (the commands are built on it; see the README, "Python API")::

    import brief

    project = brief.Project.open("path/to/project")  # finds brief.yaml like the CLI
    letter = project.render({"id": "K1", "region": "zuid", "name": "Maria Hendriks"},
                            template="14-dagenbrief", date="2026-12-02")
    findings = project.lint()
    for outcome in project.render_many(brief.read_records("customers.csv")): ...

Names are imported on first use, so ``import brief`` (and ``brief --version``)
stays fast.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # not from typing: importing it would slow down ``brief --version``

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Project": "project",
    "Letter": "render",
    "Rejection": "batch",
    "Finding": "checks.base",
    "LintResult": "lint",
    "Record": "records",
    "read_records": "records",
    "BriefError": "errors",
    "ConfigError": "errors",
    "InvalidInput": "errors",
    "MailError": "errors",
    "RecordError": "errors",
    "RecordsFileError": "errors",
    "TemplateError": "errors",
}

__all__ = [
    "BriefError",
    "ConfigError",
    "Finding",
    "InvalidInput",
    "Letter",
    "LintResult",
    "MailError",
    "Project",
    "Record",
    "RecordError",
    "RecordsFileError",
    "Rejection",
    "TemplateError",
    "__version__",
    "read_records",
]

if TYPE_CHECKING:
    from typing import Any

    from .batch import Rejection
    from .checks.base import Finding
    from .errors import (
        BriefError,
        ConfigError,
        InvalidInput,
        MailError,
        RecordError,
        RecordsFileError,
        TemplateError,
    )
    from .lint import LintResult
    from .project import Project
    from .records import Record, read_records
    from .render import Letter


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'brief' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # next time without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
