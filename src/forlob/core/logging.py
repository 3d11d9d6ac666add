"""Logging that cannot leak a CPR number, whatever a library or a careless line logs.

The code never logs CPR numbers (search is a POST, messages never repeat the number); this
filter is the second line of defence: any ten-digit run that looks like a CPR number (DDMMYY,
optional hyphen, four digits) is replaced before a record reaches a handler, including in the
formatted traceback of an exception.
"""

from __future__ import annotations

import logging
import re

CPR_LIKE = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")
MASK = "******-****"


def redact(text: str) -> str:
    return CPR_LIKE.sub(MASK, text)


class RedactCprFilter(logging.Filter):
    """Rewrites the record's message (and exception text) with CPR-like numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
