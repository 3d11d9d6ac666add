"""The demo's measures: plausible, consistent with the scoring functions, with some skips."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from forlob.citizens.age import age_on
from forlob.demo.extensions import EXTENSIONS
from forlob.demo.generator import generate
from forlob.measures.instruments import INSTRUMENTS, Context
from forlob.measures.models import MeasureRecord
from forlob.measures.selectors import before_after
from forlob.pathways.models import PathwayStatus

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 16)


def test_extension_is_registered():
    assert "forlob.demo.measures.extend" in EXTENSIONS


def test_demo_records_start_and_end_measures_that_score_as_the_app_would():
    with transaction.atomic():
        summary = generate(seed=3, today=TODAY, scale=0.15)
        records = list(MeasureRecord.objects.select_related("pathway", "citizen"))
        assert summary.counts["measure_records"] == sum(1 for r in records if not r.skipped)
        assert summary.counts["measure_skips"] == sum(1 for r in records if r.skipped) > 0
        assert {r.instrument for r in records} >= {"copm", "barthel20", "eq5d5l", "chairstand30"}
        by_point = Counter(r.time_point for r in records)
        assert by_point["start"] >= by_point["end"] > 0
        for r in records:
            assert r.pathway.status in (PathwayStatus.COMPLETED, PathwayStatus.ACTIVE)
            assert r.citizen_id == r.pathway.citizen_id
            assert timezone.localdate(r.pathway.started_at) <= r.measured_on < TODAY
            if r.time_point == "end":
                assert r.pathway.status == PathwayStatus.COMPLETED
            if r.skipped:
                assert r.skip_reason and r.primary_score is None
                continue
            context = Context(age_on(r.citizen.birth_date, r.measured_on), r.citizen.sex)
            clean, score = INSTRUMENTS[r.instrument].evaluate(r.values, context)
            assert clean == r.values
            assert (score.primary, score.secondary) == (r.primary_score, r.secondary_score)
        # most completed pathways with both measures improved (rehabilitation works)
        completed = {r.pathway for r in records if r.time_point == "end" and not r.skipped}
        rows = [row for p in completed for row in before_after(p) if row.has_change]
        better = sum(1 for row in rows if row.changes[0].direction == "better")
        assert rows and better / len(rows) > 0.5
        transaction.set_rollback(True)
