"""Validate daily price series and upsert them into `prices`.

Errors (the batch is refused, nothing is written): conflicting duplicate dates, non-positive
prices (for traded prices; yields may be zero or negative). Warnings (stored, and reported):
unsorted input (sorted before storing), exact duplicates (kept once), gaps against the XNYS
calendar, dates that are not sessions. Every problem names the symbol and the date.
Re-loading never loses stored rows: rows are upserted on (symbol, date), nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.market import calendar
from analyzer.market.sources import PRICE_FIELDS, RawSeries, fetch
from analyzer.records import PricesSummary, SymbolLoad

MAX_LISTED = 5  # problems spelled out in one error line


@dataclass(frozen=True)
class Issue:
    severity: str  # error | warning
    kind: str  # duplicate_date | non_positive | gap | unsorted | off_calendar
    symbol: str
    date: str
    message: str

    def __str__(self) -> str:
        return f"{self.symbol} {self.date}: {self.message}"


def validate(series: RawSeries) -> tuple[list[dict], list[Issue]]:
    """Return the rows to store (sorted, one per date) and the problems found."""
    sym, issues = series.symbol, []
    prev = None
    for row in series.rows:
        if prev is not None and row["date"] < prev:
            issues.append(
                Issue("warning", "unsorted", sym, row["date"], f"unsorted input: {row['date']} comes after {prev}")
            )
            break
        prev = row["date"]
    by_date: dict[str, dict] = {}
    for row in series.rows:
        d = row["date"]
        if d in by_date:
            same = all(by_date[d].get(k) == row.get(k) for k in PRICE_FIELDS)
            if same:
                issues.append(Issue("warning", "duplicate_date", sym, d, "duplicate date (identical row kept once)"))
            else:
                issues.append(
                    Issue(
                        "error",
                        "duplicate_date",
                        sym,
                        d,
                        f"duplicate date with different values (lines {by_date[d]['line']} and {row['line']})",
                    )
                )
            continue
        by_date[d] = row
        if series.kind == "ohlcv":
            for k in ("open", "high", "low", "close", "adj_close"):
                v = row.get(k)
                if v is not None and v <= 0:
                    issues.append(Issue("error", "non_positive", sym, d, f"non-positive {k} {v:g}"))
                    break
    rows = [by_date[d] for d in sorted(by_date)]
    if rows:
        issues.extend(_gaps(series, rows))
    return rows, issues


def _gaps(series: RawSeries, rows: list[dict]) -> list[Issue]:
    sym, have = series.symbol, {r["date"] for r in rows}
    first, last = rows[0]["date"], rows[-1]["date"]
    out = []
    if series.kind == "level":
        # FRED lists every weekday and leaves holidays empty; a weekday absent altogether is a gap.
        known = have | set(series.holidays)
        d, end = date.fromisoformat(first), date.fromisoformat(last)
        while d <= end:
            if d.weekday() < 5 and d.isoformat() not in known:
                out.append(Issue("warning", "gap", sym, d.isoformat(), "gap: weekday missing from the series"))
            d += timedelta(days=1)
        return out
    for s in calendar.sessions_between(first, last):
        if s not in have:
            out.append(Issue("warning", "gap", sym, s, f"gap: {calendar.EXCHANGE} session has no price"))
    for d in sorted(have):
        if not calendar.is_session(d):
            out.append(Issue("warning", "off_calendar", sym, d, f"date is not an {calendar.EXCHANGE} session"))
    return out


def _raise_errors(errors: list[Issue]) -> None:
    head = "; ".join(str(e) for e in errors[:MAX_LISTED])
    more = f" (and {len(errors) - MAX_LISTED} more)" if len(errors) > MAX_LISTED else ""
    raise AnalyzerError(f"invalid prices, nothing stored: {head}{more}")


def _parse_day(value, name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise AnalyzerError(f"--{name} {value!r}: expected a date YYYY-MM-DD") from None


def load_prices(db, symbols=None, *, source: str = "bundled", start=None, end=None) -> PricesSummary:
    """Fetch `symbols` from `source`, validate and upsert them into `prices`.

    Returns a PricesSummary. Raises AnalyzerError (naming symbol and date) on invalid input.
    """
    if isinstance(symbols, str):
        symbols = list(symbols.split(","))
    symbols = [s.strip().upper() for s in symbols or [] if s.strip()] or None
    start, end = _parse_day(start, "start"), _parse_day(end, "end")
    if start and end and start > end:
        raise AnalyzerError(f"--start {start} is after --end {end}")
    args = {"symbols": symbols, "source": source, "start": start, "end": end}
    with store.record_run(db, "prices", args, libraries=("exchange_calendars",)) as run:
        prepared, warnings, errors = [], [], []
        for series in fetch(source, symbols):
            series.rows = [
                r for r in series.rows if (not start or r["date"] >= start) and (not end or r["date"] <= end)
            ]
            series.holidays = [d for d in series.holidays if (not start or d >= start) and (not end or d <= end)]
            if not series.rows:
                raise AnalyzerError(
                    f"{series.symbol}: no prices from {series.source} between {start or 'the start'} and {end or 'the end'}"
                )
            rows, issues = validate(series)
            errors += [i for i in issues if i.severity == "error"]
            warnings += [i for i in issues if i.severity == "warning"]
            prepared.append((series, rows))
        if errors:
            _raise_errors(errors)
        loaded: dict[str, SymbolLoad] = {}
        with store.transaction(db):
            for series, rows in prepared:
                sym = series.symbol
                first, last = rows[0]["date"], rows[-1]["date"]
                existing = {
                    r[0]
                    for r in db.execute(
                        "select date from prices where symbol = ? and date between ? and ?", [sym, first, last]
                    )
                }
                records = [
                    {"symbol": sym, "date": r["date"], **{k: r.get(k) for k in PRICE_FIELDS}, "source": series.source}
                    for r in rows
                ]
                db["prices"].upsert_all(records, pk=("symbol", "date"))
                inserted = sum(1 for r in rows if r["date"] not in existing)
                loaded[sym] = SymbolLoad(
                    rows=len(rows),
                    inserted=inserted,
                    updated=len(rows) - inserted,
                    first=first,
                    last=last,
                    holidays=len(series.holidays),
                    kind=series.kind,
                )
        run.counts = {
            "rows": sum(v.rows for v in loaded.values()),
            "inserted": sum(v.inserted for v in loaded.values()),
            "warnings": len(warnings),
        }
        summary = PricesSummary(source=source, symbols=loaded, warnings=tuple(str(w) for w in warnings), run_id=run.id)
    return summary
