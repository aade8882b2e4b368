"""Price sources: local CSV files (Yahoo- or FRED-style), the bundled sample, yfinance, stooq.

Every source returns raw rows in the order the source gave them; `analyzer.market.prices`
validates and stores them. Online sources are imported lazily and turn any failure into a
one-line AnalyzerError (no traceback when offline).
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.errors import AnalyzerError
from analyzer.paths import DATA_DIR

BUNDLED_DIR = DATA_DIR / "prices"
BUNDLED_SYMBOLS = ("IWM", "SPY", "QQQ", "DGS2")
# stooq's CSV endpoint; ANALYZE_STOOQ_URL points elsewhere (a mirror, or a test server).
STOOQ_URL = "https://stooq.com/q/d/l/"
PRICE_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")

_YAHOO_COLUMNS = {
    "date": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj close": "adj_close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "volume": "volume",
}


@dataclass
class RawSeries:
    symbol: str
    source: str
    rows: list[dict]  # {"date": "YYYY-MM-DD", "open": float|None, ..., "line": int}
    holidays: list[str] = field(default_factory=list)  # FRED dates with an empty value
    kind: str = "ohlcv"  # ohlcv | level


def fetch(source: str, symbols: list[str] | None) -> list[RawSeries]:
    """Rows for `symbols` from `source` (csv:PATH | bundled | yfinance | stooq)."""
    if source == "bundled":
        wanted = symbols or list(BUNDLED_SYMBOLS)
        return [_read_dir_symbol(BUNDLED_DIR, s, "bundled") for s in wanted]
    if source.startswith("csv:"):
        return _from_csv_path(Path(source[4:]).expanduser(), symbols)
    if source in ("yfinance", "stooq"):
        if not symbols:
            raise AnalyzerError(f"--source {source} needs --symbols (e.g. IWM,SPY,QQQ)")
        fn = _yfinance if source == "yfinance" else _stooq
        return [fn(s) for s in symbols]
    raise AnalyzerError(f"unknown price source {source!r} (use csv:PATH, bundled, yfinance or stooq)")


def _from_csv_path(path: Path, symbols: list[str] | None) -> list[RawSeries]:
    if path.is_dir():
        if not symbols:
            found = sorted(p.stem for p in path.glob("*.csv"))
            if not found:
                raise AnalyzerError(f"{path}: folder has no *.csv price files")
            symbols = found
        return [_read_dir_symbol(path, s, f"csv:{path}") for s in symbols]
    if not path.exists():
        raise AnalyzerError(f"{path}: no such price file")
    if symbols and len(symbols) > 1:
        raise AnalyzerError(
            f"{path}: one file holds one series; name a folder of SYMBOL.csv files for {','.join(symbols)}"
        )
    symbol = symbols[0] if symbols else path.stem
    return [read_csv_text(path.read_text(encoding="utf-8-sig"), symbol, f"csv:{path}", str(path))]


def _read_dir_symbol(folder: Path, symbol: str, source: str) -> RawSeries:
    path = folder / f"{symbol}.csv"
    if not path.exists():
        have = ", ".join(sorted(p.stem for p in folder.glob("*.csv"))) or "none"
        raise AnalyzerError(f"no price file for symbol {symbol} in {folder} (have: {have})")
    return read_csv_text(path.read_text(encoding="utf-8-sig"), symbol, source, str(path))


def read_csv_text(text: str, symbol: str, source: str, where: str) -> RawSeries:
    """Parse a Yahoo-style OHLCV file or a FRED-style DATE,VALUE file."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise AnalyzerError(f"{where}: empty price file for {symbol}") from None
    lower = [h.lower() for h in header]
    if len(header) == 2 and lower[0] in ("date", "observation_date"):
        return _read_level(reader, symbol, source, where)
    if "date" not in lower or "close" not in lower:
        raise AnalyzerError(
            f"{where}: unrecognised header {','.join(header)!r} for {symbol} "
            "(expected Date,Open,High,Low,Close[,Adj Close],Volume or DATE,VALUE)"
        )
    cols = {i: _YAHOO_COLUMNS[name] for i, name in enumerate(lower) if name in _YAHOO_COLUMNS}
    rows = []
    for line_no, rec in enumerate(reader, start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        row: dict = {"line": line_no}
        for i, key in cols.items():
            cell = rec[i].strip() if i < len(rec) else ""
            if key == "date":
                row["date"] = _date(cell, symbol, where, line_no)
            else:
                row[key] = _number(cell, symbol, where, line_no, row.get("date"))
        if row.get("close") is None:
            # Yahoo writes "null" rows for days it has no bar; they are gaps, not prices.
            continue
        if row.get("adj_close") is None:
            row["adj_close"] = row["close"]
        rows.append(row)
    return RawSeries(symbol, source, rows)


def _read_level(reader, symbol: str, source: str, where: str) -> RawSeries:
    rows, holidays = [], []
    for line_no, rec in enumerate(reader, start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        date = _date(rec[0].strip(), symbol, where, line_no)
        cell = rec[1].strip() if len(rec) > 1 else ""
        if cell in ("", "."):
            holidays.append(date)  # FRED leaves the value empty on days without an observation
            continue
        value = _number(cell, symbol, where, line_no, date)
        rows.append(
            {
                "line": line_no,
                "date": date,
                "open": None,
                "high": None,
                "low": None,
                "close": value,
                "adj_close": value,
                "volume": None,
            }
        )
    return RawSeries(symbol, source, rows, holidays=holidays, kind="level")


def _date(cell: str, symbol: str, where: str, line_no: int) -> str:
    from datetime import date

    try:
        return date.fromisoformat(cell[:10]).isoformat()
    except ValueError:
        raise AnalyzerError(f"{where}:{line_no}: {symbol}: bad date {cell!r} (expected YYYY-MM-DD)") from None


def _number(cell: str, symbol: str, where: str, line_no: int, date: str | None) -> float | None:
    if cell in ("", "null", "NaN", "nan", "."):
        return None
    try:
        value = float(cell)
    except ValueError:
        raise AnalyzerError(
            f"{where}:{line_no}: {symbol} {date or ''}: not a number {cell!r}".replace("  ", " ")
        ) from None
    return None if math.isnan(value) else value


# --- online sources -----------------------------------------------------------------------------


def _yfinance(symbol: str) -> RawSeries:
    try:
        import yfinance
    except ImportError:
        raise AnalyzerError(
            "--source yfinance needs the yfinance package: pip install 'market-narrative-analyzer[online]'"
        ) from None
    try:
        frame = yfinance.download(symbol, period="max", interval="1d", auto_adjust=False, progress=False, threads=False)
    except Exception as exc:  # yfinance raises many kinds when offline
        raise AnalyzerError(f"yfinance: cannot download {symbol} ({_one_line(exc)}); are you online?") from None
    if frame is None or len(frame) == 0:
        raise AnalyzerError(f"yfinance: no data for {symbol} (offline, or an unknown symbol)")
    if getattr(frame.columns, "nlevels", 1) > 1:  # recent yfinance: (field, ticker) columns
        frame = frame.xs(symbol, axis=1, level=-1)
    rename = {
        "Open": "open",
        "High": "high",
        "Low": "low",
        "Close": "close",
        "Adj Close": "adj_close",
        "Volume": "volume",
    }
    rows = []
    for i, (ts, rec) in enumerate(frame.iterrows()):
        row = {"line": i + 1, "date": ts.date().isoformat()}
        for src, dst in rename.items():
            v = rec.get(src)
            row[dst] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        if row["close"] is None:
            continue
        if row["adj_close"] is None:
            row["adj_close"] = row["close"]
        rows.append(row)
    return RawSeries(symbol, "yfinance", rows)


def stooq_symbol(symbol: str) -> str:
    """US tickers on stooq carry a .us suffix (IWM -> iwm.us); indices and FX are left alone."""
    s = symbol.lower()
    return s if ("." in s or s.startswith("^")) else f"{s}.us"


def _stooq(symbol: str) -> RawSeries:
    import httpx

    base = os.environ.get("ANALYZE_STOOQ_URL") or STOOQ_URL
    try:
        resp = httpx.get(base, params={"s": stooq_symbol(symbol), "i": "d"}, timeout=20.0, follow_redirects=True)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise AnalyzerError(
            f"stooq: cannot download {symbol} from {base} ({_one_line(exc)}); are you online?"
        ) from None
    text = resp.text
    if not text.strip() or text.strip().lower().startswith(("no data", "<")):
        raise AnalyzerError(f"stooq: no data for {symbol} (unknown symbol, or the service refused the request)")
    return read_csv_text(text, symbol, "stooq", f"stooq:{symbol}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
