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

    @property
    def label(self) -> str:
        return self.name or self.url


def check_url(url: str, where: str = "--url") -> str:
    """Return the URL stripped, or raise a one-line error naming it."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AnalyzerError(f"{where}: {url!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise AnalyzerError(f"{where}: {url!r} has an invalid port") from None
    return url


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
        if not isinstance(e, dict) or "url" not in e:
            raise AnalyzerError(f"{path}: feed #{i} has no url")
        tags = e.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        out.append(FeedSpec(check_url(str(e["url"]), f"{path} feed #{i}"), e.get("name"), tuple(map(str, tags))))
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
                out.append(FeedSpec(check_url(url, f"{path} outline {name!r}"), name, inherited + own))
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
    specs.extend(FeedSpec(check_url(u)) for u in urls or [])
    if not feed_files and not urls:
        specs = load_feed_list(DEFAULT_FEED_LIST)
    if tags:
        wanted = {t.lower() for t in tags}
        specs = [s for s in specs if wanted & {t.lower() for t in s.tags}]
    seen: set[str] = set()
    out = []
    for s in specs:
        if s.url not in seen:
            seen.add(s.url)
            out.append(s)
    return out
