"""The instruments Forløb measures with, as data plus pure validation and scoring.

Stable API for other apps (everyday rehabilitation uses COPM and FSIII)::

    from forlob.measures.instruments import INSTRUMENTS, get, copm, fsiii

    clean, score = get("copm").evaluate(values)        # validate + score, raises ValidationError
    copm.means(clean)  -> CopmScore(performance, satisfaction, activities)
    copm.change(before_clean, after_clean) -> CopmChange | None   (≥ 2 = meaningful)
    fsiii.validate({"J1.1": 2, ...}) -> dict;  fsiii.summarise(clean) -> [AreaSummary]
    barthel.total(clean);  eq5d5l.profile / level_sum / danish_index;  chair_stand.reference_band

Each module documents its source, its scoring and its minimal important difference (if any).
"""

from __future__ import annotations

from forlob.measures.instruments import barthel, chair_stand, copm, eq5d5l, fsiii
from forlob.measures.instruments.base import (
    Context,
    Instrument,
    Measure,
    Score,
    direction,
    meaningful,
)

INSTRUMENTS: dict[str, Instrument] = {
    module.INSTRUMENT.code: module.INSTRUMENT
    for module in (copm, barthel, eq5d5l, chair_stand, fsiii)
}


def get(code: str) -> Instrument:
    """The instrument with this code; KeyError for an unknown one."""
    return INSTRUMENTS[code]


def choices() -> list[tuple[str, object]]:
    return [(code, instrument.name) for code, instrument in INSTRUMENTS.items()]


__all__ = [
    "INSTRUMENTS",
    "Context",
    "Instrument",
    "Measure",
    "Score",
    "barthel",
    "chair_stand",
    "choices",
    "copm",
    "direction",
    "eq5d5l",
    "fsiii",
    "get",
    "meaningful",
]
