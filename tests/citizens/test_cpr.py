"""CPR numbers: worked examples for parse (century table, dates), mask and sex."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from forlob.citizens import cpr as cprlib
from forlob.citizens.cpr import MESSAGE_DATE, MESSAGE_FORMAT, century, mask, parse, validate_cpr
from tests.factories import make_cpr
from tests.helpers import tr

# --- the century table (CPR-kontoret) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("0101900000", date(1990, 1, 1)),  # 7th digit 0–3: always 1900s
        ("0101001000", date(1900, 1, 1)),
        ("3112992000", date(1999, 12, 31)),
        ("0101363000", date(1936, 1, 1)),
        ("0101364000", date(2036, 1, 1)),  # 4 and 9: 00–36 → 2000s ...
        ("0101374000", date(1937, 1, 1)),  # ... 37–99 → 1900s
        ("0101209000", date(2020, 1, 1)),
        ("0101999000", date(1999, 1, 1)),
        ("0101005000", date(2000, 1, 1)),  # 5–8: 00–57 → 2000s ...
        ("0101576000", date(2057, 1, 1)),
        ("0101587000", date(1858, 1, 1)),  # ... 58–99 → 1800s
        ("3112998999", date(1899, 12, 31)),
    ],
)
def test_parse_century_table(value, born):
    assert parse(value).birth_date == born


@pytest.mark.parametrize(
    ("year2", "digit", "expected"),
    [
        (0, 0, 1900), (99, 3, 1900),
        (36, 4, 2000), (37, 4, 1900), (36, 9, 2000), (37, 9, 1900),
        (57, 5, 2000), (58, 5, 1800), (57, 8, 2000), (58, 8, 1800),
    ],
)  # fmt: skip
def test_century_boundaries(year2, digit, expected):
    assert century(year2, digit) == expected


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "3102901234",  # 31 February
        "3104901234",  # 31 April
        "0013901234",  # month 13
        "0001901234",  # day 0
        "0100901234",  # month 0
        "2902970000",  # 29 Feb 1997: not a leap year
        "2902000000",  # 29 Feb 1900 (7th digit 0): 1900 was not a leap year
        "2902585000",  # 29 Feb 1858 (7th digit 5, year 58): not a leap year
    ],
)
def test_parse_rejects_impossible_dates(value):
    with pytest.raises(ValidationError) as exc:
        parse(value)
    assert exc.value.code == "cpr_date"
    assert exc.value.messages == [tr(MESSAGE_DATE)]


@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("2902964000", date(1996, 2, 29)),  # 1996: leap year
        ("2902004000", date(2000, 2, 29)),  # 2000 (7th digit 4): leap year although a century
        ("2902565000", date(2056, 2, 29)),
        ("2902040000", date(1904, 2, 29)),
    ],
)
def test_parse_accepts_29_february_in_leap_years(value, born):
    assert parse(value).birth_date == born


# --- format -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0101901234", "010190-1234", " 010190-1234 ", "0101901234\n"])
def test_parse_accepts_with_and_without_dash(value):
    parsed = parse(value)
    assert parsed.digits == "0101901234"
    assert parsed.formatted() == "010190-1234"
    assert parsed.birth_date == date(1990, 1, 1)


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "abc",
        "010190",
        "010190-123",
        "01019012345",
        "010190--1234",
        "01019-01234",
        "010190 1234",
        "010190_1234",
        "0101901234x",
        "x0101901234",
        "01.01.90-1234",
        "+4512345678",
    ],
)
def test_parse_rejects_garbage(value):
    with pytest.raises(ValidationError) as exc:
        parse(value)
    assert exc.value.code == "cpr_format"
    assert exc.value.messages == [tr(MESSAGE_FORMAT)]


@pytest.mark.parametrize("value", ["０１０１９０１２３４", "٠١٠١٩٠-١٢٣٤"])
def test_parse_non_ascii_digits_are_rejected_or_normalised(value):
    try:
        parsed = parse(value)
    except ValidationError:
        return
    assert parsed.digits == "0101901234"


@pytest.mark.parametrize(
    "value", ["3102901234", "010190-123", "01019012345", "2902970000", "010190_1234"]
)
def test_error_messages_never_repeat_the_number(value):
    with pytest.raises(ValidationError) as exc:
        parse(value)
    digits = "".join(ch for ch in value if ch.isdigit())
    for message in exc.value.messages:
        assert digits not in message
        assert digits[:6] not in message
        assert value not in message
    assert value not in str(exc.value)


def test_validate_cpr_is_the_model_validator():
    validate_cpr("010190-1234")
    with pytest.raises(ValidationError):
        validate_cpr("310290-1234")


# --- mask and sex -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("0101901234", "010190-****"),
        ("010190-1234", "010190-****"),
        ("", "******-****"),
        (None, "******-****"),
        ("12345", "******-****"),
        ("01019012345", "******-****"),
    ],
)
def test_mask(value, masked):
    assert mask(value) == masked


def test_cpr_masked_never_shows_the_sequence_part():
    parsed = parse("0101901234")
    assert parsed.masked() == "010190-****"
    assert "1234" not in parsed.masked()


@pytest.mark.parametrize(
    ("value", "male"),
    [
        ("0101901231", True),
        ("0101901233", True),
        ("0101901239", True),
        ("0101901230", False),
        ("0101901234", False),
        ("0101901238", False),
    ],
)
def test_sex_from_last_digit(value, male):
    assert parse(value).is_male is male


@given(
    born=st.dates(min_value=date(1858, 1, 1), max_value=date(2036, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    male=st.booleans(),
)
def test_property_make_cpr_roundtrips(born, serial, male):
    value = make_cpr(born, serial, male=male)
    parsed = cprlib.parse(value)
    assert parsed.birth_date == born
    assert parsed.is_male is male
    assert cprlib.parse(parsed.formatted()) == parsed
