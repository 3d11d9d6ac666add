"""Reads of measures: a pathway's records, the before/after comparison, the record grid.

Callers have fetched the pathway through the access layer (``get_for_actor``); these functions
read only that pathway's records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from forlob.measures.instruments import INSTRUMENTS, Instrument, Measure, copm
from forlob.measures.instruments.base import direction, meaningful, shown
from forlob.measures.models import InstrumentText, MeasureRecord, TimePoint
from forlob.pathways.models import Pathway

AFTER_POINTS = (TimePoint.END, TimePoint.FOLLOW_UP)


def records_for(pathway: Pathway) -> QuerySet[MeasureRecord]:
    """Every record and skip of the pathway, newest first."""
    return (
        MeasureRecord.objects.filter(pathway=pathway)
        .select_related("recorded_by")
        .order_by("-measured_on", "-recorded_at", "-id")
    )


def _latest(records: Sequence[MeasureRecord], points: Sequence[str]) -> MeasureRecord | None:
    """The newest scored record at one of ``points`` (records come newest first)."""
    return next((r for r in records if not r.skipped and r.time_point in points), None)


@dataclass(frozen=True)
class Change:
    """One number before and after, the change and how to read it."""

    label: Any
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None
    direction: str | None  # "better" / "worse" / "same"; None when there is nothing to compare
    meaningful: bool | None  # None: no citable minimal important difference for this measure
    higher_is_better: bool


def _change(measure: Measure, before: Decimal | None, after: Decimal | None) -> Change:
    before, after = shown(before, measure.decimals), shown(after, measure.decimals)
    delta = None if before is None or after is None else after - before
    return Change(
        label=measure.label,
        before=before,
        after=after,
        change=delta,
        direction=direction(delta, measure.higher_is_better),
        meaningful=meaningful(delta, measure),
        higher_is_better=measure.higher_is_better,
    )


@dataclass(frozen=True)
class BeforeAfter:
    instrument: Instrument
    before: MeasureRecord | None  # the latest start record
    after: MeasureRecord | None  # the latest end or follow-up record, else the latest midway one
    changes: list[Change] = field(default_factory=list)
    compared: int | None = None  # COPM: activities rated both times
    skipped: int = 0  # skips recorded for this instrument

    @property
    def meaningful(self) -> bool:
        return any(c.meaningful for c in self.changes)

    @property
    def has_change(self) -> bool:
        return any(c.change is not None for c in self.changes)

    @property
    def partial(self) -> bool:
        """COPM: some activities were rated only once and are left out of the change."""
        if not self.compared or self.before is None or self.after is None:
            return False
        return self.compared < max(
            len(self.before.values.get("activities", [])),
            len(self.after.values.get("activities", [])),
        )


def compare(instrument: Instrument, before: MeasureRecord, after: MeasureRecord) -> BeforeAfter:
    """The changes between two scored records of one instrument."""
    if instrument.code == copm.CODE:
        result = copm.change(before.values, after.values)
        if result is None:
            return BeforeAfter(instrument, before, after, compared=0)
        measures = (instrument.primary, instrument.secondary)
        values = (
            (result.before.performance, result.after.performance),
            (result.before.satisfaction, result.after.satisfaction),
        )
        changes = [_change(m, b, a) for m, (b, a) in zip(measures, values, strict=True) if m]
        return BeforeAfter(instrument, before, after, changes, compared=result.compared)
    changes = [_change(instrument.primary, before.primary_score, after.primary_score)]
    if instrument.secondary is not None:
        changes.append(_change(instrument.secondary, before.secondary_score, after.secondary_score))
    return BeforeAfter(instrument, before, after, changes)


def before_after(pathway: Pathway) -> list[BeforeAfter]:
    """Per instrument used on the pathway: start value, latest end/follow-up (or midway) value.

    The start value is the newest record at the start time point (a later one corrects an
    earlier). The after value is the newest record at end or follow-up, or the newest midway
    record when there is none. Direction says whether the change is an improvement for this
    instrument (FSIII levels and the EQ-5D level sum: lower is better). ``meaningful`` uses the
    instrument's cited minimal important difference (COPM 2 points; Barthel-20 2; chair stand 2)
    and is None where none is cited. Instruments that were only skipped are listed too.
    """
    records = list(records_for(pathway))
    result = []
    for code, instrument in INSTRUMENTS.items():
        mine = [r for r in records if r.instrument == code]
        if not mine:
            continue
        before = _latest(mine, (TimePoint.START,))
        after = _latest(mine, AFTER_POINTS) or _latest(mine, (TimePoint.MID,))
        skipped = sum(1 for r in mine if r.skipped)
        if before is not None and after is not None:
            row = replace(compare(instrument, before, after), skipped=skipped)
        else:
            row = BeforeAfter(instrument, before, after, skipped=skipped)
        result.append(row)
    return result


@dataclass(frozen=True)
class Cell:
    time_point: TimePoint
    record: MeasureRecord | None  # the newest record or skip at this time point


@dataclass(frozen=True)
class GridRow:
    instrument: Instrument
    cells: list[Cell]


def record_grid(pathway: Pathway) -> list[GridRow]:
    """Instruments × time points, each cell the newest record or skip there (or None)."""
    records = list(records_for(pathway))
    rows = []
    for code, instrument in INSTRUMENTS.items():
        mine = [r for r in records if r.instrument == code]
        cells = [
            Cell(TimePoint(tp), next((r for r in mine if r.time_point == tp), None))
            for tp in TimePoint.values
        ]
        rows.append(GridRow(instrument, cells))
    return rows


def copm_activities_to_reassess(pathway: Pathway) -> list[dict[str, Any]]:
    """The activities of the first COPM assessment, for rating them again later.

    The newest scored start record, else the newest scored COPM record at any time point;
    ``[]`` when the pathway has none. Importance carries over; the new ratings are left blank.
    """
    records = [r for r in records_for(pathway) if r.instrument == copm.CODE and not r.skipped]
    source = _latest(records, (TimePoint.START,)) or (records[0] if records else None)
    if source is None:
        return []
    return [
        {"activity": a["activity"], "importance": a["importance"]}
        for a in source.values.get("activities", [])
    ]


def texts_for(instrument: str, language: str) -> dict[str, str]:
    """Licensed wording loaded for ``instrument`` in ``language``: {item_key: text}."""
    return dict(
        InstrumentText.objects.filter(instrument=instrument, language=language).values_list(
            "item_key", "text"
        )
    )
