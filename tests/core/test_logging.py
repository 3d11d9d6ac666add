"""No CPR number reaches a log handler, whoever logs it."""

from __future__ import annotations

import logging
import sys

import pytest

from forlob.core.logging import MASK, RedactCprFilter, redact


@pytest.mark.parametrize("text", ["cpr 0101901234 here", "cpr 010190-1234 here"])
def test_cpr_like_numbers_are_masked(text):
    assert redact(text) == f"cpr {MASK} here"


@pytest.mark.parametrize("text", ["order 12345678901", "phone 86421234", "id 9999999999"])
def test_other_numbers_are_left_alone(text):
    assert redact(text) == text


def test_the_filter_masks_arguments_and_tracebacks():
    try:
        raise ValueError("bad 3112991234")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "user typed %s", ("0101901234",), exc_info
    )
    RedactCprFilter().filter(record)
    assert record.getMessage() == f"user typed {MASK}"
    assert "3112991234" not in record.exc_text
    assert MASK in record.exc_text


def test_the_console_handler_uses_the_filter():
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    assert any(isinstance(f, RedactCprFilter) for f in handler.filters)
