"""The scoring rules (questionnaires/scoring.py) on worked examples and as properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from forlob.questionnaires.scoring import Item, health_literacy, position, response_positive

# --- satisfaction: a response is positive when more than half of its scored answers are ----------


def yes() -> Item:
    return Item(positive=True)


def no() -> Item:
    return Item(positive=False)


def test_all_positive_answers_make_a_positive_response():
    assert response_positive([yes(), yes(), yes(), yes(), yes()]) is True


def test_a_majority_decides():
    assert response_positive([yes(), yes(), yes(), no(), no()]) is True
    assert response_positive([yes(), yes(), no(), no(), no()]) is False


def test_a_tie_is_not_positive():
    assert response_positive([yes(), no()]) is False
    assert response_positive([yes(), yes(), no(), no()]) is False


def test_unscored_and_unanswered_questions_do_not_count():
    unscored = Item(positive=None)
    assert response_positive([yes(), unscored, unscored, unscored]) is True
    assert response_positive([no(), unscored]) is False


def test_no_scored_answer_means_no_verdict():
    assert response_positive([]) is None
    assert response_positive([Item(positive=None), Item(positive=None)]) is None


@given(st.lists(st.booleans(), min_size=1, max_size=30))
def test_positive_exactly_when_positives_outnumber_the_rest(flags):
    items = [Item(positive=f) for f in flags]
    assert response_positive(items) is (flags.count(True) > flags.count(False))


# --- health literacy ------------------------------------------------------------------------------

DOMAINS = ["find", "understand", "talk", "keep track", "use"]
# The shipped screening rates each item 1 (very hard) .. 4 (very easy), two items per domain.
VERY_HARD, HARD, EASY, VERY_EASY = 1, 2, 3, 4


def rated(domain: str, value: int | None) -> Item:
    return Item(domain=domain, value=value, low=1, high=4)


def screening(*pairs: tuple[int, int]) -> list[Item]:
    """Two ratings per domain, domains in order."""
    return [rated(d, v) for d, pair in zip(DOMAINS, pairs, strict=True) for v in pair]


def level(items: list[Item]) -> str | None:
    result = health_literacy(items, domains=DOMAINS)
    return None if result is None else result.level


def test_position_places_an_answer_on_zero_to_one():
    assert [position(rated("x", v)) for v in (1, 2, 3, 4)] == [0, 1 / 3, 2 / 3, 1]
    assert position(Item(domain="x", value=7, low=0, high=10)) == 0.7
    assert position(rated("x", None)) is None


def test_easy_everywhere_is_high():
    assert level(screening(*[(EASY, EASY)] * 5)) == "high"
    assert level(screening(*[(VERY_EASY, EASY)] * 5)) == "high"


def test_one_difficult_domain_is_medium():
    # "understand" is hard on both items (score 1/3 < 0.5); everything else easy.
    items = screening((EASY, EASY), (HARD, HARD), (EASY, EASY), (VERY_EASY, EASY), (EASY, EASY))
    result = health_literacy(items, domains=DOMAINS)
    assert result is not None
    assert result.level == "medium"
    assert result.difficult == ("understand",)


def test_two_difficult_domains_are_low():
    items = screening(
        (VERY_HARD, HARD), (HARD, HARD), (EASY, EASY), (VERY_EASY, VERY_EASY), (EASY, EASY)
    )
    assert level(items) == "low"


def test_a_domain_with_one_hard_and_one_easy_item_is_not_difficult():
    # (hard + easy) / 2 = (1/3 + 2/3) / 2 = 0.5: exactly on the line counts as not difficult.
    items = screening((HARD, EASY), *[(EASY, EASY)] * 4)
    result = health_literacy(items, domains=DOMAINS)
    assert result is not None and result.difficult == ()


def test_no_difficult_domain_but_below_easy_on_average_is_medium():
    # Every domain at 0.5 (hard + easy): none difficult, mean 0.5 < 2/3.
    assert level(screening(*[(HARD, EASY)] * 5)) == "medium"


def test_a_domain_without_any_answer_gives_no_result():
    items = screening(*[(EASY, EASY)] * 5)
    items = [i for i in items if i.domain != "talk"] + [rated("talk", None), rated("talk", None)]
    assert level(items) is None


def test_one_answered_item_per_domain_is_enough():
    items = [rated(d, EASY) for d in DOMAINS] + [rated(d, None) for d in DOMAINS]
    assert level(items) == "high"


def test_questions_without_a_domain_are_not_scored():
    items = [*screening(*[(EASY, EASY)] * 5), Item(domain="", value=1, low=1, high=4)]
    assert level(items) == "high"


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=10, max_size=10))
def test_the_level_follows_the_number_of_difficult_domains(values):
    items = [rated(DOMAINS[i // 2], v) for i, v in enumerate(values)]
    result = health_literacy(items, domains=DOMAINS)
    assert result is not None
    scores = [(values[2 * i] + values[2 * i + 1] - 2) / 6 for i in range(5)]
    difficult = sum(1 for s in scores if s < 0.5 - 1e-9)
    if difficult >= 2:
        assert result.level == "low"
    elif difficult == 1:
        assert result.level == "medium"
    else:
        mean = sum(scores) / 5
        assert result.level == ("high" if mean >= 2 / 3 - 1e-9 else "medium")


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=10, max_size=10))
def test_rating_an_item_easier_never_lowers_the_level(values):
    rank = {"low": 0, "medium": 1, "high": 2}

    def result_for(vs):
        return health_literacy(
            [rated(DOMAINS[i // 2], v) for i, v in enumerate(vs)], domains=DOMAINS
        )

    before = result_for(values)
    for i, v in enumerate(values):
        if v < 4:
            better = result_for([*values[:i], v + 1, *values[i + 1 :]])
            assert rank[better.level] >= rank[before.level]
