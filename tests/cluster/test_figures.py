"""Each figure's definition on hand-built events: what counts, empty months, division by zero."""

from __future__ import annotations

from datetime import date

import pytest

from forlob.cluster import selectors as s
from forlob.cluster.models import ActivityCode, PopulationFigure, Sector
from tests.cluster.helpers import ADMIT, DISCHARGE, event, stay

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
YEAR_END = date(2027, 1, 1)
TODAY = date(2026, 6, 1)


@pytest.fixture
def m(org_a):
    return org_a.municipality


def test_discharges_count_inpatient_discharges_by_month(m, org_b):
    event(m, date(2026, 1, 5), DISCHARGE)
    event(m, date(2026, 1, 31), DISCHARGE, sector=Sector.PSYCHIATRIC)
    event(m, date(2026, 2, 1), DISCHARGE)
    event(m, date(2026, 1, 7), ActivityCode.DISCHARGE_EMERGENCY_HOME)  # acute ambulatory: no
    event(m, date(2026, 1, 7), ADMIT)  # an admission: no
    event(org_b.municipality, date(2026, 1, 7), DISCHARGE)  # another municipality: no
    assert s.discharges(municipality_id=m.pk, start=JAN, end=YEAR_END) == {JAN: 2, FEB: 1}
    assert s.discharges(
        municipality_id=m.pk, start=JAN, end=YEAR_END, sector=Sector.PSYCHIATRIC
    ) == {JAN: 1}
    assert s.discharges(municipality_id=m.pk, start=FEB, end=MAR) == {FEB: 1}


def test_an_empty_municipality_has_no_months_and_no_data(m):
    assert s.discharges(municipality_id=m.pk, start=JAN, end=YEAR_END) == {}
    assert s.readmissions_30d(municipality_id=m.pk, start=JAN, end=YEAR_END, today=TODAY) == {}
    assert s.months_with_data(municipality_id=m.pk, start=JAN, end=YEAR_END) == set()


def test_preventable_admissions_need_65_plus_and_a_preventable_stay(m):
    event(m, date(2026, 1, 3), ADMIT, age=70, diagnosis="DJ189")  # pneumonia: yes
    event(m, date(2026, 1, 4), ADMIT, age=64, diagnosis="DJ189")  # too young
    event(m, date(2026, 1, 5), ADMIT, age=90, diagnosis="DI219")  # heart attack: not on list
    event(m, date(2026, 1, 6), ADMIT, age=65, diagnosis="J18.9")  # ICD-10 without D: yes
    # The admission has no diagnosis, the discharge of the same stay has: counts (in January).
    stay(m, date(2026, 1, 30), date(2026, 2, 3), age=80, diagnosis="")
    a, _d = stay(m, date(2026, 1, 20), date(2026, 1, 25), age=80)
    event(m, date(2026, 1, 25), DISCHARGE, encounter=a.encounter_identifier, diagnosis="DE86")
    event(m, date(2026, 1, 7), DISCHARGE, age=80, diagnosis="DN390")  # a discharge: not counted
    assert s.preventable_admissions_65(municipality_id=m.pk, start=JAN, end=YEAR_END) == {JAN: 3}


def test_rate_per_1000_and_division_by_zero(m):
    assert s.per_1000(5, 10_000) == 0.5
    assert s.per_1000(5, 0) is None
    assert s.per_1000(0, None) is None
    assert s.population_65(municipality_id=m.pk, year=2026) is None
    PopulationFigure.objects.create(municipality=m, year=2026, population_65_plus=20_000)
    assert s.population_65(municipality_id=m.pk, year=2026) == 20_000
    assert s.population_65(municipality_id=m.pk, year=2025) is None


def test_readmission_is_an_admission_on_day_1_to_30_after_a_discharge(m, org_b):
    # p1: discharged 10 Jan, admitted again 9 Feb (day 30): readmitted.
    event(m, date(2026, 1, 10), DISCHARGE, person="p1")
    event(m, date(2026, 2, 9), ADMIT, person="p1")
    # p2: discharged 10 Jan, admitted 10 Feb (day 31): not.
    event(m, date(2026, 1, 10), DISCHARGE, person="p2")
    event(m, date(2026, 2, 10), ADMIT, person="p2")
    # p3: admitted again the same day (a transfer): not.
    event(m, date(2026, 1, 12), DISCHARGE, person="p3")
    event(m, date(2026, 1, 12), ADMIT, person="p3")
    # p4: readmitted in another municipality (moved): still a readmission.
    event(m, date(2026, 1, 20), DISCHARGE, person="p4")
    event(org_b.municipality, date(2026, 1, 21), ADMIT, person="p4")
    # p5: discharged in February, readmitted the next day.
    event(m, date(2026, 2, 27), DISCHARGE, person="p5")
    event(m, date(2026, 2, 28), ADMIT, person="p5")
    # Another person's admission does not make a readmission.
    event(m, date(2026, 1, 11), ADMIT, person="someone else")
    result = s.readmissions_30d(municipality_id=m.pk, start=JAN, end=YEAR_END, today=TODAY)
    assert (result[JAN].numerator, result[JAN].denominator) == (2, 4)
    assert result[JAN].percent == 50.0
    assert (result[FEB].numerator, result[FEB].denominator) == (1, 1)


def test_readmission_within_the_sector(m):
    event(m, date(2026, 1, 10), DISCHARGE, person="p1", sector=Sector.PSYCHIATRIC)
    event(m, date(2026, 1, 15), ADMIT, person="p1", sector=Sector.SOMATIC)
    psych = s.readmissions_30d(
        municipality_id=m.pk, start=JAN, end=YEAR_END, today=TODAY, sector=Sector.PSYCHIATRIC
    )
    assert (psych[JAN].numerator, psych[JAN].denominator) == (0, 1)
    both = s.readmissions_30d(municipality_id=m.pk, start=JAN, end=YEAR_END, today=TODAY)
    assert both[JAN].numerator == 1


def test_recent_months_are_preliminary(m):
    """April's last discharge day is 30 April: its 30 days end on 30 May."""
    event(m, date(2026, 5, 3), DISCHARGE)
    event(m, date(2026, 4, 3), DISCHARGE)

    def complete(today: date) -> dict[date, bool]:
        result = s.readmissions_30d(municipality_id=m.pk, start=JAN, end=YEAR_END, today=today)
        return {month: r.complete for month, r in result.items()}

    april, may = date(2026, 4, 1), date(2026, 5, 1)
    assert complete(date(2026, 5, 30)) == {april: False, may: False}
    assert complete(date(2026, 5, 31)) == {april: True, may: False}
    assert complete(date(2026, 7, 1)) == {april: True, may: True}


def test_share_of_nothing_is_none_not_zero():
    share = s.Share(0, 0)
    assert share.value is None and share.percent is None
    assert s.Share(1, 3).percent == 33.3


def test_follow_up_counts_and_screening_rate(m):
    for day, screened, consent, agreed, done in (
        (date(2026, 1, 5), True, True, date(2026, 1, 8), date(2026, 1, 12)),
        (date(2026, 1, 6), True, False, None, None),
        (date(2026, 1, 7), False, None, None, None),
        (date(2026, 1, 8), None, None, None, None),
    ):
        e = event(m, day, DISCHARGE, age=82)
        e.follow_up.screened = screened
        e.follow_up.consent = consent
        e.follow_up.visit_agreed_on = agreed
        e.follow_up.visit_done_on = done
        e.follow_up.save()
    event(m, date(2026, 1, 9), DISCHARGE, age=77)  # under 78: no follow-up row
    counts = s.follow_up_counts(municipality_id=m.pk, start=JAN, end=YEAR_END)[JAN]
    assert counts == s.FollowUpCounts(discharged=4, screened=2, consented=1, agreed=1, done=1)
    assert counts.screening.percent == 50.0
    assert s.FollowUpCounts().screening.value is None


def test_the_overview_has_every_month_and_a_year_total(m):
    PopulationFigure.objects.create(municipality=m, year=2026, population_65_plus=10_000)
    event(m, date(2026, 1, 3), ADMIT, age=70, diagnosis="DJ189", person="a")
    event(m, date(2026, 1, 10), DISCHARGE, person="a")
    event(m, date(2026, 1, 20), ADMIT, person="a")
    event(m, date(2026, 3, 3), ADMIT, age=70, diagnosis="DN390", person="b")
    overview = s.municipality_overview(municipality=m, year=2026, today=TODAY)
    assert [r.label for r in overview.months] == s.months_of_year(2026)
    jan, feb, mar = overview.months[:3]
    assert (jan.has_data, feb.has_data, mar.has_data) == (True, False, True)
    assert (feb.discharges, feb.preventable_65, feb.readmissions.value) == (0, 0, None)
    assert jan.preventable_per_1000 == pytest.approx(0.1)
    assert jan.readmissions.percent == 100.0
    total = overview.total
    assert (total.discharges, total.preventable_65, total.admissions) == (1, 2, 3)
    assert total.preventable_per_1000 == pytest.approx(0.2)
    assert total.readmissions.complete is False  # December's 30 days lie ahead


def test_cluster_overview_lists_every_municipality_with_data(m, org_b):
    event(org_b.municipality, date(2026, 1, 3), DISCHARGE)
    names = [o.municipality.name for o in s.cluster_overview(year=2026, today=TODAY, include=m.pk)]
    assert names == sorted([m.name, org_b.municipality.name])
