from datetime import date

from forlob.citizens.age import age_on


def test_age_counts_the_birthday_itself():
    assert age_on(date(1950, 6, 1), date(2026, 5, 31)) == 75
    assert age_on(date(1950, 6, 1), date(2026, 6, 1)) == 76


def test_born_on_29_february_turns_older_on_1_march_in_other_years():
    assert age_on(date(1948, 2, 29), date(2026, 2, 28)) == 77
    assert age_on(date(1948, 2, 29), date(2026, 3, 1)) == 78
