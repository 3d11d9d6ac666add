"""Periodic jobs and the worker command that runs them beside the task queue."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from forlob.core import periodic


@pytest.fixture
def no_jobs(monkeypatch):
    monkeypatch.setattr(periodic, "_jobs", {})


def test_a_job_runs_when_due_and_not_before(no_jobs):
    calls = []
    periodic.register("count", 60, lambda: calls.append(1))
    assert periodic.run_due(now=1000.0) == ["count"]
    assert periodic.run_due(now=1059.0) == []
    assert periodic.run_due(now=1060.0) == ["count"]
    assert len(calls) == 2


def test_a_failing_job_does_not_stop_the_others(no_jobs, caplog):
    calls = []

    def broken():
        raise RuntimeError("gateway down")

    periodic.register("broken", 60, broken)
    periodic.register("fine", 60, lambda: calls.append(1))
    assert periodic.run_due(now=0.0) == ["broken", "fine"]
    assert calls == [1]
    assert "periodic job broken failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_periodic_jobs_and_queued_tasks(no_jobs):
    from tests.core.tasks_for_tests import record_call, recorded

    recorded.clear()
    periodic.register("tick", 60, lambda: recorded.append("tick"))
    record_call.enqueue("queued")
    call_command("worker", once=True)
    assert recorded == ["tick", "queued"]
