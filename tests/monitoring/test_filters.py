"""Periods and filters: previous period, same period last year, the trend's months, the filter
form (bad input, another municipality's teams) and each filter's effect on a figure."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from forlob.core.choices import DiagnosisArea
from forlob.core.models import Provider
from forlob.monitoring import selectors as s
from forlob.monitoring.filters import (
    PROVIDER_OWN,
    Filters,
    Period,
    PeriodKind,
    add_months,
    series_months,
)
from forlob.monitoring.forms import MESSAGE_CUSTOM_NEEDS_DATES, MESSAGE_END_BEFORE_START, FilterForm
from tests.factories import AppointmentFactory, LocationFactory, TeamFactory, UnitFactory
from tests.helpers import at, tr
from tests.monitoring.support import day, gop, month, offer, pathway

# --- periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "previous", "last_year"),
    [
        (Period.month(2026, 1), Period.month(2025, 12), Period.month(2025, 1)),
        (Period.month(2026, 3), Period.month(2026, 2), Period.month(2025, 3)),
        (Period.quarter(2026, 1), Period.quarter(2025, 4), Period.quarter(2025, 1)),
        (Period.quarter(2026, 3), Period.quarter(2026, 2), Period.quarter(2025, 3)),
        (Period.year(2026), Period.year(2025), Period.year(2025)),
    ],
)
def test_previous_and_last_year(period, previous, last_year):
    assert period.previous() == previous
    assert period.last_year() == last_year


def test_custom_period():
    p = Period.custom(date(2026, 3, 10), date(2026, 3, 19))  # ten days, both included
    assert (p.start, p.end, p.days) == (date(2026, 3, 10), date(2026, 3, 20), 10)
    assert p.previous() == Period(PeriodKind.CUSTOM, date(2026, 2, 28), date(2026, 3, 10))
    leap = Period.custom(date(2028, 2, 29), date(2028, 3, 1))
    assert leap.last_year().start == date(2027, 2, 28)


def test_bounds_are_half_open():
    june = Period.month(2026, 6)
    assert june.contains(date(2026, 6, 30)) and not june.contains(date(2026, 7, 1))
    assert june.contains(date(2026, 6, 1)) and not june.contains(date(2026, 5, 31))


@pytest.mark.parametrize(
    ("period", "today", "first", "last"),
    [
        (Period.year(2026), date(2026, 7, 15), date(2025, 8, 1), date(2026, 7, 1)),  # not future
        (Period.year(2025), date(2026, 7, 15), date(2025, 1, 1), date(2025, 12, 1)),
        (Period.month(2026, 3), date(2026, 7, 15), date(2025, 4, 1), date(2026, 3, 1)),
        (Period.quarter(2026, 1), date(2026, 7, 15), date(2025, 4, 1), date(2026, 3, 1)),
    ],
)
def test_series_months_are_twelve_up_to_the_period_end(period, today, first, last):
    months = series_months(period, today)
    assert len(months) == 12
    assert (months[0].start, months[-1].start) == (first, last)
    assert all(add_months(a.start, 1) == b.start for a, b in itertools.pairwise(months))


def test_params_round_trip_through_the_form(db, org_a):
    f = Filters(
        period=Period.quarter(2026, 2),
        today=date(2026, 7, 1),
        team_id=org_a.team.pk,
        diagnosis_area="medical",
        pathway_type="gop",
        provider=PROVIDER_OWN,
    )
    form = FilterForm(f.params(), municipality_id=org_a.municipality.pk)
    assert form.is_valid(), form.errors
    assert form.filters(date(2026, 7, 1)) == f
    assert "cpr" not in f.query() and "name" not in f.query()


# --- the form -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_form_defaults_to_this_year(org_a):
    f = FilterForm(None, municipality_id=org_a.municipality.pk).filters(date(2026, 7, 1))
    assert f.period == Period.year(2026)


@pytest.mark.django_db
def test_custom_period_needs_both_dates_in_order(org_a):
    form = FilterForm(
        {"period": "custom", "start": "2026-03-10"}, municipality_id=org_a.municipality.pk
    )
    assert not form.is_valid()
    assert tr(MESSAGE_CUSTOM_NEEDS_DATES) in str(form.errors)
    form = FilterForm(
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
        municipality_id=org_a.municipality.pk,
    )
    assert not form.is_valid()
    assert tr(MESSAGE_END_BEFORE_START) in str(form.errors["end"])
    # An invalid form falls back to the defaults rather than guessing.
    assert form.filters(date(2026, 7, 1)).period == Period.year(2026)


@pytest.mark.django_db
def test_form_refuses_another_municipalitys_team_and_nonsense(org_a, org_b):
    mid = org_a.municipality.pk
    assert not FilterForm({"team": org_b.team.pk}, municipality_id=mid).is_valid()
    assert not FilterForm({"location": org_b.location.pk}, municipality_id=mid).is_valid()
    assert not FilterForm({"year": "99999"}, municipality_id=mid).is_valid()
    assert not FilterForm({"month": "13", "period": "month"}, municipality_id=mid).is_valid()
    assert not FilterForm({"provider": "abc"}, municipality_id=mid).is_valid()
    assert FilterForm({"team": org_a.team.pk}, municipality_id=mid).is_valid()


@pytest.mark.django_db
def test_month_and_quarter_default_to_today(org_a):
    form = FilterForm({"period": "quarter", "year": "2025"}, municipality_id=org_a.municipality.pk)
    assert form.is_valid()
    assert form.filters(date(2026, 8, 1)).period == Period.quarter(2025, 3)


# --- each filter narrows the figure ---------------------------------------------------------------


@pytest.mark.django_db
def test_filters_narrow_every_population(manager, org_a, therapist):
    m = org_a.municipality
    other_unit = UnitFactory(municipality=m)
    other_team = TeamFactory(unit=other_unit)
    other_location = LocationFactory(municipality=m)
    private = Provider.objects.create(municipality=m, name="Privat Træning", kind="private")

    ours = pathway(m, created=day(2026, 6, 2), team=org_a.team)
    AppointmentFactory(
        pathway=ours, staff=therapist, location=org_a.location, start=at(date(2026, 6, 3), 9)
    )
    theirs = pathway(
        m, created=day(2026, 6, 3), team=other_team, type_code="chronic", provider=private
    )
    AppointmentFactory(
        pathway=theirs, staff=therapist, location=other_location, start=at(date(2026, 6, 4), 9)
    )
    medical = pathway(
        m, created=day(2026, 6, 4), team=org_a.team, referral__diagnosis_area="medical"
    )

    def volume(**kw) -> int:
        return s.kpi_pathway_volume(manager, month(2026, 6, **kw)).value

    assert volume() == 3
    assert volume(team_id=org_a.team.pk) == 2
    assert volume(unit_id=other_unit.pk) == 1
    assert volume(location_id=org_a.location.pk) == 1
    assert volume(location_id=other_location.pk) == 1
    assert volume(diagnosis_area=DiagnosisArea.MEDICAL) == 1
    assert volume(pathway_type="chronic") == 1
    assert volume(provider=PROVIDER_OWN) == 2
    assert volume(provider=str(private.pk)) == 1
    assert volume(team_id=other_team.pk, pathway_type="gop") == 0
    assert medical.pk  # (used above through the area filter)


@pytest.mark.django_db
def test_referral_filters_for_the_7_day_rule(manager, org_a, therapist):
    m = org_a.municipality
    other_team = TeamFactory(unit=org_a.unit)
    with_pathway = gop(m, date(2026, 6, 2))
    p = offer(with_pathway, at(date(2026, 6, 3), 9), team=org_a.team)
    AppointmentFactory(
        pathway=p, staff=therapist, location=org_a.location, start=at(date(2026, 6, 3), 9)
    )
    gop(m, date(2026, 6, 2), team=other_team)  # no pathway yet: counted by the referral's team

    def decided(**kw) -> int:
        return s.kpi_gop_offer_share(manager, month(2026, 6, **kw)).denominator

    assert decided() == 2
    assert decided(team_id=org_a.team.pk) == 1
    assert decided(team_id=other_team.pk) == 1
    assert decided(unit_id=org_a.unit.pk) == 2
    assert decided(location_id=org_a.location.pk) == 1
    assert decided(provider=PROVIDER_OWN) == 2
    assert decided(diagnosis_area="neurological") == 0


@pytest.mark.django_db
def test_a_custom_period_counts_exactly_its_days(manager, org_a):
    """Not month-aligned: the figure's query cuts at the given days, not at months."""
    m = org_a.municipality
    for d in (9, 10, 19, 20):
        r = gop(m, date(2026, 3, d))
        offer(r, at(date(2026, 3, d), 12))
        pathway(m, created=day(2026, 3, d, 0))  # just after midnight, Copenhagen time
    pathway(m, created=day(2026, 3, 9, 23))
    custom = Filters(
        period=Period.custom(date(2026, 3, 10), date(2026, 3, 19)), today=date(2026, 7, 1)
    )
    assert s.kpi_gop_offer_share(manager, custom).denominator == 2
    assert s.kpi_gop_offer_share(manager, custom).previous == 1.0  # 28 Feb – 9 Mar: the 9th
    volume = s.kpi_pathway_volume(manager, custom)
    assert (volume.value, volume.previous) == (2, 2)
