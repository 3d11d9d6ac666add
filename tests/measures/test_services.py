"""Recording and skipping measures, and the before/after comparison on a pathway."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from forlob.access.models import AccessLog
from forlob.measures import selectors, services
from forlob.measures.instruments import copm
from forlob.measures.models import MeasureRecord, SkipReason, TimePoint
from forlob.pathways.models import PathwayStatus
from forlob.pathways.services import pathway_transition
from tests.helpers import NOW, TODAY, counts, tr
from tests.measures.post_data import BARTHEL, EQ5D

pytestmark = pytest.mark.usefixtures("frozen")

D = Decimal
DAY = timedelta(days=1)


def rows(*triples: tuple[str, int, int]) -> dict:
    return {
        "activities": [
            {"activity": a, "importance": 8, "performance": p, "satisfaction": s}
            for a, p, s in triples
        ]
    }


def record(actor, pathway, instrument, time_point, values, day=TODAY):
    return services.measure_record(
        actor=actor,
        pathway=pathway,
        instrument=instrument,
        time_point=time_point,
        values=values,
        measured_on=day,
    )


def chair(actor, pathway, time_point, count, day=TODAY):
    return record(actor, pathway, "chairstand30", time_point, {"count": count}, day)


# --- recording ----------------------------------------------------------------------------------


def test_record_scores_stores_and_audits_for_the_pathways_citizen(therapist, pathway):
    before = AccessLog.objects.count()
    r = record(therapist, pathway, "copm", "start", rows(("Gå tur", 3, 2), ("Lave mad", 4, 4)))
    r.refresh_from_db()
    assert r.citizen == pathway.citizen
    assert (r.instrument, r.time_point, r.measured_on) == ("copm", "start", TODAY)
    assert (r.primary_score, r.secondary_score) == (D("3.5"), D("3"))  # (3+4)/2, (2+4)/2
    assert r.values["activities"][0] == {
        "activity": "Gå tur",
        "importance": 8,
        "performance": 3,
        "satisfaction": 2,
    }
    assert r.recorded_by == therapist and r.recorded_at == NOW
    assert not r.skipped
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.kind, log.operation, log.citizen_id) == (
        "write",
        "measure_record:copm",
        r.citizen_id,
    )
    assert log.object_id == str(r.pk)


def test_chair_stand_uses_the_citizens_age_and_sex_on_the_day(therapist, pathway):
    # 74-year-old woman: normal range 10–15; nine stands are below it
    r = chair(therapist, pathway, "start", "9")
    assert r.details == {"band": [10, 15], "below_normal": True, "age": 74}
    assert tr("below normal range") in r.summary


def test_bad_values_write_nothing_and_say_which_field(therapist, pathway):
    before = counts(MeasureRecord, AccessLog)
    with pytest.raises(ValidationError) as exc:
        record(therapist, pathway, "barthel20", "start", {**BARTHEL, "transfer": "4"})
    assert list(exc.value.message_dict) == ["transfer"]
    assert counts(MeasureRecord, AccessLog) == before


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"instrument": "fim"}, services.MESSAGE_UNKNOWN_INSTRUMENT, "instrument"),
        ({"time_point": "later"}, services.MESSAGE_UNKNOWN_TIME_POINT, "time_point"),
        ({"measured_on": TODAY + DAY}, services.MESSAGE_FUTURE, "measured_on"),
    ],
)
def test_record_refuses_unknown_instrument_time_point_and_future_dates(
    therapist, pathway, kwargs, message, field
):
    args = {
        "actor": therapist,
        "pathway": pathway,
        "instrument": "eq5d5l",
        "time_point": "start",
        "values": EQ5D,
        **kwargs,
    }
    with pytest.raises(ValidationError) as exc:
        services.measure_record(**args)
    assert exc.value.message_dict == {field: [tr(message)]}
    assert not MeasureRecord.objects.exists()


def test_a_cancelled_pathway_takes_no_measures(therapist, pathway):
    pathway_transition(actor=therapist, pathway=pathway, to_status=PathwayStatus.CANCELLED)
    pathway.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        chair(therapist, pathway, "start", 10)
    assert exc.value.messages == [tr(services.MESSAGE_CANCELLED)]


def test_follow_up_after_completion_is_allowed(therapist, pathway):
    pathway.status = PathwayStatus.COMPLETED
    pathway.save()
    assert chair(therapist, pathway, "follow_up", 12).primary_score == 12


def test_record_is_all_or_nothing_when_the_audit_row_fails(therapist, pathway, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        chair(therapist, pathway, "start", 10)
    with pytest.raises(RuntimeError):
        services.measure_skip(
            actor=therapist, pathway=pathway, instrument="copm", time_point="start",
            reason="declined",
        )  # fmt: skip
    assert not MeasureRecord.objects.exists()


# --- skipping -----------------------------------------------------------------------------------


def test_skip_records_the_reason_and_leaves_the_pathway_alone(therapist, pathway):
    status = pathway.status
    r = services.measure_skip(
        actor=therapist,
        pathway=pathway,
        instrument="copm",
        time_point="start",
        reason=SkipReason.NOT_ABLE,
    )
    r.refresh_from_db()
    assert r.skipped and r.skip_reason == "not_able" and r.primary_score is None
    assert r.citizen == pathway.citizen
    pathway.refresh_from_db()
    assert pathway.status == status
    log = AccessLog.objects.latest("id")
    assert (log.operation, log.kind) == ("measure_skip:copm", "write")


def test_skip_needs_a_known_reason_and_a_note_for_other(therapist, pathway):
    kwargs = {"actor": therapist, "pathway": pathway, "instrument": "copm", "time_point": "end"}
    with pytest.raises(ValidationError) as exc:
        services.measure_skip(**kwargs, reason="tired")
    assert exc.value.message_dict == {"reason": [tr(services.MESSAGE_SKIP_REASON)]}
    with pytest.raises(ValidationError) as exc:
        services.measure_skip(**kwargs, reason="other", note="   ")
    assert exc.value.message_dict == {"note": [tr(services.MESSAGE_SKIP_NOTE)]}
    r = services.measure_skip(**kwargs, reason="other", note="  Tolk  mangler ")
    assert r.skip_note == "Tolk mangler"


# --- before and after ---------------------------------------------------------------------------


def only(pathway, code):
    [row] = [r for r in selectors.before_after(pathway) if r.instrument.code == code]
    return row


def test_copm_before_after_flags_a_change_of_two_as_meaningful(therapist, pathway):
    record(
        therapist,
        pathway,
        "copm",
        "start",
        rows(("Gå tur", 3, 2), ("Handle", 4, 3)),
        TODAY - 30 * DAY,
    )
    record(therapist, pathway, "copm", "end", rows(("Gå tur", 6, 4), ("Handle", 5, 4)))
    row = only(pathway, "copm")
    performance, satisfaction = row.changes
    # performance 3.5 → 5.5 (+2.0, meaningful); satisfaction 2.5 → 4.0 (+1.5, not)
    assert (performance.before, performance.after, performance.change) == (
        D("3.5"),
        D("5.5"),
        D("2.0"),
    )
    assert (performance.direction, performance.meaningful) == ("better", True)
    assert (satisfaction.change, satisfaction.meaningful) == (D("1.5"), False)
    assert row.meaningful and row.compared == 2 and not row.partial


def test_copm_compares_only_the_activities_rated_both_times(therapist, pathway):
    record(therapist, pathway, "copm", "start", rows(("Gå tur", 2, 2), ("Bage", 9, 9)))
    record(therapist, pathway, "copm", "end", rows(("Gå tur", 5, 5), ("Cykle", 1, 1)))
    row = only(pathway, "copm")
    assert row.compared == 1 and row.partial
    assert [c.change for c in row.changes] == [D("3.0"), D("3.0")]


def test_after_is_the_latest_end_or_follow_up_else_midway(therapist, pathway):
    chair(therapist, pathway, "start", 8, TODAY - 60 * DAY)
    chair(therapist, pathway, "mid", 9, TODAY - 30 * DAY)
    assert only(pathway, "chairstand30").after.time_point == "mid"
    chair(therapist, pathway, "follow_up", 13, TODAY - 1 * DAY)
    chair(therapist, pathway, "end", 11, TODAY - 10 * DAY)
    row = only(pathway, "chairstand30")
    assert row.after.time_point == "follow_up"
    [c] = row.changes
    assert (c.before, c.after, c.change, c.direction, c.meaningful) == (8, 13, 5, "better", True)


def test_a_newer_start_record_corrects_the_earlier_and_skips_are_ignored(therapist, pathway):
    chair(therapist, pathway, "start", 5, TODAY - 40 * DAY)
    chair(therapist, pathway, "start", 10, TODAY - 39 * DAY)  # the correction
    chair(therapist, pathway, "end", 11, TODAY - 2 * DAY)
    services.measure_skip(
        actor=therapist, pathway=pathway, instrument="chairstand30", time_point="end",
        reason="declined", measured_on=TODAY,
    )  # fmt: skip
    row = only(pathway, "chairstand30")
    [c] = row.changes
    assert (c.before, c.after, c.change, c.meaningful) == (10, 11, 1, False)
    assert row.skipped == 1


def test_direction_for_instruments_where_lower_is_better(therapist, pathway):
    record(therapist, pathway, "fsiii", "start", {"J1.1": 3, "J1.3": 3}, TODAY - 20 * DAY)
    record(therapist, pathway, "fsiii", "end", {"J1.1": 1, "J1.3": 2})
    mean, severe = only(pathway, "fsiii").changes
    assert (mean.before, mean.after, mean.change) == (D("3.0"), D("1.5"), D("-1.5"))
    assert (mean.direction, mean.meaningful) == ("better", None)  # no cited MID for FSIII
    assert (severe.change, severe.direction) == (D(-2), "better")

    record(therapist, pathway, "eq5d5l", "start", EQ5D, TODAY - 20 * DAY)  # level sum 9, VAS 60
    record(therapist, pathway, "eq5d5l", "end", {**EQ5D, "mobility": "4", "vas": "55"})
    level_sum, vas = only(pathway, "eq5d5l").changes
    assert (level_sum.change, level_sum.direction, level_sum.meaningful) == (2, "worse", None)
    assert (vas.change, vas.direction) == (-5, "worse")


def test_barthel_change_of_two_is_meaningful(therapist, pathway):
    record(therapist, pathway, "barthel20", "start", BARTHEL, TODAY - 20 * DAY)  # 12
    record(therapist, pathway, "barthel20", "end", {**BARTHEL, "stairs": "1", "bathing": "1"})
    [c] = only(pathway, "barthel20").changes
    assert (c.before, c.after, c.change, c.direction, c.meaningful) == (12, 14, 2, "better", True)


def test_start_only_or_skipped_only_instruments_show_without_a_change(therapist, pathway):
    chair(therapist, pathway, "start", 9)
    services.measure_skip(
        actor=therapist, pathway=pathway, instrument="copm", time_point="start", reason="declined"
    )
    by_code = {r.instrument.code: r for r in selectors.before_after(pathway)}
    assert set(by_code) == {"copm", "chairstand30"}
    assert by_code["chairstand30"].before is not None and by_code["chairstand30"].after is None
    assert not by_code["chairstand30"].changes and not by_code["chairstand30"].has_change
    assert by_code["copm"].before is None and by_code["copm"].skipped == 1


def test_copm_reassessment_starts_from_the_start_activities(therapist, pathway):
    assert selectors.copm_activities_to_reassess(pathway) == []
    record(therapist, pathway, "copm", "start", rows(("Gå tur", 2, 2), ("Bage", 9, 9)))
    assert selectors.copm_activities_to_reassess(pathway) == [
        {"activity": "Gå tur", "importance": 8},
        {"activity": "Bage", "importance": 8},
    ]


def test_grid_shows_the_newest_record_per_instrument_and_time_point(therapist, pathway):
    chair(therapist, pathway, "start", 5, TODAY - 3 * DAY)
    chair(therapist, pathway, "start", 7, TODAY - 2 * DAY)
    grid = {row.instrument.code: row for row in selectors.record_grid(pathway)}
    assert list(grid) == ["copm", "barthel20", "eq5d5l", "chairstand30", "fsiii"]
    cells = {c.time_point: c.record for c in grid["chairstand30"].cells}
    assert cells[TimePoint.START].primary_score == 7
    assert cells[TimePoint.END] is None


def test_copm_constant_threshold_is_two():
    assert copm.MEANINGFUL_CHANGE == 2
