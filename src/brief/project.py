"""A brief project: where its templates, region profiles and roster live.

Settings come from ``brief.yaml``, found in the current folder or the
nearest parent; without one, the defaults below apply to the current
folder. Paths in ``brief.yaml`` are relative to the file itself::

    templates: templates
    regions: regions
    staff: examples/staff.yaml
    samples: examples/customers.csv
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import yamlfile
from .errors import ConfigError

if TYPE_CHECKING:
    from .profiles import Profile
    from .render import Templates
    from .staff import Roster

CONFIG_NAME = "brief.yaml"
DEFAULTS = {
    "templates": "templates",
    "regions": "regions",
    "staff": "staff.yaml",
    "samples": "examples/customers.csv",
}


@dataclass(frozen=True)
class Settings:
    root: Path
    config: Path | None
    templates: Path
    regions: Path
    staff: Path
    samples: Path


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(start: Path | None = None) -> Settings:
    """Find ``brief.yaml`` from ``start`` (default: the current folder) upwards."""
    start = (start or Path.cwd()).resolve()
    config = find_config(start)
    values = dict(DEFAULTS)
    root = start
    if config is not None:
        root = config.parent
        data = yamlfile.load(config)
        if data is not None:
            fields = yamlfile.Fields(data, config, "brief.yaml")
            fields.reject_unknown(DEFAULTS)
            for key in DEFAULTS:
                values[key] = fields.text(key, default=DEFAULTS[key])
    return Settings(
        root=root,
        config=config,
        **{key: _relative(root / value) for key, value in values.items()},
    )


def _relative(path: Path) -> Path:
    """Show paths relative to the current folder when they are below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


class Project:
    """Everything a render needs, loaded once and checked on load."""

    def __init__(
        self,
        settings: Settings,
        *,
        templates: Path | None = None,
        regions: Path | None = None,
        staff: Path | None = None,
    ):
        self.settings = settings
        self.templates_dir = templates or settings.templates
        self.regions_dir = regions or settings.regions
        self.staff_path = staff or settings.staff

    @classmethod
    def discover(cls, start: Path | None = None, **overrides: Path | None) -> Project:
        return cls(load_settings(start), **overrides)

    @cached_property
    def roster(self) -> Roster:
        from .staff import load_roster

        if not self.staff_path.is_file():
            raise ConfigError(
                "staff roster not found (set 'staff:' in brief.yaml or pass --staff)",
                path=self.staff_path,
            )
        return load_roster(self.staff_path)

    @cached_property
    def profiles(self) -> dict[str, Profile]:
        from .profiles import load_profiles

        return load_profiles(self.regions_dir, self.roster)

    @cached_property
    def templates(self) -> Templates:
        from .render import Templates

        return Templates(self.templates_dir)

    def profile(self, region: str) -> Profile | None:
        return self.profiles.get(region)

    def known_regions(self) -> str:
        return ", ".join(sorted(self.profiles))
