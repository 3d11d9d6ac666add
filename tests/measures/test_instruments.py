"""Scoring of every instrument against hand-computed examples, edge cases and properties.

The instruments are pure: no database, no request. Each worked example states its arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from forlob.measures import fsiii as fsiii_data
from forlob.measures.instruments import (
    INSTRUMENTS,
    Context,
    barthel,
    chair_stand,
    copm,
    direction,
    eq5d5l,
    fsiii,
    get,
    meaningful,
)
from forlob.measures.instruments.base import MESSAGE_REQUIRED, MESSAGE_WHOLE_NUMBER
from tests.helpers import tr

D = Decimal


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in exc.value.message_dict.items()}


def test_registry_has_the_five_instruments_with_stable_codes():
    assert list(INSTRUMENTS) == ["copm", "barthel20", "eq5d5l", "chairstand30", "fsiii"]
    assert get("copm") is copm.INSTRUMENT
    assert {code for code, i in INSTRUMENTS.items() if i.licensed} == {"copm", "eq5d5l"}
    with pytest.raises(KeyError):
        get("fim")


# --- COPM ---------------------------------------------------------------------------------------


def activity(name: str, performance: int, satisfaction: int, importance: int = 8) -> dict:
    return {
        "activity": name,
        "importance": importance,
        "performance": performance,
        "satisfaction": satisfaction,
    }


START = {
    "activities": [
        activity("Gå tur", 3, 2),
        activity("Lave mad", 4, 3),
        activity("Handle ind", 6, 5),
    ]
}
END = {
    "activities": [
        activity("Gå tur", 6, 6),
        activity("Lave mad", 7, 5),
        activity("Handle ind", 6, 6),
    ]
}


def test_copm_worked_example_means_and_change():
    # performance (3 + 4 + 6) / 3 = 4.33 → 4.3; satisfaction (2 + 3 + 5) / 3 = 3.33 → 3.3
    clean, score = get("copm").evaluate(START)
    assert (score.primary, score.secondary) == (D("4.3"), D("3.3"))
    assert score.details == {"activities": 3}
    # at the end: (6 + 7 + 6) / 3 = 6.33 → 6.3 and (6 + 5 + 6) / 3 = 5.67 → 5.7
    change = copm.change(clean, copm.validate(END))
    assert (change.after.performance, change.after.satisfaction) == (D("6.3"), D("5.7"))
    # change 6.3 − 4.3 = 2.0 (meaningful) and 5.7 − 3.3 = 2.4 (meaningful)
    assert (change.performance, change.satisfaction) == (D("2.0"), D("2.4"))
    assert change.performance_meaningful and change.satisfaction_meaningful
    assert change.meaningful and change.compared == 3


def test_copm_means_round_half_up_to_one_decimal():
    # (5 + 5 + 5 + 6) / 4 = 5.25 → 5.3 (half up, as on the score sheet)
    values = {"activities": [activity(f"A{i}", p, 1) for i, p in enumerate((5, 5, 5, 6))]}
    assert copm.means(copm.validate(values)).performance == D("5.3")


@pytest.mark.parametrize(
    ("before", "after", "expected", "is_meaningful"),
    [
        ((4, 5), (6, 7), D("2.0"), True),  # 4.5 → 6.5: exactly 2 counts
        ((4, 5), (6, 6), D("1.5"), False),  # 4.5 → 6.0
        ((8, 8), (6, 6), D("-2.0"), True),  # a meaningful deterioration is meaningful too
        ((5, 5), (5, 5), D("0.0"), False),
    ],
)
def test_copm_change_threshold_is_two_points(before, after, expected, is_meaningful):
    first = {"activities": [activity("A", before[0], 5), activity("B", before[1], 5)]}
    second = {"activities": [activity("A", after[0], 5), activity("B", after[1], 5)]}
    result = copm.change(first, second)
    assert result.performance == expected
    assert result.performance_meaningful is is_meaningful
    assert result.satisfaction_meaningful is False


def test_copm_change_compares_only_activities_rated_both_times_matching_names_loosely():
    first = {"activities": [activity("Gå  tur", 2, 2), activity("Bage", 9, 9)]}
    second = {"activities": [activity("gå tur", 6, 5), activity("Cykle", 1, 1)]}
    result = copm.change(first, second)
    assert result.compared == 1
    assert (result.performance, result.satisfaction) == (D("4.0"), D("3.0"))
    assert copm.change(first, {"activities": [activity("Svømme", 5, 5)]}) is None


def test_copm_validation_messages_per_row_and_field():
    values = {
        "activities": [
            {"activity": "Gå tur", "importance": "8", "performance": "11", "satisfaction": ""},
            {"activity": "", "importance": "", "performance": "4", "satisfaction": "4"},
            {"activity": "GÅ TUR", "importance": 2, "performance": 2, "satisfaction": 2},
            {"activity": "", "importance": "", "performance": "", "satisfaction": ""},
        ]
    }
    with pytest.raises(ValidationError) as exc:
        copm.validate(values)
    errors = errors_of(exc)
    assert errors["performance_1"] == [tr(MESSAGE_WHOLE_NUMBER) % {"min": 1, "max": 10}]
    assert errors["satisfaction_1"] == [tr(MESSAGE_REQUIRED)]
    assert errors["activity_2"] == [tr(copm.MESSAGE_NAME_MISSING)]
    assert errors["importance_2"] == [tr(MESSAGE_REQUIRED)]
    assert errors["activity_3"] == [tr(copm.MESSAGE_DUPLICATE)]
    assert "activity_4" not in errors  # an empty row is simply unused


def test_copm_needs_one_and_at_most_five_activities():
    with pytest.raises(ValidationError) as exc:
        copm.validate({"activities": [{"activity": "", "performance": ""}]})
    assert errors_of(exc) == {"activities": [tr(copm.MESSAGE_NO_ACTIVITY)]}
    six = {"activities": [activity(f"A{i}", 5, 5) for i in range(6)]}
    with pytest.raises(ValidationError) as exc:
        copm.validate(six)
    assert errors_of(exc) == {"activities": [tr(copm.MESSAGE_TOO_MANY)]}
    with pytest.raises(ValidationError):
        copm.validate({"activities": "Gå tur"})


def test_copm_accepts_digit_strings_and_trims_names():
    clean = copm.validate(
        {"activities": [{"activity": "  Gå   tur ", "importance": "10", "performance": " 1",
                         "satisfaction": "10"}]}
    )  # fmt: skip
    assert clean == {"activities": [activity("Gå tur", 1, 10, importance=10)]}


copm_rows = st.lists(
    st.fixed_dictionaries(
        {
            "importance": st.integers(1, 10),
            "performance": st.integers(1, 10),
            "satisfaction": st.integers(1, 10),
        }
    ),
    min_size=1,
    max_size=5,
)


@given(copm_rows)
def test_copm_means_stay_within_1_and_10_and_equal_sum_over_count(rows):
    values = {"activities": [{"activity": f"Aktivitet {i}", **r} for i, r in enumerate(rows)]}
    score = copm.means(copm.validate(values))
    for key, mean in (("performance", score.performance), ("satisfaction", score.satisfaction)):
        assert D(1) <= mean <= D(10)
        exact = D(sum(r[key] for r in rows)) / len(rows)
        assert abs(mean - exact) <= D("0.05")


@given(copm_rows, copm_rows)
def test_copm_change_is_the_difference_of_means_and_flags_two_points(first, second):
    n = min(len(first), len(second))
    a = copm.validate({"activities": [{"activity": f"A{i}", **r} for i, r in enumerate(first)]})
    b = copm.validate({"activities": [{"activity": f"A{i}", **r} for i, r in enumerate(second)]})
    result = copm.change(a, b)
    assert result.compared == n
    assert D(-9) <= result.performance <= D(9)
    assert result.performance == result.after.performance - result.before.performance
    assert result.performance_meaningful == (abs(result.performance) >= 2)


# --- Barthel-20 ---------------------------------------------------------------------------------

ALL_MAX = {item.key: item.max_score for item in barthel.ITEMS}


def test_barthel_item_ranges_are_collin_and_wade():
    assert {i.key: i.max_score for i in barthel.ITEMS} == {
        "bowels": 2,
        "bladder": 2,
        "grooming": 1,
        "toilet": 2,
        "feeding": 2,
        "transfer": 3,
        "mobility": 3,
        "dressing": 2,
        "stairs": 2,
        "bathing": 1,
    }


def test_barthel_worked_example():
    # 2 + 1 + 1 + 1 + 2 + 2 + 2 + 1 + 0 + 0 = 12
    values = dict(zip(ALL_MAX, (2, 1, 1, 1, 2, 2, 2, 1, 0, 0), strict=True))
    assert get("barthel20").evaluate(values)[1].primary == D(12)
    assert barthel.total(barthel.validate(ALL_MAX)) == 20
    assert barthel.total(barthel.validate(dict.fromkeys(ALL_MAX, "0"))) == 0


def test_barthel_refuses_out_of_range_missing_and_non_integers():
    values = {**ALL_MAX, "grooming": 2, "transfer": "1.5", "bathing": True}
    del values["stairs"]
    with pytest.raises(ValidationError) as exc:
        barthel.validate(values)
    assert errors_of(exc) == {
        "grooming": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 0, "max": 1}],
        "transfer": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 0, "max": 3}],
        "stairs": [tr(MESSAGE_REQUIRED)],
        "bathing": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 0, "max": 1}],
    }


@given(st.fixed_dictionaries({i.key: st.integers(0, i.max_score) for i in barthel.ITEMS}))
def test_barthel_total_is_always_between_0_and_20(values):
    assert 0 <= barthel.total(barthel.validate(values)) <= barthel.MAX_TOTAL


@given(
    st.sampled_from(barthel.ITEMS),
    st.integers().filter(lambda n: n < 0 or n > 3),
)
def test_barthel_refuses_every_score_outside_an_items_range(item, score):
    with pytest.raises(ValidationError) as exc:
        barthel.validate({**ALL_MAX, item.key: score})
    assert list(exc.value.message_dict) == [item.key]


# --- EQ-5D-5L -----------------------------------------------------------------------------------

KEYS = [d.key for d in eq5d5l.DIMENSIONS]


def state(profile: str, vas: int = 50) -> dict:
    return {**dict(zip(KEYS, (int(c) for c in profile), strict=True)), "vas": vas}


def test_eq5d_worked_example_11123():
    # the Danish value set's own example: 1 − 0.048 (pain 2) − 0.191 (anxiety 3) = 0.761
    clean, score = get("eq5d5l").evaluate({**state("11123"), "vas": "70"})
    assert score.details == {"profile": "11123", "index_dk": "0.761"}
    assert score.primary == D(8)  # level sum 1 + 1 + 1 + 2 + 3
    assert score.secondary == D(70)
    assert clean["vas"] == 70


@pytest.mark.parametrize(
    ("profile", "level_sum", "index"),
    [
        ("11111", 5, "1"),
        ("55555", 25, "-0.758"),  # 1 − (0.220 + 0.209 + 0.174 + 0.537 + 0.618)
        ("21345", 15, "-0.080"),  # 1 − (0.041 + 0 + 0.040 + 0.381 + 0.618)
    ],
)
def test_eq5d_profile_level_sum_and_danish_index(profile, level_sum, index):
    values = eq5d5l.validate(state(profile))
    assert eq5d5l.profile(values) == profile
    assert eq5d5l.level_sum(values) == level_sum
    assert eq5d5l.danish_index(values) == D(index)


def test_eq5d_refuses_levels_and_vas_out_of_range():
    with pytest.raises(ValidationError) as exc:
        eq5d5l.validate({**state("11111"), "mobility": 0, "anxiety_depression": 6, "vas": 101})
    assert errors_of(exc) == {
        "mobility": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 1, "max": 5}],
        "anxiety_depression": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 1, "max": 5}],
        "vas": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 0, "max": 100}],
    }
    with pytest.raises(ValidationError) as exc:
        eq5d5l.validate({})
    assert set(errors_of(exc)) == {*KEYS, "vas"}


levels = st.lists(st.integers(1, 5), min_size=5, max_size=5)


@given(levels, st.integers(0, 100))
def test_eq5d_scores_stay_in_their_ranges(levels, vas):
    values = eq5d5l.validate({**dict(zip(KEYS, levels, strict=True)), "vas": vas})
    score = eq5d5l.score(values)
    assert 5 <= score.primary <= 25
    assert len(score.details["profile"]) == 5
    assert D("-0.758") <= D(score.details["index_dk"]) <= 1


@given(levels, st.integers(0, 4))
def test_eq5d_a_worse_level_never_raises_the_index(levels, i):
    if levels[i] == 5:
        return
    worse = [*levels]
    worse[i] += 1
    a = eq5d5l.validate({**dict(zip(KEYS, levels, strict=True)), "vas": 50})
    b = eq5d5l.validate({**dict(zip(KEYS, worse, strict=True)), "vas": 50})
    assert eq5d5l.danish_index(b) < eq5d5l.danish_index(a)
    assert eq5d5l.level_sum(b) == eq5d5l.level_sum(a) + 1


# --- 30-second chair stand ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "sex", "band"),
    [
        (60, "female", (12, 17)),
        (64, "male", (14, 19)),
        (65, "female", (11, 16)),
        (72, "female", (10, 15)),
        (79, "male", (11, 17)),
        (84, "female", (9, 14)),
        (89, "male", (8, 14)),
        (90, "female", (4, 11)),
        (94, "male", (7, 12)),
        (59, "female", None),  # the norms start at 60
        (95, "male", None),  # and end at 94
        (70, "", None),
        (None, "female", None),
    ],
)
def test_chair_stand_reference_bands(age, sex, band):
    assert chair_stand.reference_band(age, sex) == band


def test_chair_stand_below_normal_range_is_below_the_25th_percentile():
    woman_72 = Context(age=72, sex="female")  # band 10–15
    nine = get("chairstand30").evaluate({"count": "9"}, woman_72)[1]
    assert nine.primary == D(9)
    assert nine.details == {"band": [10, 15], "below_normal": True, "age": 72}
    assert get("chairstand30").evaluate({"count": 10}, woman_72)[1].details["below_normal"] is False
    assert chair_stand.below_normal(30, 72, "female") is False
    assert chair_stand.below_normal(3, 50, "female") is None
    assert get("chairstand30").evaluate({"count": 3}, Context(age=50, sex="male"))[1].details == {}


@pytest.mark.parametrize("count", [-1, 61, "12a", "", None, 2.5])
def test_chair_stand_count_is_a_whole_number_0_to_60(count):
    with pytest.raises(ValidationError) as exc:
        chair_stand.validate({"count": count})
    assert list(exc.value.message_dict) == ["count"]


# --- FSIII --------------------------------------------------------------------------------------


def test_fsiii_worked_example_per_area_summary():
    values = {"J1.1": "2", "J1.3": 3, "J3.8": 4, "J5.1": 9, "J2.1": ""}
    clean, score = get("fsiii").evaluate(values)
    assert clean == {"J1.1": 2, "J1.3": 3, "J3.8": 4, "J5.1": 9}  # blank = not assessed
    j1, j3, j5 = fsiii.summarise(clean)
    # J1: (2 + 3) / 2 = 2.5, one item at 3 or more
    assert (j1.code, j1.mean, j1.severe, j1.relevant) == ("J1", D("2.5"), 1, 2)
    assert (j3.code, j3.mean, j3.severe) == ("J3", D("4.0"), 1)
    # J5: only "not relevant": no mean
    assert (j5.code, j5.mean, j5.relevant, j5.not_relevant) == ("J5", None, 0, 1)
    # overall (2 + 3 + 4) / 3 = 3.0; 2 items at level 3–4; 9 never counts
    assert (score.primary, score.secondary) == (D("3.0"), D(2))
    assert [a["code"] for a in score.details["areas"]] == ["J1", "J3", "J5"]
    assert score.details["areas"][0]["mean"] == "2.5"


def test_fsiii_area_mean_rounds_to_one_decimal():
    # (1 + 2 + 2) / 3 = 1.67 → 1.7
    [j1] = fsiii.summarise(fsiii.validate({"J1.1": 1, "J1.2": 2, "J1.4": 2}))
    assert j1.mean == D("1.7")


def test_fsiii_refuses_bad_levels_unknown_items_and_nothing_relevant():
    with pytest.raises(ValidationError) as exc:
        fsiii.validate({"J1.1": 5, "J1.2": "x", "J1.3": 2})
    assert errors_of(exc) == {
        "J1.1": [tr(fsiii.MESSAGE_LEVEL)],
        "J1.2": [tr(fsiii.MESSAGE_LEVEL)],
    }
    with pytest.raises(ValidationError) as exc:
        fsiii.validate({"J9.9": 1})
    assert errors_of(exc) == {"__all__": [tr(fsiii.MESSAGE_UNKNOWN_ITEM)]}
    for values in ({}, {"J1.1": 9, "J4.2": "9"}, {"J1.1": ""}):
        with pytest.raises(ValidationError) as exc:
            fsiii.validate(values)
        assert errors_of(exc) == {"__all__": [tr(fsiii.MESSAGE_NOTHING_RATED)]}


@given(
    st.dictionaries(
        st.sampled_from(sorted(fsiii_data.ITEMS)), st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=1
    ).filter(lambda d: any(v != 9 for v in d.values()))
)
def test_fsiii_means_stay_within_0_and_4_and_not_relevant_never_counts(values):
    clean = fsiii.validate(values)
    score = fsiii.score(clean)
    assert D(0) <= score.primary <= D(4)
    for area in fsiii.summarise(clean):
        assert area.mean is None or D(0) <= area.mean <= D(4)
        assert area.severe <= area.relevant
        assert area.relevant + area.not_relevant == sum(
            1 for code in clean if code.startswith(area.code + ".")
        )
    assert score.secondary == sum(1 for v in clean.values() if v in (3, 4))


# --- reading a change ---------------------------------------------------------------------------


def test_direction_knows_which_way_is_better():
    assert direction(D(2), higher_is_better=True) == "better"
    assert direction(D(-1), higher_is_better=False) == "better"  # FSIII, EQ-5D level sum
    assert direction(D(1), higher_is_better=False) == "worse"
    assert direction(D(0), higher_is_better=True) == "same"
    assert direction(None, higher_is_better=True) is None


def test_meaningful_only_where_a_minimal_important_difference_is_cited():
    assert meaningful(D(2), barthel.INSTRUMENT.primary) is True
    assert meaningful(D(1), barthel.INSTRUMENT.primary) is False
    assert meaningful(D(-2), chair_stand.INSTRUMENT.primary) is True
    assert meaningful(D(10), eq5d5l.INSTRUMENT.primary) is None
    assert meaningful(D(-2), fsiii.INSTRUMENT.primary) is None
    assert meaningful(None, copm.INSTRUMENT.primary) is None


def test_evaluate_refuses_something_that_is_not_a_mapping():
    with pytest.raises(ValidationError):
        get("barthel20").evaluate(["2", "2"])  # type: ignore[arg-type]


def test_fsiii_summary_names_the_area_means():
    _clean, score = get("fsiii").evaluate({"J1.1": 2, "J1.3": 3, "J3.8": 4, "J5.1": 9})
    text = fsiii.summary(score.primary, score.secondary, score.details)
    assert text.endswith(f"(J1 {number_format(D('2.5'))}, J3 {number_format(D('4.0'))})")
