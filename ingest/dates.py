"""Date parsing for dirty sources. Pure functions: a value that cannot be read gives None or raises
ValueError (the caller decides whether that quarantines the row)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# A timestamp without an offset is Mexico City local time.
MEXICO_CITY = ZoneInfo("America/Mexico_City")
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, accounting for its 1900 leap-year bug

_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_RANGE_SPLIT = re.compile(r"\s+(?:-|–|//?|al|a)\s+|\s{2,}|\s*//\s*", re.IGNORECASE)
# A day-month-year inside a longer cell; the digit guards keep "1/2/20233" from reading as a date.
_DMY_TOKEN = re.compile(r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)")
# What may stand between two dates in one cell: dashes, slashes, commas, spaces, "al", "y".
_BETWEEN_DATES = re.compile(r"(?:[\s,;/–—-]|\b(?:al|a|y)\b)*", re.IGNORECASE)


def parse_instant(value: object) -> datetime | None:
    """An ISO 8601 timestamp, with or without offset ("Z", "-06:00"); None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MEXICO_CITY)
    return parsed


def ocds_date(value: object) -> date | None:
    """The calendar date an OCDS timestamp means."""
    instant = parse_instant(value)
    if instant is None:
        if isinstance(value, str):
            match = _ISO_DATE.match(value)
            if match:
                return _safe_date(*(int(g) for g in match.groups()))
        return None
    # The date as written: "2017-03-06T00:00:00Z" (federal, INAI) means 6 March, and so does
    # "2017-03-06T06:00:00.000Z" (local midnight stored in UTC) and "...T00:00:00-06:00".
    # Converting instants to Mexico City time would move UTC-midnight dates a day back.
    return instant.date()


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _two_digit_year(year: int) -> int:
    # Registries start in the 1990s: 00-69 are 20xx, 70-99 are 19xx.
    return 2000 + year if year < 70 else 1900 + year


def parse_day(value: object) -> date | None:
    """One date as Mexican registries write it: DD/MM/YYYY, dd-mm-yy, ISO, or an Excel serial.

    Empty values give None. A value that is present but unreadable raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = str(value).strip()
    if not text or text in {"-", "--", "N/A", "NA", "S/D", "SIN DATO"}:
        return None
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year = _two_digit_year(year)
        parsed = _safe_date(year, month, day)
        if parsed is None:
            raise ValueError(f"not a calendar date: {text!r}")
        return parsed
    match = _ISO_DATE.match(text[:10]) if len(text) >= 10 else None
    if match:
        parsed = _safe_date(*(int(g) for g in match.groups()))
        if parsed is not None:
            return parsed
    if re.fullmatch(r"\d{4,5}(\.\d+)?", text):
        return _excel_serial(float(text))
    raise ValueError(f"unreadable date {text!r} (expected DD/MM/YYYY, dd-mm-yy, ISO or a number)")


def _excel_serial(serial: float) -> date:
    # Serials 20000-80000 cover 1954-2119; anything else is not a date someone typed.
    if not 20000 <= serial <= 80000:
        raise ValueError(f"number {serial:g} is not a plausible Excel date")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def parse_day_range(value: object) -> tuple[date | None, date | None]:
    """A date or a range "dd/mm/yyyy - dd/mm/yyyy" (also "al"/"a"); a single date gives (d, d)."""
    if value is None:
        return None, None
    text = str(value).strip() if not isinstance(value, int | float) else value
    if isinstance(text, str):
        parts = [p for p in _RANGE_SPLIT.split(text) if p.strip()]
        if len(parts) == 2:
            return parse_day(parts[0]), parse_day(parts[1])
    single = parse_day(text)
    return single, single


def parse_days(value: object) -> tuple[date, ...]:
    """Every DD/MM/YYYY (or dd-mm-yy) date of a cell that holds several, in the order written,
    whatever separates them: "24/04/2023 -15/10/2020", "15/10/2020 - 24/04/2023",
    "24/04/2023-15/10/2020", "22/06/2018 // 10/10/2018".

    A date that is not a calendar date ("31/02/2020") is left out; the cell still reads when
    another one is valid. Raises ValueError when the cell holds anything but dates and
    separators, or no valid date."""
    text = str(value).strip() if value is not None else ""
    found: list[date] = []
    end = 0
    for match in _DMY_TOKEN.finditer(text):
        if not _BETWEEN_DATES.fullmatch(text, end, match.start()):
            break
        end = match.end()
        try:
            day = parse_day(match.group())
        except ValueError:
            continue
        if day is not None:
            found.append(day)
    if end == 0 or not _BETWEEN_DATES.fullmatch(text, end):
        raise ValueError(f"unreadable dates {text!r} (expected DD/MM/YYYY dates)")
    if not found:
        raise ValueError(f"no calendar date in {text!r}")
    return tuple(found)
