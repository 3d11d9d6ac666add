"""A valid form body per instrument (also used by tests/access/url_matrix.py)."""

from __future__ import annotations

from tests.helpers import TODAY

COPM_START = {
    "activity_1": "Gå tur med hunden",
    "importance_1": "9",
    "performance_1": "3",
    "satisfaction_1": "2",
    "activity_2": "Lave aftensmad",
    "importance_2": "7",
    "performance_2": "4",
    "satisfaction_2": "3",
}

BARTHEL = {
    "bowels": "2",
    "bladder": "1",
    "grooming": "1",
    "toilet": "1",
    "feeding": "2",
    "transfer": "2",
    "mobility": "2",
    "dressing": "1",
    "stairs": "0",
    "bathing": "0",
}  # total 12

EQ5D = {
    "mobility": "2",
    "self_care": "1",
    "usual_activities": "3",
    "pain_discomfort": "2",
    "anxiety_depression": "1",
    "vas": "60",
}

CHAIR_STAND = {"count": "9"}

FSIII = {"item_J1_1": "2", "item_J1_3": "3", "item_J3_8": "4", "item_J5_1": "9"}

MEASURE_POSTS: dict[str, dict[str, str]] = {
    "copm": COPM_START,
    "barthel20": BARTHEL,
    "eq5d5l": EQ5D,
    "chairstand30": CHAIR_STAND,
    "fsiii": FSIII,
}


def with_date(body: dict[str, str], day: object = TODAY) -> dict[str, str]:
    return {**body, "measured_on": str(day)}
