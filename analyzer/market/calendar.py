"""The NYSE (XNYS) trading calendar from exchange_calendars: sessions, closes and event sessions.

Closes come from the library in UTC, so early closes (13:00 New York on July 3, the day after
Thanksgiving, Christmas Eve) and daylight-saving changes are the library's, not ours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np

from analyzer.errors import AnalyzerError

EXCHANGE = "XNYS"
CALENDAR_START = "1998-01-02"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


@lru_cache(maxsize=1)
def get_calendar():
    import exchange_calendars as xc

    return xc.get_calendar(EXCHANGE, start=CALENDAR_START)


@lru_cache(maxsize=1)
def _arrays() -> tuple[np.ndarray, np.ndarray]:
    cal = get_calendar()
    sessions = np.array([d.date().isoformat() for d in cal.sessions])
    closes = cal.closes.dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)  # UTC ns
    return sessions, closes


def sessions() -> np.ndarray:
    """All session dates (YYYY-MM-DD strings, ascending)."""
    return _arrays()[0]


def sessions_between(start: str | date, end: str | date) -> list[str]:
    s = sessions()
    lo = np.searchsorted(s, str(start), side="left")
    hi = np.searchsorted(s, str(end), side="right")
    return list(s[lo:hi])


def is_session(day: str | date) -> bool:
    s = sessions()
    i = np.searchsorted(s, str(day))
    return bool(i < len(s) and s[i] == str(day))


def session_close(session: str | date) -> datetime:
    """The UTC close time of a session."""
    s, closes = _arrays()
    i = np.searchsorted(s, str(session))
    if i >= len(s) or s[i] != str(session):
        raise AnalyzerError(f"{session}: not an {EXCHANGE} session")
    return datetime.fromtimestamp(closes[i] / 1e9, tz=UTC)


def parse_utc(value: str | datetime) -> datetime:
    """A stored UTC timestamp ('YYYY-MM-DDTHH:MM:SS[.ffffff]Z' or with an offset) as an aware datetime."""
    if isinstance(value, datetime):
        dt = value
    else:
        text = value.strip().replace(" ", "T")
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise AnalyzerError(f"bad timestamp {value!r} (expected ISO 8601 UTC)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # stored times are UTC by convention
    return dt.astimezone(UTC)


def event_session_index(published: list) -> np.ndarray:
    """Index into `sessions()` of each publication's event session: the first session whose
    close is strictly after the publication time. -1 where it is past the calendar's end."""
    _, closes = _arrays()
    ns = np.array([((parse_utc(p) - _EPOCH) // _MICRO) * 1000 for p in published], dtype=np.int64)
    idx = np.searchsorted(closes, ns, side="right")
    idx[idx >= len(closes)] = -1
    return idx


def event_session(published: str | datetime) -> str:
    """The event session (YYYY-MM-DD) of one publication time."""
    i = int(event_session_index([published])[0])
    if i < 0:
        raise AnalyzerError(f"publication time {published} is after the calendar's last session")
    return str(sessions()[i])
