"""Evaluation statistics: did an intervention change an outcome, compared with whom?

KORA's main criticism of municipal evaluations of everyday rehabilitation is the missing control
group. Two designs are offered, both fitted with statsmodels and both returning the effect, its
95 % confidence interval, the p-value and the n behind it, with warnings in plain language:

* **Matched comparison** (``matched_effect``): the intervention group against citizens not in it
  who are alike on age, sex, starting function level (when known) and new vs existing citizen.
  Exact matching uses age in whole years and function level as is; coarsened exact matching
  (CEM, Iacus, King & Porro 2012) first puts age into bands (under 65, 65–74, 75–84, 85+) and
  function level into none/light, moderate, severe/total. Units are put in strata by those
  values; strata without both groups are dropped; comparison units are weighted so each stratum
  counts as much as it does among the intervention units (the CEM weights). The effect is the
  coefficient of "in the intervention" in a weighted least-squares regression of the outcome
  (with heteroscedasticity-robust HC1 standard errors): the average effect on those treated.
* **Stepped wedge** (``stepped_wedge_effect``): the intervention is rolled out across districts
  (teams) at different start dates; every unit before its district's start is a comparison unit,
  every unit from it on an intervention unit. ``model="fixed"``: ordinary least squares with fixed
  effects for period and district (HC1 errors); ``model="mixed"``: a linear mixed model with a
  random intercept per district and fixed period effects (statsmodels MixedLM, REML).

A binary outcome (completed or not) is analysed as a linear probability model, so the effect is
in percentage points — easier to explain than an odds ratio.

This module is pure: plain data in, plain data out (no database), so it is tested on synthetic
data with a known effect. ``monitoring/evaluation_data.py`` builds the units from the database.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MIN_PER_GROUP = 5  # below this no estimate is shown at all (meaningless, and near-identifying)
SMALL_N = 30  # below this per group: a warning that the result is uncertain
UNMATCHED_WARNING = 0.2  # share of intervention units without a match that warrants a warning
SMD_WARNING = 0.25  # standardised difference before matching that counts as unbalanced
FEW_DISTRICTS = 4

AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 65, "<65"),
    (65, 75, "65-74"),
    (75, 85, "75-84"),
    (85, 200, "85+"),
)

MESSAGE_TOO_FEW = gettext_noop(
    "Too few citizens to estimate an effect: at least %(min)d are needed in each group "
    "(intervention %(treated)d, comparison %(control)d)."
)
MESSAGE_NO_MATCHES = gettext_noop(
    "No citizen in the intervention group has a comparable citizen in the comparison group."
)
MESSAGE_NO_STEP = gettext_noop(
    "The roll-out has no step: in no period were some districts started and others not, so the "
    "effect cannot be told apart from the time trend."
)
MESSAGE_ONE_DISTRICT = gettext_noop("A stepped-wedge evaluation needs at least two districts.")
MESSAGE_NOT_FITTED = gettext_noop("The model could not be fitted to these data.")

WARNING_SMALL_N = gettext_noop(
    "Few citizens (%(treated)d in the intervention group, %(control)d in the comparison group): "
    "the result is uncertain, read it with care."
)
WARNING_UNMATCHED = gettext_noop(
    "%(percent)d %% of the citizens in the intervention group had no comparable citizen and are "
    "left out: the result describes only those who could be matched."
)
WARNING_UNBALANCED = gettext_noop(
    "Before matching the groups differed in %(what)s; the matching evens this out only for the "
    "characteristics chosen."
)
WARNING_FEW_CONTROLS = gettext_noop(
    "There are fewer comparison citizens than citizens in the intervention group: each "
    "comparison citizen weighs heavily."
)
WARNING_FEW_DISTRICTS = gettext_noop(
    "Only %(count)d districts: with so few, the estimate depends much on each district."
)
WARNING_DISTRICT_NO_CONTRAST = gettext_noop(
    "%(district)s has no citizens both before and after its start; it adds nothing to the "
    "comparison within the district."
)
WARNING_NOT_CONVERGED = gettext_noop(
    "The mixed model did not converge cleanly; compare with the fixed-effects model."
)

CHARACTERISTICS = {
    "age": gettext_noop("age"),
    "sex": gettext_noop("sex"),
    "new": gettext_noop("new vs existing citizens"),
    "function": gettext_noop("starting function level"),
}


class EvaluationError(Exception):
    """The data cannot answer the question (too few, no matches, no step); ``str`` says why."""


@dataclass(frozen=True)
class Unit:
    """One observation: a pathway (or citizen) with its outcome and characteristics."""

    outcome: float
    treated: bool = False
    age: int | None = None
    sex: str = ""
    new_citizen: bool | None = None
    function_level: float | None = None
    district: str = ""
    index_date: date | None = None


@dataclass
class Estimate:
    design: str  # "matching" | "stepped_wedge"
    model: str  # "wls" | "fixed" | "mixed"
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int  # in the model
    n_control: int
    n_treated_total: int  # before matching / dropping
    n_control_total: int
    strata: int = 0
    mean_treated: float | None = None
    mean_control: float | None = None  # weighted (matching) or before start (stepped wedge)
    warnings: list[str] = field(default_factory=list)

    @property
    def includes_zero(self) -> bool:
        return self.ci_low <= 0 <= self.ci_high


def age_band(age: int | None) -> str:
    if age is None:
        return "?"
    return next(label for low, high, label in AGE_BANDS if low <= age < high)


def function_band(level: float | None) -> str:
    """FSIII-style levels 0–4 coarsened: none/light (0–1), moderate (2), severe/total (3–4)."""
    if level is None:
        return "?"
    if level < 1.5:
        return "0-1"
    if level < 2.5:
        return "2"
    return "3-4"


def _key(unit: Unit, covariates: Sequence[str], coarsen: bool) -> tuple[object, ...]:
    parts: list[object] = []
    for c in covariates:
        if c == "age":
            parts.append(age_band(unit.age) if coarsen else unit.age)
        elif c == "sex":
            parts.append(unit.sex)
        elif c == "new":
            parts.append(unit.new_citizen)
        elif c == "function":
            level = unit.function_level
            parts.append(function_band(level) if coarsen else level)
    return tuple(parts)


def _smd(a: list[float], b: list[float]) -> float:
    """Standardised mean difference (pooled SD); 0 when both are constant."""
    if not a or not b:
        return 0.0
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((x - ma) ** 2 for x in a) / max(1, len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / max(1, len(b) - 1)
    sd = math.sqrt((va + vb) / 2)
    if sd == 0:
        return 0.0 if ma == mb else math.inf
    return (ma - mb) / sd


def _imbalance(treated: list[Unit], control: list[Unit], covariates: Sequence[str]) -> list[str]:
    """Characteristics whose standardised difference before matching exceeds SMD_WARNING."""
    out = []
    getters = {
        "age": lambda u: u.age,
        "sex": lambda u: 1.0 if u.sex == "female" else 0.0 if u.sex else None,
        "new": lambda u: None if u.new_citizen is None else float(u.new_citizen),
        "function": lambda u: u.function_level,
    }
    for c in covariates:
        get = getters[c]
        a = [float(v) for v in (get(u) for u in treated) if v is not None]
        b = [float(v) for v in (get(u) for u in control) if v is not None]
        if abs(_smd(a, b)) > SMD_WARNING:
            out.append(c)
    return out


def _check_sizes(n_treated: int, n_control: int) -> None:
    if n_treated < MIN_PER_GROUP or n_control < MIN_PER_GROUP:
        raise EvaluationError(
            _(MESSAGE_TOO_FEW) % {"min": MIN_PER_GROUP, "treated": n_treated, "control": n_control}
        )


def _small_n_warning(n_treated: int, n_control: int) -> list[str]:
    if n_treated < SMALL_N or n_control < SMALL_N:
        return [_(WARNING_SMALL_N) % {"treated": n_treated, "control": n_control}]
    return []


def matched_effect(
    units: Sequence[Unit],
    *,
    covariates: Sequence[str] = ("age", "sex", "new"),
    coarsen: bool = True,
) -> Estimate:
    """Effect of being in the intervention group, by (coarsened) exact matching; see the module.

    ``covariates``: any of "age", "sex", "new", "function". Units missing the outcome should not
    be passed. Raises ``EvaluationError`` when fewer than MIN_PER_GROUP remain in a group.
    """
    import numpy as np
    import statsmodels.api as sm

    treated_all = [u for u in units if u.treated]
    control_all = [u for u in units if not u.treated]
    _check_sizes(len(treated_all), len(control_all))
    strata: dict[tuple[object, ...], list[list[Unit]]] = defaultdict(lambda: [[], []])
    for u in units:
        strata[_key(u, covariates, coarsen)][0 if u.treated else 1].append(u)
    matched = {k: v for k, v in strata.items() if v[0] and v[1]}
    n_t = sum(len(v[0]) for v in matched.values())
    n_c = sum(len(v[1]) for v in matched.values())
    if not matched:
        raise EvaluationError(_(MESSAGE_NO_MATCHES))
    _check_sizes(n_t, n_c)
    y: list[float] = []
    x: list[float] = []
    w: list[float] = []
    kept: list[Unit] = []
    for t_units, c_units in matched.values():
        for u in t_units:
            y.append(u.outcome)
            x.append(1.0)
            w.append(1.0)
            kept.append(u)
        weight = (len(t_units) / len(c_units)) * (n_c / n_t)
        for u in c_units:
            y.append(u.outcome)
            x.append(0.0)
            w.append(weight)
            kept.append(u)
    columns = [x]
    if coarsen:
        # Coarsening leaves differences inside a band (ages 75 and 84 share one): adjust for the
        # numeric characteristics in the regression as well, where every unit has them.
        for name in ("age", "function_level"):
            if (name == "age" and "age" in covariates) or (
                name == "function_level" and "function" in covariates
            ):
                values = [getattr(u, name) for u in kept]
                if all(v is not None for v in values) and len(set(values)) > 1:
                    columns.append([float(v) for v in values])
    exog = sm.add_constant(np.column_stack(columns), has_constant="add")
    try:
        fit = sm.WLS(np.array(y), exog, weights=np.array(w)).fit(cov_type="HC1")
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise EvaluationError(_(MESSAGE_NOT_FITTED)) from exc
    low, high = fit.conf_int(alpha=0.05)[1]
    effect = float(fit.params[1])
    if not all(math.isfinite(v) for v in (effect, low, high, fit.pvalues[1])):
        raise EvaluationError(_(MESSAGE_NOT_FITTED))
    notes = _small_n_warning(n_t, n_c)
    unmatched = 1 - n_t / len(treated_all)
    if unmatched > UNMATCHED_WARNING:
        notes.append(_(WARNING_UNMATCHED) % {"percent": round(100 * unmatched)})
    differing = _imbalance(treated_all, control_all, covariates)
    if differing:
        what = ", ".join(_(CHARACTERISTICS[c]) for c in differing)
        notes.append(_(WARNING_UNBALANCED) % {"what": what})
    if n_c < n_t:
        notes.append(_(WARNING_FEW_CONTROLS))
    mean_t = sum(y[i] for i in range(len(y)) if x[i] == 1) / n_t
    cw = [(y[i], w[i]) for i in range(len(y)) if x[i] == 0]
    mean_c = sum(v * wt for v, wt in cw) / sum(wt for _v, wt in cw)
    return Estimate(
        design="matching",
        model="wls",
        effect=effect,
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[1]),
        n_treated=n_t,
        n_control=n_c,
        n_treated_total=len(treated_all),
        n_control_total=len(control_all),
        strata=len(matched),
        mean_treated=mean_t,
        mean_control=mean_c,
        warnings=notes,
    )


def period_label(day: date, period: str) -> str:
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def stepped_wedge_effect(
    units: Sequence[Unit],
    *,
    starts: dict[str, date],
    period: str = "month",
    model: str = "fixed",
) -> Estimate:
    """Effect of the intervention rolled out district by district; see the module docstring.

    Every unit needs ``district`` and ``index_date``; ``treated`` is ignored and derived:
    a unit is in the intervention when its district has a start in ``starts`` and its index date
    is on or after it. Districts without a start are comparison districts throughout.
    """
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    rows = [
        {
            "y": u.outcome,
            "district": u.district,
            "period": period_label(u.index_date, period),
            "treated": 1.0 if u.district in starts and u.index_date >= starts[u.district] else 0.0,
        }
        for u in units
        if u.index_date is not None and u.district
    ]
    frame = pd.DataFrame(rows, columns=["y", "district", "period", "treated"])
    n_t = int(frame["treated"].sum()) if len(frame) else 0
    n_c = len(frame) - n_t
    districts = sorted(frame["district"].unique()) if len(frame) else []
    if len(districts) < 2:
        raise EvaluationError(_(MESSAGE_ONE_DISTRICT))
    _check_sizes(n_t, n_c)
    mixed_periods = frame.groupby("period")["treated"].nunique()
    if not (mixed_periods > 1).any():
        raise EvaluationError(_(MESSAGE_NO_STEP))
    notes = _small_n_warning(n_t, n_c)
    if len(districts) < FEW_DISTRICTS:
        notes.append(_(WARNING_FEW_DISTRICTS) % {"count": len(districts)})
    for d in districts:
        statuses = frame.loc[frame["district"] == d, "treated"].nunique()
        if d in starts and statuses < 2:
            notes.append(_(WARNING_DISTRICT_NO_CONTRAST) % {"district": d})
    period_dummies = pd.get_dummies(frame["period"], prefix="p", drop_first=True, dtype=float)
    y = frame["y"].to_numpy(dtype=float)
    try:
        if model == "mixed":
            exog = pd.concat([frame[["treated"]], period_dummies], axis=1)
            exog = sm.add_constant(exog, has_constant="add")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = sm.MixedLM(y, exog, groups=frame["district"]).fit(reml=True)
            if any("converge" in str(c.message).lower() for c in caught) or not getattr(
                fit, "converged", True
            ):
                notes.append(_(WARNING_NOT_CONVERGED))
            ci = fit.conf_int(alpha=0.05).loc["treated"]
            effect, low, high = float(fit.params["treated"]), float(ci[0]), float(ci[1])
            p_value = float(fit.pvalues["treated"])
        else:
            district_dummies = pd.get_dummies(
                frame["district"], prefix="d", drop_first=True, dtype=float
            )
            exog = pd.concat([frame[["treated"]], period_dummies, district_dummies], axis=1)
            exog = sm.add_constant(exog, has_constant="add")
            fit = sm.OLS(y, exog).fit(cov_type="HC1")
            ci = fit.conf_int(alpha=0.05).loc["treated"]
            effect, low, high = float(fit.params["treated"]), float(ci[0]), float(ci[1])
            p_value = float(fit.pvalues["treated"])
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise EvaluationError(_(MESSAGE_NOT_FITTED)) from exc
    if not all(math.isfinite(v) for v in (effect, low, high, p_value)):
        raise EvaluationError(_(MESSAGE_NOT_FITTED))
    return Estimate(
        design="stepped_wedge",
        model="mixed" if model == "mixed" else "fixed",
        effect=effect,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        n_treated=n_t,
        n_control=n_c,
        n_treated_total=n_t,
        n_control_total=n_c,
        strata=len(districts),
        mean_treated=float(frame.loc[frame["treated"] == 1, "y"].mean()),
        mean_control=float(frame.loc[frame["treated"] == 0, "y"].mean()),
        warnings=notes,
    )


# --- plain Danish -------------------------------------------------------------------------------

SENTENCE_CI = gettext_noop("95 %% confidence interval %(low)s to %(high)s %(unit)s; p %(p)s")
SENTENCE_N = gettext_noop(
    "n = %(treated)d in the intervention group and %(control)d in the comparison group."
)
SENTENCE_CHANCE = gettext_noop(
    "The interval includes 0: the difference may well be chance, so the data do not show an "
    "effect either way."
)
SENTENCE_NOT_CHANCE = gettext_noop(
    "The interval does not include 0: the difference is unlikely to be chance alone."
)
SENTENCE_NO_DIFFERENCE = gettext_noop("There was no difference between the groups")


def _number(value: float, decimals: int) -> str:
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True)


def _p(value: float) -> str:
    return "< " + _number(0.001, 3) if value < 0.001 else "= " + _number(value, 3)


@dataclass(frozen=True)
class Wording:
    """How an outcome's effect is said: the sentences take ``%(value)s`` (a positive number)."""

    more: str  # e.g. "Citizens in the intervention used on average %(value)s minutes more ..."
    less: str
    unit: str  # after the interval's numbers: "minutes", "percentage points"
    scale: float = 1.0  # 100 for a share shown in percentage points
    decimals: int = 1


def explain(estimate: Estimate, wording: Wording) -> list[str]:
    """The result in plain Danish: the effect with its interval and p-value, the n, chance."""
    value = estimate.effect * wording.scale
    low, high = estimate.ci_low * wording.scale, estimate.ci_high * wording.scale
    shown = _number(abs(value), wording.decimals)
    if shown.strip("0,.-") == "":
        head = _(SENTENCE_NO_DIFFERENCE)
    else:
        head = (_(wording.more) if value > 0 else _(wording.less)) % {"value": shown}
    ci = _(SENTENCE_CI) % {
        "low": _number(low, wording.decimals),
        "high": _number(high, wording.decimals),
        "unit": _(wording.unit),
        "p": _p(estimate.p_value),
    }
    return [
        f"{head} ({ci}).",
        _(SENTENCE_N) % {"treated": estimate.n_treated, "control": estimate.n_control},
        _(SENTENCE_CHANCE) if estimate.includes_zero else _(SENTENCE_NOT_CHANCE),
    ]


def balance_table(units: Sequence[Unit], covariates: Sequence[str]) -> list[tuple[str, str, str]]:
    """(characteristic, intervention, comparison) summaries before matching, for the page."""
    treated = [u for u in units if u.treated]
    control = [u for u in units if not u.treated]

    def mean_age(group: list[Unit]) -> str:
        ages = [u.age for u in group if u.age is not None]
        return _number(sum(ages) / len(ages), 1) if ages else "–"

    def share(group: list[Unit], test: object) -> str:
        known = [u for u in group if test(u) is not None]  # type: ignore[operator]
        if not known:
            return "–"
        return _number(100 * sum(1 for u in known if test(u)) / len(known), 0) + " %"  # type: ignore[operator]

    rows = [(_("citizens"), str(len(treated)), str(len(control)))]
    if "age" in covariates:
        rows.append((_("mean age"), mean_age(treated), mean_age(control)))
    if "sex" in covariates:
        female = lambda u: (u.sex == "female") if u.sex else None  # noqa: E731
        rows.append((_("women"), share(treated, female), share(control, female)))
    if "new" in covariates:
        new = lambda u: u.new_citizen  # noqa: E731
        rows.append((_("new citizens"), share(treated, new), share(control, new)))
    if "function" in covariates:
        counts_t = Counter(function_band(u.function_level) for u in treated)
        counts_c = Counter(function_band(u.function_level) for u in control)
        for band in ("0-1", "2", "3-4", "?"):
            if counts_t[band] or counts_c[band]:
                rows.append(
                    (
                        _("function level %(band)s") % {"band": band},
                        str(counts_t[band]),
                        str(counts_c[band]),
                    )
                )
    return rows
