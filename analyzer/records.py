"""Typed records passed between stages and returned by each command's library function.

Every record is a frozen dataclass with one `as_dict()` (what `--json` prints) and, for command
summaries, one `line()` (what the command prints). A leaf module: it imports nothing of the project.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Record:
    def as_dict(self) -> dict:
        return _plain(self)


# --- claims -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity(Record):
    text: str
    label: str
    start: int  # character offsets into the article text
    end: int
    relevance: float  # 1 a trigger of the claim's theme, 0.7 relevant to it, 0.3 other


@dataclass(frozen=True)
class Claim(Record):
    """One sentence x theme of one text, as `ClaimExtractor.extract` returns it."""

    sentence_index: int
    sentence: str
    start: int  # character span of the sentence in the text
    end: int
    chunk: int
    theme: str
    stance: int  # -1 / 0 / +1 for the theme
    stance_prob: float
    theme_prob: float | None  # P(the sentence is about the theme); None when rules decided alone
    sentiment: float | None  # P(positive) - P(negative); None without a sentiment model
    label: str | None  # negative / neutral / positive
    probs: dict[str, float] | None
    certainty: str  # factual / hedged / speculative
    orientation: str  # backward / forward
    speaker: str | None
    organisation: str | None
    entities: tuple[Entity, ...]
    triggers: tuple[str, ...]
    model_version: str
    theme_version: str


# --- command summaries --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFailure(Record):
    url: str
    error: str


@dataclass(frozen=True)
class Rejected(Record):
    """One item (a feed entry, a JSONL or CSV line, a file's only article) left out, and why."""

    source: str  # the feed URL or the file
    where: str  # "file:line", or the feed/file and the item ("... item 3 (guid x)")
    reason: str

    def line(self) -> str:
        return f"{self.where}: {self.reason}"


def _rejected_note(n: int) -> str:
    return f"; {n} item{'s' if n != 1 else ''} rejected" if n else ""


@dataclass(frozen=True)
class FetchSummary(Record):
    feeds: int = 0
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feeds_bozo: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_duplicate: int = 0
    fetches: int = 0
    errors: int = 0
    full_text_ok: int = 0
    full_text_failed: int = 0
    items_rejected: int = 0
    elapsed_s: float = 0.0
    failed: tuple[FeedFailure, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    run_id: int | None = None

    @property
    def articles_per_s(self) -> float | None:
        seen = self.articles_new + self.articles_updated + self.articles_duplicate
        return round(seen / self.elapsed_s, 1) if self.elapsed_s else None

    def as_dict(self) -> dict:
        return {**super().as_dict(), "articles_per_s": self.articles_per_s}

    def line(self) -> str:
        s = (
            f"fetch: {self.feeds} feeds ({self.feeds_ok} ok, {self.feeds_not_modified} not modified, "
            f"{self.feeds_failed} failed), articles {self.articles_new} new, {self.articles_updated} updated, "
            f"{self.articles_duplicate} duplicate; {self.fetches} requests, {self.errors} errors, {self.elapsed_s:.1f}s"
        )
        if self.full_text_ok or self.full_text_failed:
            s += f"; full text {self.full_text_ok} ok, {self.full_text_failed} not"
        return s + _rejected_note(self.items_rejected)


@dataclass(frozen=True)
class ImportSummary(Record):
    files: int = 0
    files_ok: int = 0
    files_failed: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_duplicate: int = 0
    items_rejected: int = 0  # lines or entries refused, each listed in `rejected` with its reason
    items_undated: int = 0  # items without a date left out as asked (--undated skip)
    errors: tuple[str, ...] = ()  # one line per file skipped: "file: reason"
    rejected: tuple[Rejected, ...] = ()
    elapsed_s: float = 0.0
    run_id: int | None = None

    @property
    def articles_read(self) -> int:
        return self.articles_new + self.articles_updated + self.articles_duplicate

    @property
    def nothing_read(self) -> bool:
        """Whether something was wrong and no item could be read (undated ones left out as asked count as read)."""
        return self.articles_read + self.items_undated == 0 and bool(self.files_failed or self.items_rejected)

    def line(self) -> str:
        s = (
            f"import: {self.files} files ({self.files_ok} ok, {self.files_failed} skipped), articles "
            f"{self.articles_new} new, {self.articles_updated} updated, {self.articles_duplicate} duplicate"
        )
        if self.items_undated:
            s += f"; {self.items_undated} undated left out"
        return s + _rejected_note(self.items_rejected)


@dataclass(frozen=True)
class ScoreSummary(Record):
    articles: int = 0
    skipped: int = 0  # already scored with the current versions
    sentences: int = 0
    repeats: int = 0  # sentences repeating an earlier one in their article (a headline the body repeats)
    candidates: int = 0
    claims: int = 0
    chunks: int = 0
    truncated: int = 0  # articles longer than max_chars: only their beginning was scored
    claims_missing: int = 0  # articles scored earlier whose claims are gone (deleted): need --rescore
    model_version: str = ""
    theme_version: str = ""
    run_id: int | None = None

    def line(self) -> str:
        s = (
            f"scored {self.articles} articles ({self.skipped} already scored): "
            f"{self.claims} claims from {self.candidates} candidate sentences"
        )
        if self.truncated:
            s += f"; {self.truncated} long articles scored in part (see article_scores.scored_chars)"
        if self.claims_missing:
            s += (
                f"; {self.claims_missing} articles scored earlier have lost their claims: "
                "run `analyze score --rescore` to rebuild them"
            )
        return s


@dataclass(frozen=True)
class StoriesSummary(Record):
    articles: int = 0  # articles with a story
    stories: int = 0
    articles_regrouped: int = 0  # articles this run looked at (new ones plus one window before them)
    candidate_pairs: int = 0
    links: int = 0  # pairs judged the same story
    changed: int = 0  # articles whose story_id was set or changed
    claims: int = 0
    first_mentions: int = 0
    window_hours: float = 0.0
    elapsed_s: float = 0.0
    run_id: int | None = None

    def line(self) -> str:
        return (
            f"stories: {self.articles} articles in {self.stories} stories ({self.changed} changed); "
            f"{self.first_mentions} of {self.claims} claims are first mentions"
        )


@dataclass(frozen=True)
class SymbolLoad(Record):
    rows: int
    inserted: int
    updated: int
    first: str
    last: str
    holidays: int
    kind: str


@dataclass(frozen=True)
class PricesSummary(Record):
    source: str
    symbols: dict[str, SymbolLoad] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    run_id: int | None = None

    def line(self) -> str:
        parts = [f"{s} {v.rows} rows {v.first}..{v.last} ({v.inserted} new)" for s, v in self.symbols.items()]
        return "prices: " + "; ".join(parts)


@dataclass(frozen=True)
class AlignSummary(Record):
    themes: tuple[str, ...] = ()
    claims_total: int = 0
    claims_aligned: int = 0
    claims_skipped: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> claims
    claim_returns: int = 0
    returns_not_yet_available: int = 0
    index_rows: int = 0
    count: str = "claims"  # what the index counts: every claim, or "stories" (first mentions only)
    repeats_excluded: int = 0  # claims left out of the index as repeats of a story (count="stories")
    resolution_rows: int = 0
    first_session: str | None = None
    last_session: str | None = None
    run_id: int | None = None

    def line(self) -> str:
        return (
            f"align: {self.claims_aligned} claims aligned, {self.claim_returns} returns, "
            f"{self.index_rows} index rows; skipped {self.claims_skipped}"
        )


@dataclass(frozen=True)
class CompareSummary(Record):
    theme: str
    signal: str
    horizons: tuple[int, ...]
    seed: int
    draws: int = 0  # null draws per statistic
    label: str = ""
    n_claim_sessions: int = 0  # sessions with claims about the theme
    n_observations: int = 0  # of which with a value of the signal
    n_claims: int = 0
    n_stories: int | None = None  # first mentions of stories (None before `analyze stories`)
    index_counts: str = "claims"  # what the index of the main tests counts: claims or stories
    first_session: str | None = None
    last_session: str | None = None
    block: int | None = None  # sessions per block of the null's permutations
    targets: dict[str, dict] = field(default_factory=dict)  # target -> headline statistics
    skipped: tuple[str, ...] = ()  # what could not be computed, and why
    finding: dict[str, Any] = field(default_factory=dict)  # verdict, headline, detail
    hit_rates: dict[str, list] = field(default_factory=dict)
    results: tuple[dict, ...] = ()  # the study_results rows
    figures: tuple[str, ...] = ()
    report: str | None = None
    run_id: int | None = None

    @property
    def n_results(self) -> int:
        return len(self.results)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "n_results": self.n_results}

    def line(self) -> str:
        span = f" ({self.first_session}..{self.last_session})" if self.first_session else ""
        s = (
            f"compare {self.theme}: {self.n_claim_sessions} sessions with claims{span}, {self.n_claims} claims"
            f"{'' if self.n_stories is None else f' ({self.n_stories} stories)'}, "
            f"{self.n_results} tests; {self.finding.get('verdict', 'no result')}"
        )
        return s + (f"; report {self.report}" if self.report else "")
