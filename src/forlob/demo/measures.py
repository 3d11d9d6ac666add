"""Demo measures: plausible start and end measures on a share of the demo pathways.

Completed pathways get a start and an end measure of the instruments their kind usually uses
(re-training: 30-second chair stand, often EQ-5D-5L and sometimes COPM; chronic-disease classes:
EQ-5D-5L and chair stand; everyday rehabilitation: COPM, Barthel-20 and FSIII); active pathways
get the start measures only. Some measures are skipped with a reason, as in real life. Values are
scored by the instruments' own functions, so the stored scores are what the app would compute.
Like the rest of the generator: written with ``bulk_create``, no audit rows, same seed → same data.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from forlob.citizens.age import age_on
from forlob.measures import fsiii as fsiii_data
from forlob.measures.instruments import (
    INSTRUMENTS,
    Context,
    barthel,
    chair_stand,
    copm,
    eq5d5l,
    fsiii,
)
from forlob.measures.models import MeasureRecord, SkipReason, TimePoint
from forlob.pathways.models import PathwayStatus

SHARE_COMPLETED = 0.6  # completed pathways with measures
SHARE_ACTIVE = 0.5  # active pathways with start measures
SKIP_SHARE = 0.08

# pathway type → [(instrument, probability)]
PLAN: dict[str, list[tuple[str, float]]] = {
    "gop": [(chair_stand.CODE, 0.9), (eq5d5l.CODE, 0.5), (copm.CODE, 0.25)],
    "free_physio": [(chair_stand.CODE, 0.8), (eq5d5l.CODE, 0.6)],
    "chronic": [(eq5d5l.CODE, 0.9), (chair_stand.CODE, 0.7)],
    "concussion": [(eq5d5l.CODE, 0.9)],
    "coordination": [(eq5d5l.CODE, 0.4)],
    "resource": [(eq5d5l.CODE, 0.6), (copm.CODE, 0.3)],
    "everyday_rehab": [(copm.CODE, 0.9), (barthel.CODE, 0.8), (fsiii.CODE, 0.6)],
}

ACTIVITIES = (
    "Gå tur uden rollator",
    "Gå på trapper til 1. sal",
    "Handle ind selv",
    "Lave varm mad",
    "Tage bad selv",
    "Tage strømper på",
    "Cykle til træning",
    "Passe haven",
    "Gå til bridge i klubben",
    "Lege med børnebørnene",
    "Gøre rent i køkkenet",
    "Køre bil igen",
)
SKIP_REASONS = [
    (SkipReason.DECLINED, 4),
    (SkipReason.NOT_ABLE, 3),
    (SkipReason.NOT_RELEVANT, 2),
    (SkipReason.OTHER, 1),
]
OTHER_NOTES = ("Tolk ikke til stede", "Borgeren var træt efter indlæggelse", "Tiden slap op")


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class _Values:
    """Start values and end values (mostly better) per instrument."""

    def __init__(self, rng: Any) -> None:
        self.rng = rng

    def start(self, code: str, age: int, sex: str) -> dict[str, Any]:
        r = self.rng
        if code == copm.CODE:
            names = r.sample(ACTIVITIES, r.randint(2, 5))
            return {
                "activities": [
                    {
                        "activity": name,
                        "importance": r.randint(5, 10),
                        "performance": r.randint(2, 6),
                        "satisfaction": r.randint(1, 6),
                    }
                    for name in names
                ]
            }
        if code == barthel.CODE:
            return {
                item.key: _clip(r.gauss(item.max_score * 0.6, 0.8), 0, item.max_score)
                for item in barthel.ITEMS
            }
        if code == eq5d5l.CODE:
            values = {d.key: r.choices((1, 2, 3, 4), (3, 4, 3, 1))[0] for d in eq5d5l.DIMENSIONS}
            return {**values, "vas": _clip(r.gauss(55, 12), 10, 95)}
        if code == chair_stand.CODE:
            band = chair_stand.reference_band(age, sex) or (10, 15)
            return {"count": _clip(r.gauss(band[0] - 2, 3), 0, 30)}
        # FSIII: self-care, practical tasks and mobility assessed
        items = [i for a in fsiii_data.AREAS if a.code in ("J1", "J2", "J3") for i in a.items]
        return {
            item.code: (9 if r.random() < 0.1 else _clip(r.gauss(2, 0.9), 0, 4)) for item in items
        }

    def end(self, code: str, start: dict[str, Any]) -> dict[str, Any]:
        r = self.rng
        if code == copm.CODE:
            return {
                "activities": [
                    {
                        **a,
                        "performance": _clip(a["performance"] + r.gauss(2.3, 1.5), 1, 10),
                        "satisfaction": _clip(a["satisfaction"] + r.gauss(2.5, 1.6), 1, 10),
                    }
                    for a in start["activities"]
                ]
            }
        if code == barthel.CODE:
            return {
                item.key: min(item.max_score, start[item.key] + (r.random() < 0.35))
                for item in barthel.ITEMS
            }
        if code == eq5d5l.CODE:
            values = {
                d.key: max(1, start[d.key] - (r.random() < 0.4) + (r.random() < 0.08))
                for d in eq5d5l.DIMENSIONS
            }
            return {**values, "vas": _clip(start["vas"] + r.gauss(9, 10), 0, 100)}
        if code == chair_stand.CODE:
            return {"count": _clip(start["count"] + r.gauss(2.5, 2), 0, 40)}
        return {
            k: v if v == fsiii.NOT_RELEVANT else max(0, v - (r.random() < 0.45))
            for k, v in start.items()
        }


def _moment(day: date, rng: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randrange(8, 15), 0)))


def extend(b: Any) -> dict[str, int]:
    rng = b.rng
    values = _Values(rng)
    rows: list[MeasureRecord] = []

    def add(p: Any, code: str, point: str, day: date, clean: dict[str, Any] | None) -> None:
        common = {
            "citizen_id": p.citizen_id,
            "pathway_id": p.pk,
            "instrument": code,
            "time_point": point,
            "measured_on": day,
            "recorded_at": _moment(day, rng),
            "recorded_by": p.responsible,
        }
        if clean is None:
            reason = rng.choices([r for r, _w in SKIP_REASONS], [w for _r, w in SKIP_REASONS])[0]
            note = rng.choice(OTHER_NOTES) if reason == SkipReason.OTHER else ""
            rows.append(MeasureRecord(**common, skipped=True, skip_reason=reason, skip_note=note))
            return
        age = age_on(p.citizen.birth_date, day)
        clean, score = INSTRUMENTS[code].evaluate(clean, Context(age=age, sex=p.citizen.sex))
        rows.append(
            MeasureRecord(
                **common,
                values=clean,
                primary_score=score.primary,
                secondary_score=score.secondary,
                details=score.details,
            )
        )

    for p in b.pathways:
        if p.started_at is None:
            continue
        completed = p.status == PathwayStatus.COMPLETED
        active = p.status == PathwayStatus.ACTIVE
        share = SHARE_COMPLETED if completed else SHARE_ACTIVE if active else 0
        if rng.random() >= share:
            continue
        start_day = min(
            timezone.localdate(p.started_at) + timedelta(days=rng.randint(0, 2)),
            b.today - timedelta(days=1),
        )
        end_day = timezone.localdate(p.ended_at) if completed and p.ended_at else None
        if end_day is not None and end_day < start_day:
            start_day = timezone.localdate(p.started_at)
        for code, probability in PLAN.get(p.pathway_type.code, []):
            if rng.random() >= probability:
                continue
            age = age_on(p.citizen.birth_date, start_day)
            first = values.start(code, age, p.citizen.sex)
            add(p, code, TimePoint.START, start_day, None if rng.random() < SKIP_SHARE else first)
            if end_day is not None:
                later = None if rng.random() < SKIP_SHARE else values.end(code, first)
                add(p, code, TimePoint.END, end_day, later)
    MeasureRecord.objects.bulk_create(rows, batch_size=2000)
    skipped = sum(1 for r in rows if r.skipped)
    return {"measure_records": len(rows) - skipped, "measure_skips": skipped}
