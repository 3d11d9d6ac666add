"""Each dashboard KPI on hand-built data: the numbers its docstring promises, empty periods and
divisions by zero ("no value", never an error), and the rows behind each number."""

from __future__ import annotations

from datetime import date

import pytest

from forlob.core.choices import DiagnosisArea
from forlob.monitoring import selectors as s
from forlob.monitoring.filters import Period
from forlob.monitoring.kpis import DENOMINATOR, NUMERATOR
from forlob.monitoring.models import KpiSettings
from tests.factories import TherapistFactory
from tests.helpers import at
from tests.monitoring.support import S, day, gop, month, offer, pathway, year

pytestmark = pytest.mark.django_db

JUNE = (2026, 6)
MED = DiagnosisArea.MEDICAL


def pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def table(result, index: int = 0) -> dict[str, object]:
    return {row.key: row for row in result.tables[index].rows}


# --- the 7-day rule -------------------------------------------------------------------------------


def test_gop_offer_share_worked_example(manager, org_a, org_b):
    m = org_a.municipality
    in_time = gop(m, date(2026, 6, 10))  # deadline 17 June
    offer(in_time, at(date(2026, 6, 17), 15))
    late = gop(m, date(2026, 6, 10))
    offer(late, at(date(2026, 6, 18), 9))
    never = gop(m, date(2026, 6, 20))  # deadline 27 June, passed on 15 July: decided, missed
    medical = gop(m, date(2026, 6, 2), diagnosis_area=MED)
    offer(medical, at(date(2026, 6, 4), 10))
    gop(m, date(2026, 6, 30), diagnosis_area=MED)  # deadline 7 July: pending on 5 July
    gop(m, date(2026, 6, 5), status="rejected", reject_reason="duplicate")  # not in population
    gop(org_b.municipality, date(2026, 6, 10))  # another municipality
    may = gop(m, date(2026, 5, 20))  # previous month: 1 of 1
    offer(may, at(date(2026, 5, 21), 10))

    result = s.kpi_gop_offer_share(manager, month(*JUNE, today=date(2026, 7, 5)))

    assert (result.numerator, result.denominator, result.pending) == (2, 4, 1)
    assert result.value == 0.5
    assert result.previous == 1.0
    assert result.target == 1.0
    areas = table(result)
    assert (areas["area=orthopaedic"].numerator, areas["area=orthopaedic"].denominator) == (1, 3)
    assert areas["area=medical"].value == 1.0
    assert areas["area=neurological"].value is None  # nothing decided: no division by zero
    # The trend: twelve months up to June; May and June have values, the rest none.
    assert [p.month for p in result.series][-2:] == [date(2026, 5, 1), date(2026, 6, 1)]
    assert [p.value for p in result.series][-2:] == [1.0, 0.5]
    assert all(p.value is None for p in result.series[:-2])
    # The rows behind the numbers.
    filters = month(*JUNE, today=date(2026, 7, 5))
    assert pks(s.gop_offer_share_population(manager, filters, DENOMINATOR, "")) == {
        in_time.pk,
        late.pk,
        never.pk,
        medical.pk,
    }
    assert pks(s.gop_offer_share_population(manager, filters, NUMERATOR, "")) == {
        in_time.pk,
        medical.pk,
    }
    assert pks(s.gop_offer_share_population(manager, filters, DENOMINATOR, "area=medical")) == {
        medical.pk
    }


def test_gop_offer_share_empty_period_has_no_value(manager):
    result = s.kpi_gop_offer_share(manager, month(*JUNE))
    assert (result.value, result.previous, result.numerator, result.denominator) == (
        None,
        None,
        0,
        0,
    )
    assert len(result.series) == 12
    assert all(p.value is None for p in result.series)
    assert all(row.value is None for row in result.tables[0].rows)


def test_gop_offer_share_only_pending_is_no_value(manager, org_a):
    gop(org_a.municipality, date(2026, 7, 14))  # deadline 21 July, today 15 July
    result = s.kpi_gop_offer_share(manager, month(2026, 7))
    assert (result.value, result.denominator, result.pending) == (None, 0, 1)


# --- days to first offer --------------------------------------------------------------------------


def test_median_days_to_first_offer(manager, org_a):
    m = org_a.municipality
    for days in (2, 4, 9):
        r = gop(m, date(2026, 6, 1))
        offer(r, at(date(2026, 6, 1 + days), 23, 30))  # late evening still counts as that day
    gop(m, date(2026, 6, 3))  # not offered: not in the median
    r = gop(m, date(2026, 5, 10))
    offer(r, at(date(2026, 5, 11), 8))
    r = gop(m, date(2026, 5, 10))
    offer(r, at(date(2026, 5, 14), 8))

    result = s.kpi_gop_median_days(manager, month(*JUNE))

    assert result.value == 4.0
    assert result.denominator == 3
    assert result.previous == 2.5  # even number: the average of 1 and 4
    assert result.series[-1].value == 4.0
    assert table(result)["area=orthopaedic"].value == 4.0
    assert table(result)["area=medical"].value is None
    assert len(pks(s.gop_median_days_population(manager, month(*JUNE), DENOMINATOR, ""))) == 3


def test_median_days_empty(manager):
    result = s.kpi_gop_median_days(manager, month(*JUNE))
    assert (result.value, result.previous, result.denominator) == (None, None, 0)


# --- volume ---------------------------------------------------------------------------------------


def test_volume_against_last_year_and_the_growth_target(manager, org_a, org_b):
    m = org_a.municipality
    this = [pathway(m, created=day(2026, 6, d)) for d in (1, 15)]
    this.append(pathway(m, created=day(2026, 6, 30, 23), type_code="chronic"))
    this.append(pathway(m, created=day(2026, 6, 20), status=S.CANCELLED, ended=day(2026, 6, 21)))
    pathway(m, created=day(2026, 7, 1, 0))  # July: not June
    for d in (3, 4):
        pathway(m, created=day(2025, 6, d))
    pathway(m, created=day(2026, 5, 31, 23))  # previous month (Copenhagen time)
    pathway(org_b.municipality, created=day(2026, 6, 10))

    result = s.kpi_pathway_volume(manager, month(*JUNE))

    assert result.value == 4  # cancelled ones count: they were pathways
    assert result.reference == 2
    assert result.target == 2  # round(2 × 1.05)
    assert result.previous == 1
    assert result.series[-1].value == 4 and result.series[-1].reference == 2
    by_type = {row.key: row for row in result.tables[0].rows}
    assert by_type["type=gop"].value == 3 and by_type["type=gop"].extra[0] == 2
    assert by_type["type=chronic"].value == 1 and by_type["type=chronic"].extra == (0, None)
    assert pks(s.pathway_volume_population(manager, month(*JUNE), DENOMINATOR, "")) == {
        p.pk for p in this
    }

    KpiSettings.objects.create(municipality=m, volume_growth_percent=50)
    assert s.kpi_pathway_volume(manager, month(*JUNE)).target == 3


def test_volume_without_last_year_has_no_target(manager, org_a):
    pathway(org_a.municipality, created=day(2026, 6, 2))
    result = s.kpi_pathway_volume(manager, month(*JUNE))
    assert (result.value, result.reference, result.target) == (1, 0, None)


# --- completion and dropout -----------------------------------------------------------------------


def _ended(m, when, status, **kw):
    reason = "no_need_citizen" if status == S.DROPPED_OUT else ""
    return pathway(m, created=day(2025, 1, 5), status=status, ended=when, reason=reason, **kw)


def test_completion_and_dropout_rates(manager, org_a):
    m = org_a.municipality
    done = [_ended(m, day(2026, 6, d), S.COMPLETED) for d in (2, 10, 30)]
    dropped = _ended(m, day(2026, 6, 5), S.DROPPED_OUT)
    _ended(m, day(2026, 6, 6), S.CANCELLED)  # neither
    pathway(m, created=day(2026, 6, 1))  # open: neither
    _ended(m, day(2026, 7, 1, 0), S.COMPLETED)  # July
    _ended(m, day(2025, 3, 1), S.COMPLETED)  # baseline 2025: 1 of 2
    _ended(m, day(2025, 4, 1), S.DROPPED_OUT)

    completion = s.kpi_completion_rate(manager, month(*JUNE))
    dropout = s.kpi_dropout_rate(manager, month(*JUNE))

    assert (completion.numerator, completion.denominator, completion.value) == (3, 4, 0.75)
    assert completion.reference == 0.5  # baseline: the year before
    assert completion.target == pytest.approx(0.55)  # + 10 % relative
    assert (dropout.numerator, dropout.denominator, dropout.value) == (1, 4, 0.25)
    assert dropout.target is None
    [reason] = dropout.tables[0].rows
    assert (reason.key, reason.numerator, reason.value) == ("reason=no_need_citizen", 1, 1.0)
    filters = month(*JUNE)
    assert pks(s.completion_population(manager, filters, NUMERATOR, "")) == {p.pk for p in done}
    assert pks(s.dropout_population(manager, filters, NUMERATOR, "")) == {dropped.pk}
    assert len(pks(s.completion_population(manager, filters, DENOMINATOR, ""))) == 4
    assert pks(s.dropout_population(manager, filters, DENOMINATOR, "reason=no_need_citizen")) == {
        dropped.pk
    }


def test_completion_baseline_and_uplift_are_configurable(manager, org_a):
    m = org_a.municipality
    _ended(m, day(2026, 6, 2), S.COMPLETED)
    _ended(m, day(2024, 6, 2), S.COMPLETED)
    for d in (3, 4, 5):
        _ended(m, day(2024, 6, d), S.DROPPED_OUT)
    KpiSettings.objects.create(
        municipality=m, completion_baseline_year=2024, completion_uplift_percent=20
    )
    result = s.kpi_completion_rate(manager, month(*JUNE))
    assert result.reference == 0.25
    assert result.target == pytest.approx(0.30)
    assert "2024" in result.reference_label


def test_completion_target_is_at_most_100_percent(manager, org_a):
    _ended(org_a.municipality, day(2025, 2, 2), S.COMPLETED)
    assert s.kpi_completion_rate(manager, month(*JUNE)).target == 1.0


def test_completion_by_type_and_programme(manager, org_a):
    m = org_a.municipality
    _ended(m, day(2026, 6, 2), S.COMPLETED, type_code="chronic", disease="copd")
    _ended(m, day(2026, 6, 3), S.DROPPED_OUT, type_code="chronic", disease="diabetes")
    _ended(m, day(2026, 6, 4), S.COMPLETED)
    result = s.kpi_completion_rate(manager, month(*JUNE))
    by_type = {r.key: r for r in result.tables[0].rows}
    assert by_type["type=chronic"].value == 0.5 and by_type["type=gop"].value == 1.0
    by_programme = {r.key: r for r in result.tables[1].rows}
    assert by_programme["programme=copd"].value == 1.0
    assert by_programme["programme=diabetes"].value == 0.0
    assert by_programme["programme=diabetes"].extra == (1,)


def test_completion_and_dropout_empty_period(manager, org_a):
    _ended(org_a.municipality, day(2026, 6, 6), S.CANCELLED)  # only cancelled: 0 / 0
    for result in (
        s.kpi_completion_rate(manager, month(*JUNE)),
        s.kpi_dropout_rate(manager, month(*JUNE)),
    ):
        assert (result.value, result.denominator, result.target) == (None, 0, None)
        assert all(p.value is None for p in result.series)


# --- health literacy ------------------------------------------------------------------------------


def test_completion_by_health_literacy(manager, org_a):
    m = org_a.municipality
    _ended(m, day(2026, 6, 2), S.COMPLETED, literacy="low")
    low_dropped = _ended(m, day(2026, 6, 3), S.DROPPED_OUT, literacy="low")
    _ended(m, day(2026, 6, 4), S.COMPLETED, literacy="high")
    _ended(m, day(2026, 6, 5), S.COMPLETED, literacy="high")
    _ended(m, day(2026, 6, 6), S.DROPPED_OUT)  # not assessed

    result = s.kpi_completion_low_literacy(manager, month(*JUNE))

    assert (result.numerator, result.denominator, result.value) == (1, 2, 0.5)
    assert result.reference == 1.0
    levels = {r.key: r for r in result.tables[0].rows}
    assert levels["literacy=medium"].value is None  # nobody: no division by zero
    assert levels["literacy=-"].value == 0.0
    filters = month(*JUNE)
    assert low_dropped.pk in pks(s.low_literacy_population(manager, filters, DENOMINATOR, ""))
    assert len(pks(s.low_literacy_population(manager, filters, DENOMINATOR, ""))) == 2
    assert len(pks(s.low_literacy_population(manager, filters, NUMERATOR, "literacy=high"))) == 2


def test_literacy_empty(manager):
    result = s.kpi_completion_low_literacy(manager, month(*JUNE))
    assert (result.value, result.reference) == (None, None)


# --- caseload -------------------------------------------------------------------------------------


def test_caseload_counts_open_pathways_per_responsible_at_the_end_of_the_period(
    manager, org_a, frozen
):
    m = org_a.municipality
    a = TherapistFactory(municipality=m, first_name="Anna")
    b = TherapistFactory(municipality=m, first_name="Bo")
    for d in (1, 2, 3):
        pathway(m, created=day(2026, 4, d), responsible=a)
    pathway(m, created=day(2026, 4, 20), responsible=b)
    pathway(m, created=day(2026, 4, 21), responsible=b, status=S.COMPLETED, ended=day(2026, 5, 1))
    # Still open at the end of April (ended later): counts for April.
    late = pathway(
        m, created=day(2026, 4, 22), responsible=b, status=S.COMPLETED, ended=day(2026, 5, 15)
    )
    pathway(m, created=day(2026, 4, 10))  # nobody responsible: not counted
    pathway(m, created=day(2026, 5, 2), responsible=a)  # after April

    april = s.kpi_staff_caseload(manager, month(2026, 4, today=date(2026, 5, 31)))
    assert (april.numerator, april.denominator) == (6, 2)
    assert april.value == 3.0
    per_staff = {r.key: r.value for r in april.tables[0].rows}
    assert per_staff == {f"staff={a.pk}": 3, f"staff={b.pk}": 3}
    may = s.kpi_staff_caseload(manager, month(2026, 5, today=date(2026, 5, 31)))
    assert (may.numerator, may.denominator) == (5, 2)  # 3 + 1 of a, 1 of b
    assert may.previous == 3.0
    assert late.pk in pks(
        s.caseload_population(manager, month(2026, 4), DENOMINATOR, f"staff={b.pk}")
    )
    assert len(pks(s.caseload_population(manager, month(2026, 4), DENOMINATOR, ""))) == 6


def test_caseload_without_open_pathways_has_no_value(manager, frozen):
    result = s.kpi_staff_caseload(manager, month(2026, 4))
    assert (result.value, result.numerator, result.denominator) == (None, 0, 0)


# --- scope ----------------------------------------------------------------------------------------


def test_every_kpi_is_scoped_to_the_actors_municipality(manager, outsider, org_a, frozen):
    m = org_a.municipality
    r = gop(m, date(2026, 3, 2))
    offer(r, at(date(2026, 3, 3), 9))
    _ended(m, day(2026, 3, 10), S.COMPLETED, literacy="low")
    pathway(m, created=day(2026, 3, 1), responsible=TherapistFactory(municipality=m))
    filters = year(2026, today=date(2026, 5, 1))
    from forlob.monitoring.kpis import registered

    for kpi in registered():
        if kpi.app_label != "monitoring":
            continue  # other apps' KPIs are tested with their own data (e.g. questionnaires)
        mine, theirs = kpi.compute(manager, filters), kpi.compute(outsider, filters)
        assert mine.value is not None, kpi.code
        assert theirs.value in (None, 0), kpi.code
        if kpi.population is not None:
            assert not kpi.population(outsider, filters, DENOMINATOR, "").exists(), kpi.code


def test_period_of_a_kpi_is_the_filter_period(manager, org_a):
    m = org_a.municipality
    pathway(m, created=day(2026, 2, 1))
    pathway(m, created=day(2026, 5, 1))
    assert s.kpi_pathway_volume(manager, year(2026)).value == 2
    q1 = s.kpi_pathway_volume(manager, month(2026, 2).with_period(Period.quarter(2026, 1)))
    assert q1.value == 1
