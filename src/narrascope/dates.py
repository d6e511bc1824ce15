"""Publication dates: what a reader accepts, the one form the store keeps, and the guard for values already stored.

Feeds and exports write dates many ways. ``normalise_date`` accepts

* ISO 8601 dates and datetimes, with or without a time zone (``2024-03-01``, ``2024-03-01T10:00:00Z``,
  ``2024-03-01 10:00:00+05:30``, ``20240301``);
* RFC 822 / 2822 (``Mon, 01 Jan 2024 10:00:00 GMT``, ``01 Jan 2024 10:00 +0100``), the form of RSS feeds;
* common written forms: ``2024/03/01``, ``2024.03.01``, ``01.03.2024`` (day first), ``1 March 2024``,
  ``March 1, 2024``, ``Mar 1 2024``, and ``dd/mm/yyyy`` or ``mm/dd/yyyy`` where only one reading is a real date,

and returns one form: ``YYYY-MM-DD`` for a date, ``YYYY-MM-DDTHH:MM:SS`` (plus ``+HH:MM`` when the zone is known) for
a datetime. The time zone is kept, not converted, so a document's day (the first ten characters) is the day its
publisher printed. Anything else, an impossible date (``2024-02-30``) or a year outside 1900-2199, is a
``ValueError`` saying why; readers report it with file and line and drop the date, keeping the document.

``stored_day`` is the defensive half: a page or a trend never trusts a stored value, it asks for its day and gets
``None`` for one that is not a real date (written by an older version, or straight into the database).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

MIN_YEAR, MAX_YEAR = 1900, 2199
_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], 1) for name in names}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMERIC = re.compile(r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\.? ([a-z]+)\.?,? (\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
MAX_CHARS = 100
log = logging.getLogger(__name__)


def normalise_date(value: str) -> str:
    """``value`` in the store's form (``YYYY-MM-DD`` or an ISO datetime); ``ValueError`` saying why when it is not a
    date this module reads or lies outside 1900-2199."""
    text = " ".join(value.split())
    if not text:
        raise ValueError("empty date")
    if len(text) > MAX_CHARS:
        raise ValueError(f"date is {len(text)} characters long, not a date")
    parsed = _iso(text) or _rfc2822(text) or _written(text)
    if parsed is None:
        raise ValueError(f"{_show(text)} is not a date (use ISO-8601 such as 2024-03-01, or RFC 2822)")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"{_show(text)} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    if isinstance(parsed, datetime):
        return parsed.isoformat(timespec="seconds")
    return parsed.isoformat()


def published_or_none(value: object, where: str) -> str | None:
    """``value`` normalised (``normalise_date``), or ``None`` with a warning naming ``where`` (``file:line``) when it
    is not a date: a bad date costs the document its date, never the document."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        log.warning("%s: published must be a date string, not %s; dropped", where, type(value).__name__)
        return None
    try:
        return normalise_date(value if isinstance(value, str) else str(value))
    except ValueError as exc:  # also an int too long to print
        log.warning("%s: published %s; dropped", where, exc)
        return None


def stored_day(value: object) -> str | None:
    """The ``YYYY-MM-DD`` day of a stored ``published`` (or ``day``) value, or ``None`` when it has none that is a
    real date within 1900-2199: never raises, whatever the store holds."""
    if not isinstance(value, str) or not _DAY.match(value):
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return value[:10] if MIN_YEAR <= day.year <= MAX_YEAR else None


def stored_date(value: object) -> str | None:
    """A stored ``published`` value when its day is a real date (``stored_day``), else ``None``."""
    return value if isinstance(value, str) and stored_day(value) else None


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _iso(text: str) -> date | datetime | None:
    if not text[:1].isdigit():
        return None
    candidate = text[:-4] + "+00:00" if text.endswith((" UTC", " GMT")) else text
    try:
        if len(candidate) in (8, 10) and "T" not in candidate and ":" not in candidate:
            return date.fromisoformat(candidate)
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    if not any(c.isalpha() for c in text) or ":" not in text:
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _written(text: str) -> date | None:
    lower = text.lower()
    numeric = _NUMERIC.fullmatch(lower)
    if numeric:
        first, separator, second, third = numeric.groups()
        if len(first) == 4:
            return _date(int(first), int(second), int(third))
        if len(third) != 4:
            return None
        if separator == ".":  # 01.03.2024 is day first wherever dots are written
            return _date(int(third), int(second), int(first))
        day_first = _date(int(third), int(second), int(first))
        month_first = _date(int(third), int(first), int(second))
        if day_first and month_first and day_first != month_first:
            raise ValueError(f"{_show(text)} is ambiguous (day/month or month/day); use ISO-8601 such as 2024-03-01")
        return day_first or month_first
    written = _DAY_MONTH_YEAR.fullmatch(lower)
    if written:
        day, month, year = written.groups()
        return _date(int(year), _MONTHS.get(month), int(day))
    written = _MONTH_DAY_YEAR.fullmatch(lower)
    if written:
        month, day, year = written.groups()
        return _date(int(year), _MONTHS.get(month), int(day))
    return None


def _date(year: int, month: int | None, day: int) -> date | None:
    if month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
