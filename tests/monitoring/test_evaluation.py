"""Evaluation statistics on synthetic data with a known effect: the estimate recovers it."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.utils import translation

from forlob.monitoring import evaluation as ev
from forlob.monitoring.evaluation import EvaluationError, Unit, Wording
from tests.helpers import tr

TRUE_EFFECT = -40.0  # e.g. minutes of home care a week


def confounded(seed: int, n: int = 1500, effect: float = TRUE_EFFECT) -> list[Unit]:
    """Older and newer citizens get the intervention more often and also have other outcomes:
    a naive comparison is biased; matching on age, sex and new/existing removes the bias."""
    rng = random.Random(seed)
    units = []
    for _ in range(n):
        treated = rng.random() < 0.3
        age = rng.randint(60, 95) + (4 if treated else 0)
        sex = rng.choice(["female", "male"])
        new = rng.random() < (0.7 if treated else 0.35)
        y = 200 + 2.0 * (age - 75) + (30 if new else 0) + (8 if sex == "female" else 0)
        y += (effect if treated else 0) + rng.gauss(0, 25)
        units.append(Unit(outcome=y, treated=treated, age=age, sex=sex, new_citizen=new))
    return units


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("coarsen", [True, False])
def test_matching_recovers_the_known_effect(seed, coarsen):
    units = confounded(seed)
    naive = sum(u.outcome for u in units if u.treated) / sum(1 for u in units if u.treated) - sum(
        u.outcome for u in units if not u.treated
    ) / sum(1 for u in units if not u.treated)
    assert naive > TRUE_EFFECT + 10  # the naive difference is clearly biased
    estimate = ev.matched_effect(units, covariates=("age", "sex", "new"), coarsen=coarsen)
    assert estimate.ci_low <= TRUE_EFFECT <= estimate.ci_high
    assert estimate.p_value < 0.001
    assert estimate.ci_high - estimate.ci_low < 15
    assert estimate.n_treated + estimate.n_control <= len(units)
    assert estimate.design == "matching"


def test_matching_finds_no_effect_when_there_is_none():
    estimate = ev.matched_effect(confounded(7, effect=0.0))
    assert estimate.includes_zero


def test_matching_weights_make_the_comparison_mean_comparable():
    """One stratum each way: the weighted comparison mean is the strata means weighted by the
    intervention group's sizes (the ATT by hand)."""
    units = (
        [Unit(outcome=10, treated=True, age=70, sex="female", new_citizen=True)] * 6
        + [Unit(outcome=20, treated=True, age=90, sex="female", new_citizen=True)] * 2
        + [Unit(outcome=14 + i % 3 - 1, age=70, sex="female", new_citizen=True) for i in range(9)]
        + [Unit(outcome=26 + i % 3 - 1, age=90, sex="female", new_citizen=True) for i in range(9)]
    )
    estimate = ev.matched_effect(units, covariates=("age", "sex", "new"), coarsen=False)
    # intervention mean 12.5; comparison weighted (6*14 + 2*26)/8 = 17
    assert estimate.effect == pytest.approx(-4.5)
    assert estimate.mean_control == pytest.approx(17.0)
    assert estimate.strata == 2


def test_unmatched_small_and_unbalanced_groups_warn():
    rng = random.Random(3)
    units = [Unit(outcome=rng.gauss(0, 1), treated=True, age=70, sex="female", new_citizen=True)
             for _ in range(12)]  # fmt: skip
    units += [
        Unit(outcome=rng.gauss(0, 1), treated=True, age=99, sex="male", new_citizen=False)
        for _ in range(8)
    ]  # fmt: skip  (nobody like them in the comparison pool)
    units += [Unit(outcome=rng.gauss(0, 1), age=70, sex="female", new_citizen=True)
              for _ in range(10)]  # fmt: skip
    warnings = ev.matched_effect(units).warnings
    assert tr(ev.WARNING_SMALL_N) % {"treated": 12, "control": 10} in warnings
    assert tr(ev.WARNING_UNMATCHED) % {"percent": 40} in warnings
    assert any(w.startswith(tr(ev.WARNING_UNBALANCED).split("%")[0]) for w in warnings)
    assert tr(ev.WARNING_FEW_CONTROLS) in warnings


def test_too_few_or_no_matches_give_no_estimate():
    few = [Unit(outcome=1.0, treated=True, age=70, sex="female")] * 4 + [
        Unit(outcome=2.0, age=70, sex="female")
    ] * 50
    with pytest.raises(EvaluationError) as exc:
        ev.matched_effect(few)
    assert str(exc.value) == tr(ev.MESSAGE_TOO_FEW) % {"min": 5, "treated": 4, "control": 50}
    apart = [Unit(outcome=1.0, treated=True, age=70, sex="female")] * 10 + [
        Unit(outcome=2.0, age=90, sex="male")
    ] * 10
    with pytest.raises(EvaluationError) as exc:
        ev.matched_effect(apart)
    assert str(exc.value) == tr(ev.MESSAGE_NO_MATCHES)


def test_function_level_is_matched_when_chosen():
    rng = random.Random(5)
    units = []
    for _ in range(1200):
        treated = rng.random() < 0.4
        level = rng.choice([0, 1, 2, 3, 4]) if not treated else rng.choice([2, 3, 4])
        y = 100 + 15 * level + (-10 if treated else 0) + rng.gauss(0, 8)
        units.append(Unit(outcome=y, treated=treated, age=80, sex="female", function_level=level))
    biased = ev.matched_effect(units, covariates=("sex",))
    matched = ev.matched_effect(units, covariates=("sex", "function"))
    assert not biased.ci_low <= -10 <= biased.ci_high
    assert matched.ci_low <= -10 <= matched.ci_high


def rollout(seed: int, *, effect: float = -15.0, districts: int = 5) -> tuple[list[Unit], dict]:
    """Districts start one after the other; outcomes drift over time and differ per district."""
    rng = random.Random(seed)
    names = [f"Distrikt {i}" for i in range(districts)]
    starts = {n: date(2025, 3 + 2 * i, 1) for i, n in enumerate(names)}
    level = {n: rng.gauss(0, 15) for n in names}
    units = []
    for n in names:
        for _ in range(150):
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
            treated = day >= starts[n]
            y = 120 + level[n] + 2.0 * day.month + (effect if treated else 0) + rng.gauss(0, 12)
            units.append(Unit(outcome=y, district=n, index_date=day))
    return units, starts


@pytest.mark.parametrize("model", ["fixed", "mixed"])
@pytest.mark.parametrize("seed", range(3))
def test_stepped_wedge_recovers_the_known_effect(model, seed):
    units, starts = rollout(seed)
    estimate = ev.stepped_wedge_effect(units, starts=starts, model=model)
    assert estimate.ci_low <= -15.0 <= estimate.ci_high
    assert estimate.p_value < 0.001
    assert estimate.n_treated + estimate.n_control == len(units)
    assert estimate.model == model and estimate.strata == 5
    assert not estimate.warnings


def test_stepped_wedge_by_quarter_and_with_a_comparison_district():
    units, starts = rollout(11)
    del starts["Distrikt 4"]  # never started: a comparison district throughout
    estimate = ev.stepped_wedge_effect(units, starts=starts, period="quarter")
    assert estimate.ci_low <= -15.0 <= estimate.ci_high


def test_stepped_wedge_refuses_what_it_cannot_tell():
    units, starts = rollout(1)
    # Every district starting on the same first of a month is a before/after study: the start
    # coincides with a change of month, so it cannot be told apart from the time trend.
    same_day = {n: date(2025, 6, 1) for n in starts}
    with pytest.raises(EvaluationError) as exc:
        ev.stepped_wedge_effect(units, starts=same_day, period="month")
    assert str(exc.value) == tr(ev.MESSAGE_NO_STEP)
    one = [u for u in units if u.district == "Distrikt 0"]
    with pytest.raises(EvaluationError) as exc:
        ev.stepped_wedge_effect(one, starts=starts)
    assert str(exc.value) == tr(ev.MESSAGE_ONE_DISTRICT)
    december = [u for u in units if u.index_date.month == 12]  # every district started
    with pytest.raises(EvaluationError) as exc:
        ev.stepped_wedge_effect(december, starts=starts)
    assert str(exc.value) == tr(ev.MESSAGE_TOO_FEW) % {
        "min": 5,
        "treated": len(december),
        "control": 0,
    }


def test_stepped_wedge_warns_about_few_districts_and_districts_without_contrast():
    units, starts = rollout(2, districts=3)
    starts["Distrikt 2"] = date(2024, 1, 1)  # started before any data: no before
    estimate = ev.stepped_wedge_effect(units, starts=starts)
    assert tr(ev.WARNING_FEW_DISTRICTS) % {"count": 3} in estimate.warnings
    assert tr(ev.WARNING_DISTRICT_NO_CONTRAST) % {"district": "Distrikt 2"} in estimate.warnings


WORDING = Wording(
    more="%(value)s minutes more", less="%(value)s minutes less", unit="minutes", decimals=1
)


def _estimate(effect: float, low: float, high: float, p: float) -> ev.Estimate:
    return ev.Estimate(
        design="matching", model="wls", effect=effect, ci_low=low, ci_high=high, p_value=p,
        n_treated=120, n_control=340, n_treated_total=130, n_control_total=900,
    )  # fmt: skip


def test_explanation_in_plain_language():
    with translation.override("da"):
        lines = ev.explain(_estimate(-32.44, -41.2, -23.0, 0.0004), WORDING)
        ci = tr(ev.SENTENCE_CI) % {
            "low": "-41,2",
            "high": "-23,0",
            "unit": "minutes",
            "p": "< 0,001",
        }
        assert lines == [
            f"32,4 minutes less ({ci}).",
            tr(ev.SENTENCE_N) % {"treated": 120, "control": 340},
            tr(ev.SENTENCE_NOT_CHANCE),
        ]
        lines = ev.explain(_estimate(3.0, -1.5, 7.5, 0.19), WORDING)
        assert lines[0].startswith("3,0 minutes more (")
        assert "p = 0,190" in lines[0]
        assert lines[2] == tr(ev.SENTENCE_CHANCE)
        share = Wording(more="%(value)s pp more", less="%(value)s pp less", unit="pp", scale=100)
        assert ev.explain(_estimate(0.123, 0.05, 0.2, 0.01), share)[0].startswith("12,3 pp more")
        assert ev.explain(_estimate(0.01, -1, 1, 0.9), WORDING)[0].startswith(
            tr(ev.SENTENCE_NO_DIFFERENCE)
        )


def test_balance_table_before_matching():
    units = confounded(0, n=300)
    with translation.override("da"):
        rows = ev.balance_table(units, ("age", "sex", "new"))
    labels = [r[0] for r in rows]
    assert len(labels) == 4
    treated = sum(1 for u in units if u.treated)
    assert rows[0][1:] == (str(treated), str(len(units) - treated))
