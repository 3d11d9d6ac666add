"""Demo cluster data: a year of hospital events for Randers and its three neighbours.

The Randers cluster (Randersklyngen, seeds/002–003): Randers, Favrskov, Norddjurs and Syddjurs
with Regionshospitalet Randers. For each municipality (made if missing, with its real code) this
writes the population 65+ for this year and last (rounded, in the order of Danmarks Statistik's
FOLK1A figures) and one year of inpatient stays ending ``b.today``:

* monthly volumes in proportion to the municipality's size (Randers about 420 stays a month at
  scale 1), quieter in July and around Christmas, about 8 % psychiatric;
* ages skewed old (about 30 % aged 78+), about 12 % of the admissions with a diagnosis on the
  preventable list (mostly among the 65+);
* readmissions: after a discharge, the same person is admitted again within 30 days with a
  probability of about 12 % (18 % for 78+); a few people per quarter with 4+ admissions, so
  the audit list has candidates;
* in Randers about a fifth of the people are the demo's own citizens (linked as the import
  would link them), so the follow-up list names some;
* follow-up home visits for every discharge of a person aged 78+: about 45 % screened (the
  figure of 2013), about 60 % of those consent, most consented visits agreed and done.

Written with ``bulk_create`` like the rest of the generator, without audit rows; the person key
is made from a synthetic CPR number that is then forgotten, exactly as an import does.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from forlob.citizens.age import age_on
from forlob.citizens.models import Citizen
from forlob.cluster.diagnoses import classify
from forlob.cluster.models import (
    ActivityCode,
    FollowUpVisit,
    HospitalEvent,
    ImportBatch,
    PopulationFigure,
    PreventableDiagnosisGroup,
    Sector,
)
from forlob.cluster.pseudonym import person_key
from forlob.core.models import Municipality

# code, name, inpatient stays a month at scale 1 (at the cluster's hospitals), citizens 65+
CLUSTER = (
    ("730", "Randers Kommune", 420, 20_600),
    ("710", "Favrskov Kommune", 200, 9_700),
    ("707", "Norddjurs Kommune", 170, 9_900),
    ("706", "Syddjurs Kommune", 180, 11_000),
)
SEASON = {7: 0.85, 12: 0.9}
PSYCHIATRIC = 0.08
PREVENTABLE = {"65+": 0.22, "under": 0.04}
READMIT = {"78+": 0.13, "other": 0.09}
SCREENED, CONSENT, AGREED, DONE = 0.45, 0.6, 0.85, 0.85
LINK_CITIZEN = 0.2
FREQUENT_PER_QUARTER = 8  # people with 4+ admissions in a quarter, per municipality (scale 1)

PREVENTABLE_CODES = ("DE86", "DK590", "DJ189", "DJ159", "DJ22", "DN390", "DN300", "DA099",
                     "DS720", "DS525", "DE440", "DD509", "DL899")  # fmt: skip
OTHER_CODES = ("DI219", "DI639", "DI500", "DJ441", "DC349", "DK359", "DR074", "DZ038",
               "DS060", "DI489", "DK800", "DM169")  # fmt: skip
PSYCHIATRIC_CODES = ("DF329", "DF209", "DF431", "DF100", "DF603")


def _age(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.45:
        return rng.randint(18, 64)
    if band < 0.70:
        return rng.randint(65, 77)
    return min(101, 78 + int(rng.expovariate(1 / 7)))


def _fake_cpr(rng: random.Random, born: date, male: bool, used: set[str]) -> str:
    firsts = (4, 9) if born.year >= 2000 else (0, 1, 2, 3)
    while True:
        last = rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
        digits = f"{born:%d%m%y}{rng.choice(firsts)}{rng.randrange(100):02d}{last}"
        if digits not in used:
            used.add(digits)
            return digits


class _Person:
    __slots__ = ("born", "citizen_id", "key", "male")

    def __init__(self, key: str, born: date, male: bool, citizen_id: int | None) -> None:
        self.key, self.born, self.male, self.citizen_id = key, born, male, citizen_id

    def age(self, on: date) -> int:
        return age_on(self.born, on)


def extend(b: Any) -> dict[str, int]:
    rng = random.Random(b.rng.getrandbits(64))
    today: date = b.today
    first = today - timedelta(days=364)
    groups = list(PreventableDiagnosisGroup.objects.filter(is_active=True))
    group_of = {
        code: classify(code, "", groups)
        for code in (*PREVENTABLE_CODES, *OTHER_CODES, *PSYCHIATRIC_CODES)
    }
    used = set(Citizen.objects.values_list("cpr", flat=True))
    batch = ImportBatch.objects.create(source=ImportBatch.Source.CSV, filename="demo")
    by_age: dict[int, list[Citizen]] = {}
    for c in getattr(b, "citizens", []):
        if c.pk is not None:
            by_age.setdefault(age_on(c.birth_date, today), []).append(c)
    events: list[HospitalEvent] = []
    counter = 0

    for code, name, per_month, population in CLUSTER:
        municipality, _ = Municipality.objects.get_or_create(code=code, defaults={"name": name})
        for year in {first.year, today.year}:
            PopulationFigure.objects.update_or_create(
                municipality=municipality,
                year=year,
                defaults={
                    "population_65_plus": population + (year - today.year) * population // 60,
                    "source": "Demo (afrundet, jf. Danmarks Statistik FOLK1A)",
                },
            )
        home = municipality.pk == getattr(b.municipality, "pk", None)

        def person(age: int, *, home: bool = home) -> _Person:
            """One of the demo's own citizens of about that age (Randers, a fifth), or new."""
            if home and rng.random() < LINK_CITIZEN:
                candidates = [c for a in range(age - 2, age + 3) for c in by_age.get(a, [])]
                if candidates:
                    c = rng.choice(candidates)
                    return _Person(person_key(c.cpr), c.birth_date, c.sex == Citizen.Sex.MALE, c.pk)
            born = today - timedelta(days=int((age + rng.random()) * 365.25))
            male = rng.random() < 0.5
            return _Person(person_key(_fake_cpr(rng, born, male, used)), born, male, None)

        def add_stay(
            p: _Person, admitted: date, *, municipality: Municipality = municipality
        ) -> date | None:
            nonlocal counter
            counter += 1
            age = p.age(admitted)
            psych = rng.random() < PSYCHIATRIC
            if psych:
                diagnosis = rng.choice(PSYCHIATRIC_CODES)
            elif rng.random() < PREVENTABLE["65+" if age >= 65 else "under"]:
                diagnosis = rng.choice(PREVENTABLE_CODES)
            else:
                diagnosis = rng.choice(OTHER_CODES)
            group = group_of[diagnosis]
            length = max(1, int(rng.expovariate(1 / (12 if psych else 4))))
            discharged = admitted + timedelta(days=length)
            stay = f"DEMO-{municipality.code}-{counter:06d}"
            common = {
                "encounter_identifier": stay,
                "municipality": municipality,
                "citizen_id": p.citizen_id,
                "person_key": p.key,
                "sex": Citizen.Sex.MALE if p.male else Citizen.Sex.FEMALE,
                "sector": Sector.PSYCHIATRIC if psych else Sector.SOMATIC,
                "diagnosis_code": diagnosis,
                "preventable_group": group,
                "source": ImportBatch.Source.CSV,
                "batch": batch,
            }
            events.append(
                HospitalEvent(
                    identifier=f"{stay}-A",
                    activity_code=ActivityCode.ADMIT_INPATIENT,
                    event_date=admitted,
                    age=age,
                    **common,
                )
            )
            if discharged > today:
                return None  # still admitted
            events.append(
                HospitalEvent(
                    identifier=f"{stay}-U",
                    activity_code=ActivityCode.DISCHARGE_INPATIENT_HOME,
                    event_date=discharged,
                    age=p.age(discharged),
                    **common,
                )
            )
            return discharged

        day = first
        while day <= today:
            month_factor = SEASON.get(day.month, 1.0)
            if day.month == 12 and day.day < 20:
                month_factor = 1.0
            daily = per_month * 12 / 365 * b.scale * month_factor
            for _ in range(_poisson(rng, daily)):
                p = person(_age(rng))
                when: date | None = day
                while when is not None:
                    discharged = add_stay(p, when)
                    if discharged is None:
                        break
                    chance = READMIT["78+" if p.age(discharged) >= 78 else "other"]
                    when = (
                        discharged + timedelta(days=rng.randint(1, 30))
                        if rng.random() < chance
                        else None
                    )
                    if when is not None and when > today:
                        when = None
            day += timedelta(days=1)
        # The audit list's people: 4–6 admissions within a quarter.
        quarter = date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
        while quarter <= today:
            for _ in range(max(1, round(FREQUENT_PER_QUARTER * b.scale))):
                p = person(rng.randint(70, 92))
                admitted = quarter + timedelta(days=rng.randint(0, 10))
                for _n in range(rng.randint(4, 6)):
                    if admitted > today or admitted < first:
                        break
                    discharged = add_stay(p, admitted)
                    if discharged is None:
                        break
                    admitted = discharged + timedelta(days=rng.randint(3, 14))
            quarter = date(
                quarter.year + (quarter.month + 2) // 12, (quarter.month + 2) % 12 + 1, 1
            )

    HospitalEvent.objects.bulk_create(events, batch_size=2000)
    saved = {
        e.identifier: e
        for e in HospitalEvent.objects.filter(
            batch=batch, activity_code=ActivityCode.DISCHARGE_INPATIENT_HOME, age__gte=78
        )
    }
    visits = []
    for event in saved.values():
        screened = rng.random() < SCREENED
        consent = screened and rng.random() < CONSENT
        agreed = done = None
        if consent and rng.random() < AGREED:
            agreed = event.event_date + timedelta(days=rng.randint(1, 5))
            if agreed > today:
                agreed = None
            elif rng.random() < DONE:
                done = agreed + timedelta(days=rng.randint(2, 10))
                done = None if done > today else done
        visits.append(
            FollowUpVisit(
                discharge=event,
                municipality_id=event.municipality_id,
                citizen_id=event.citizen_id,
                screened=screened if rng.random() < 0.97 else None,
                consent=consent if screened else None,
                visit_agreed_on=agreed,
                visit_done_on=done,
            )
        )
    FollowUpVisit.objects.bulk_create(visits, batch_size=2000)
    batch.created = len(events)
    batch.save(update_fields=["created"])
    return {"hospital_events": len(events), "follow_up_home_visits": len(visits)}


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = 2.718281828459045 ** (-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
