"""Feed lists: TOML (`[[feed]]` tables with name, url, tags) and OPML (`<outline xmlUrl=...>`)."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from analyzer.errors import AnalyzerError
from analyzer.paths import FEEDS_DIR

DEFAULT_FEED_LIST = FEEDS_DIR / "default.toml"


@dataclass(frozen=True)
class FeedSpec:
    url: str
    name: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    error: str | None = None  # why this entry cannot be fetched (a malformed URL): that feed's failure

    @property
    def label(self) -> str:
        return self.name or self.url


def url_problem(url) -> str | None:
    """Why `url` cannot be fetched as a feed, or None when it can."""
    if not isinstance(url, str) or not url.strip():
        return "no url"
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL"
    return None


def spec(url, name: str | None = None, tags=(), where: str = "--url") -> FeedSpec:
    """A FeedSpec for `url`; a malformed one carries its error instead of raising, so it fails alone."""
    problem = url_problem(url)
    url = url.strip() if isinstance(url, str) else ""
    return FeedSpec(url, name, tuple(tags), f"{where}: {problem}" if problem else None)


def load_feed_list(path: str | Path) -> list[FeedSpec]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AnalyzerError(f"{path}: cannot read feed list ({exc.strerror or exc})") from None
    if path.suffix.lower() == ".toml":
        return _from_toml(path, data)
    if path.suffix.lower() in (".opml", ".xml"):
        return _from_opml(path, data)
    raise AnalyzerError(f"{path}: unknown feed list format (expected .toml or .opml)")


def _from_toml(path: Path, data: bytes) -> list[FeedSpec]:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AnalyzerError(f"{path}: not valid TOML ({exc})") from None
    entries = doc.get("feed", doc.get("feeds"))
    if not isinstance(entries, list):
        raise AnalyzerError(f"{path}: expected [[feed]] tables with name, url and tags")
    out = []
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict):
            raise AnalyzerError(f"{path}: feed #{i} is not a table with name, url and tags")
        tags = e.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        name = e.get("name") if isinstance(e.get("name"), str) else None
        out.append(spec(e.get("url"), name, tuple(map(str, tags)), f"{path} feed #{i}"))
    return out


def _from_opml(path: Path, data: bytes) -> list[FeedSpec]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise AnalyzerError(f"{path}: not valid OPML ({exc})") from None
    out: list[FeedSpec] = []

    def walk(node: ET.Element, inherited: tuple[str, ...]) -> None:
        for child in node.findall("outline"):
            url = child.get("xmlUrl")
            own = tuple(t.strip() for t in (child.get("category") or "").replace("/", ",").split(",") if t.strip())
            if url:
                name = child.get("title") or child.get("text")
                out.append(spec(url, name, inherited + own, f"{path} outline {name!r}"))
            else:
                folder = child.get("title") or child.get("text")
                walk(child, inherited + own + ((folder,) if folder else ()))

    body = root.find("body")
    if body is None:
        raise AnalyzerError(f"{path}: OPML has no <body>")
    walk(body, ())
    return out


def select_feeds(
    feed_files: list[str | Path] | None = None, urls: list[str] | None = None, tags: list[str] | None = None
) -> list[FeedSpec]:
    """The feeds a run should fetch: from the lists and URLs given (the shipped default list when
    neither is given), filtered to those carrying any of `tags`, deduplicated by URL."""
    specs: list[FeedSpec] = []
    for f in feed_files or []:
        specs.extend(load_feed_list(f))
    specs.extend(spec(u) for u in urls or [])
    if not feed_files and not urls:
        specs = load_feed_list(DEFAULT_FEED_LIST)
    if tags:
        wanted = {t.lower() for t in tags}
        specs = [s for s in specs if wanted & {t.lower() for t in s.tags}]
    seen: set[str] = set()
    out = []
    for s in specs:
        key = s.url if not s.error else f"{s.url}\n{s.error}"
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
