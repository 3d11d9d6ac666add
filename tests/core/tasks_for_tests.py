"""A task for the worker test: the worker imports it by path, as it would any app's task."""

from __future__ import annotations

from django_tasks import task

recorded: list[str] = []


@task()
def record_call(value: str) -> None:
    recorded.append(value)
