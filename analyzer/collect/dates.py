"""Publication timestamps, read strictly.

ISO 8601 goes through dateutil's `isoparse` and RFC 2822 through the standard library's
`email.utils`; for feeds, the other date grammars feedparser knows are a fallback. An impossible
value (month 13, 30 February, hour 99) or an implausible one (before 1900, more than a day after
the fetch or import) is refused with the reason; nothing is normalised or guessed.

A value that does not say everything is read only when the caller says how:
- a time without a UTC offset: in the time zone given (`--timezone`); in feeds and page metadata,
  whose formats define such times as UTC, as UTC;
- a date alone: the end of that day in that time zone (so a claim is never placed before its
  article appeared).
What had to be assumed comes back with the value (`Timestamp.note`), to be stored with it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
MAX_LENGTH = 100  # the longest timestamp format is about 40 characters

_ISO_START = re.compile(r"\d{4}(?:-|\d{2}|$)")
_YEAR_OR_MONTH = re.compile(r"\d{4}(?:-\d{2})?")
_NO_OFFSET_UTC = re.compile(r"-0000\s*$")  # RFC 2822: the time is UTC, the sender's zone unknown


class BadDate(ValueError):
    """A timestamp that cannot be read as it is; the message says why."""


@dataclass(frozen=True)
class Timestamp:
    utc: str  # ISO 8601 in UTC: YYYY-MM-DDTHH:MM:SSZ
    note: str | None = None  # what was assumed to read it; None when the value said it all


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (e.g. America/New_York, UTC); BadDate when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadDate(f"unknown time zone {name!r} (use an IANA name such as America/New_York or UTC)") from None


def _iso(s: str) -> tuple[datetime, bool]:
    """(value, date only) of an ISO 8601 string."""
    from dateutil.parser import isoparse

    if _YEAR_OR_MONTH.fullmatch(s):
        raise BadDate(f"{s!r} names a year or a month, not a day")
    try:
        dt = isoparse(s)
    except (ValueError, OverflowError) as exc:
        raise BadDate(f"{s!r} is not a valid ISO 8601 time ({exc})") from None
    return dt, not re.search(r"[Tt ]\d", s)


def _rfc2822(s: str) -> datetime | None:
    """The value of an RFC 2822 date (the format of RSS and e-mail), None when `s` is not one."""
    from email.utils import parsedate_to_datetime, parsedate_tz

    try:
        shaped = parsedate_tz(s) is not None
    except (TypeError, ValueError, IndexError):
        shaped = False
    if not shaped:
        return None
    try:
        dt = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise BadDate(f"{s!r} is not a possible date ({exc})") from None
    if dt.tzinfo is None and _NO_OFFSET_UTC.search(s):
        dt = dt.replace(tzinfo=UTC)
    return dt


def _from_struct(st: time.struct_time, s: str) -> datetime:
    """feedparser's reading (a UTC struct_time) of a format neither ISO 8601 nor RFC 2822."""
    try:
        return datetime(*st[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadDate(f"{s!r} is not a possible date ({exc})") from None


def read_timestamp(
    raw: str,
    *,
    now: datetime,
    timezone: str | None = None,
    utc_default: bool = False,
    struct: time.struct_time | None = None,
) -> Timestamp:
    """Read `raw` strictly; BadDate (with the reason) when it cannot be read as it is.

    `now`: the time of the fetch or import (bounds the future). `timezone`: how to read a time
    without an offset or a date alone; without it those are refused, unless `utc_default` (feeds
    and page metadata, whose formats define such times as UTC). `struct`: feedparser's reading of
    a feed date, used only for formats that are neither ISO 8601 nor RFC 2822.
    """
    s = " ".join(str(raw).split())
    if not s:
        raise BadDate("empty timestamp")
    if len(s) > MAX_LENGTH:
        raise BadDate(f"{s[:40]!r}... is {len(s)} characters long, not a timestamp")
    if _ISO_START.match(s):
        dt, date_only = _iso(s)
    else:
        date_only = False
        parsed = _rfc2822(s)
        if parsed is None:
            if struct is None:
                raise BadDate(f"{s!r} is not a timestamp we can read (use ISO 8601 with an offset, or RFC 2822)")
            parsed = _from_struct(struct, s)
        dt = parsed
    note = None
    if date_only or dt.tzinfo is None:
        if timezone is None and not utc_default:
            if date_only:
                raise BadDate(
                    f"{s!r} is a date without a time; pass --timezone ZONE to read it as the end of that day there"
                )
            raise BadDate(f"{s!r} has no UTC offset; add one (e.g. -05:00) or pass --timezone ZONE")
        name = timezone or "UTC"
        tz = zone(name)
        if date_only:
            dt = datetime(dt.year, dt.month, dt.day, 23, 59, 59)
            note = f"date only: end of the day in {name}"
        else:
            note = f"no UTC offset: read as {name}"
        dt = _localize(dt.replace(tzinfo=None), tz, s, name)
    if dt.year < EARLIEST.year:
        raise BadDate(f"{s!r} is before {EARLIEST.year}")
    too_late = f"{s!r} is more than a day in the future (now: {now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ})"
    if dt.year > now.year + 1:
        raise BadDate(too_late)
    try:
        utc = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadDate(f"{s!r} is out of range") from None
    if utc < EARLIEST:
        raise BadDate(f"{s!r} is before {EARLIEST.year}")
    if utc > now + FUTURE_SLACK:
        raise BadDate(too_late)
    return Timestamp(utc.strftime("%Y-%m-%dT%H:%M:%SZ"), note)


def _localize(naive: datetime, tz: ZoneInfo, s: str, name: str) -> datetime:
    """`naive` as a time in `tz`; a wall time the zone skips (a daylight-saving gap) is refused."""
    dt = naive.replace(tzinfo=tz)
    try:
        back = dt.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise BadDate(f"{s!r} is out of range") from None
    if back != naive:
        raise BadDate(f"{s!r} does not exist in {name} (the clocks skip it)")
    return dt


def parse_now(now: str | datetime | None) -> datetime:
    """A store timestamp ('...Z') or datetime as an aware datetime; the current time for None."""
    if now is None:
        return datetime.now(UTC)
    if isinstance(now, datetime):
        return now if now.tzinfo else now.replace(tzinfo=UTC)
    return datetime.fromisoformat(now.replace("Z", "+00:00"))
