"""Theme definitions, loaded from models/themes.yml (data, not code)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from analyzer.errors import AnalyzerError
from analyzer.paths import MODELS_DIR

THEMES_FILE = MODELS_DIR / "themes.yml"
TARGET_KINDS = {"log_return", "log_return_spread", "level_change"}


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    long: str
    short: str | None = None
    sign: int = 1

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.long,) if self.short is None else (self.long, self.short)


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    description: str
    targets: tuple[Target, ...]
    spec: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # the raw entry


@dataclass(frozen=True)
class ThemeSet:
    version: str  # file version plus a hash of its content
    themes: dict[str, Theme]

    def get(self, name: str) -> Theme:
        if name not in self.themes:
            known = ", ".join(sorted(self.themes))
            raise AnalyzerError(f"unknown theme {name!r} (known: {known})")
        return self.themes[name]


@lru_cache(maxsize=8)
def load_themes(path: str | Path | None = None) -> ThemeSet:
    import yaml

    path = Path(path or THEMES_FILE)
    try:
        raw_bytes = path.read_bytes()
        raw = yaml.safe_load(raw_bytes)
    except OSError as exc:
        raise AnalyzerError(f"{path}: cannot read theme definitions ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise AnalyzerError(f"{path}: invalid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), dict):
        raise AnalyzerError(f"{path}: expected a mapping with a 'themes' section")
    themes = {}
    for name, entry in raw["themes"].items():
        themes[name] = _theme(path, name, entry or {})
    digest = hashlib.sha256(raw_bytes).hexdigest()[:8]
    return ThemeSet(version=f"{raw.get('version', '0')}+{digest}", themes=themes)


def _theme(path: Path, name: str, entry: dict) -> Theme:
    targets = []
    for t in entry.get("targets") or []:
        if t.get("kind") not in TARGET_KINDS or not t.get("long"):
            raise AnalyzerError(
                f"{path}: theme {name}: bad target {t!r} (kind one of {sorted(TARGET_KINDS)}, long required)"
            )
        if t["kind"] == "log_return_spread" and not t.get("short"):
            raise AnalyzerError(f"{path}: theme {name}: target {t.get('name')!r} is a spread and needs 'short'")
        targets.append(
            Target(
                name=t.get("name") or t["long"],
                kind=t["kind"],
                long=t["long"],
                short=t.get("short"),
                sign=int(t.get("sign", 1)),
            )
        )
    return Theme(
        name=name,
        label=entry.get("label") or name.replace("_", " "),
        description=" ".join((entry.get("description") or "").split()),
        targets=tuple(targets),
        spec=entry,
    )
