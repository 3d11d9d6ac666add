"""Reading cells of uploaded spreadsheets and CSV files: the rules every import shares.

The cluster's hospital-event import and the bulk import (referrals, staff, calendars) read the
same kinds of cells written by people in Danish offices: dates in several common forms, yes/no
in Danish or English, files saved as UTF-8 (with or without BOM) or Windows-1252.
"""

from __future__ import annotations

from datetime import date, datetime

DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")
YES = {"ja", "j", "yes", "y", "1", "true", "sand"}
NO = {"nej", "n", "no", "0", "false", "falsk"}


def parse_date(value: str) -> date | None:
    """A date in one of ``DATE_FORMATS``, or None."""
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def yes_no(value: str) -> tuple[bool | None, bool]:
    """(value, ok): empty is (None, True); anything but yes or no is (None, False)."""
    v = value.strip().casefold()
    if not v:
        return None, True
    if v in YES:
        return True, True
    if v in NO:
        return False, True
    return None, False


def decode(content: bytes) -> str | None:
    """The text of an uploaded file: UTF-8 (BOM or not), else Windows-1252; None if neither."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
