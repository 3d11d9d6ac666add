"""Writes of measures: record an instrument, skip one, load licensed instrument texts.

Recording or skipping never changes the pathway: a measure that cannot be taken is skipped with
a reason, and the pathway goes on. Every write is audited in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens.age import age_on
from forlob.core.models import User
from forlob.measures.instruments import INSTRUMENTS, Context, Instrument
from forlob.measures.models import InstrumentText, MeasureRecord, SkipReason, TimePoint
from forlob.pathways.models import Pathway, PathwayStatus

MESSAGE_UNKNOWN_INSTRUMENT = gettext_noop("Unknown instrument.")
MESSAGE_UNKNOWN_TIME_POINT = gettext_noop("Choose a time point: start, midway, end or follow-up.")
MESSAGE_FUTURE = gettext_noop("The date of the measurement cannot be in the future.")
MESSAGE_CANCELLED = gettext_noop("The pathway was cancelled; measures cannot be recorded on it.")
MESSAGE_SKIP_REASON = gettext_noop("Choose why the measure is skipped.")
MESSAGE_SKIP_NOTE = gettext_noop("Write the reason when you choose “other”.")

MESSAGE_TEXTS_FORMAT = gettext_noop(
    "The file must hold an object or a list of objects with “instrument”, “language” and “texts”."
)
MESSAGE_TEXTS_INSTRUMENT = gettext_noop("Unknown instrument “%(code)s”.")
MESSAGE_TEXTS_LANGUAGE = gettext_noop("Unknown language “%(language)s”.")
MESSAGE_TEXTS_KEY = gettext_noop("%(code)s has no item “%(key)s”.")
MESSAGE_TEXTS_EMPTY = gettext_noop("The text of %(code)s “%(key)s” is empty or not text.")

TEXT_MAX_LENGTH = 4000


def _instrument(code: str) -> Instrument:
    if code not in INSTRUMENTS:
        raise ValidationError({"instrument": _(MESSAGE_UNKNOWN_INSTRUMENT)}, code="unknown")
    return INSTRUMENTS[code]


def _check_common(pathway: Pathway, time_point: str, measured_on: date, now: datetime) -> None:
    if time_point not in TimePoint.values:
        raise ValidationError({"time_point": _(MESSAGE_UNKNOWN_TIME_POINT)}, code="time_point")
    if measured_on > timezone.localdate(now):
        raise ValidationError({"measured_on": _(MESSAGE_FUTURE)}, code="future")
    if pathway.status == PathwayStatus.CANCELLED:
        raise ValidationError(_(MESSAGE_CANCELLED), code="cancelled")


@transaction.atomic
def measure_record(
    *,
    actor: User,
    pathway: Pathway,
    instrument: str,
    time_point: str,
    values: Mapping[str, Any],
    measured_on: date | None = None,
    at: datetime | None = None,
) -> MeasureRecord:
    """Validate, score and store one instrument at one time point of ``pathway``.

    The citizen is the pathway's. Raises ``ValidationError`` (per value key where it can) for
    bad values, an unknown instrument or time point, a date in the future or a cancelled pathway.
    """
    at = at or timezone.now()
    measured_on = measured_on or timezone.localdate(at)
    definition = _instrument(instrument)
    _check_common(pathway, time_point, measured_on, at)
    citizen = pathway.citizen
    context = Context(age=age_on(citizen.birth_date, measured_on), sex=citizen.sex)
    clean, score = definition.evaluate(values, context)
    record = MeasureRecord.objects.create(
        citizen_id=pathway.citizen_id,
        pathway=pathway,
        instrument=instrument,
        time_point=time_point,
        measured_on=measured_on,
        recorded_at=at,
        recorded_by=actor,
        values=clean,
        primary_score=score.primary,
        secondary_score=score.secondary,
        details=score.details,
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=f"measure_record:{instrument}",
        citizen_id=pathway.citizen_id,
        obj=record,
    )
    return record


@transaction.atomic
def measure_skip(
    *,
    actor: User,
    pathway: Pathway,
    instrument: str,
    time_point: str,
    reason: str,
    note: str = "",
    measured_on: date | None = None,
    at: datetime | None = None,
) -> MeasureRecord:
    """Record that an instrument was not taken at a time point, and why."""
    at = at or timezone.now()
    measured_on = measured_on or timezone.localdate(at)
    _instrument(instrument)
    _check_common(pathway, time_point, measured_on, at)
    note = " ".join((note or "").split())
    if reason not in SkipReason.values:
        raise ValidationError({"reason": _(MESSAGE_SKIP_REASON)}, code="reason")
    if reason == SkipReason.OTHER and not note:
        raise ValidationError({"note": _(MESSAGE_SKIP_NOTE)}, code="note")
    record = MeasureRecord.objects.create(
        citizen_id=pathway.citizen_id,
        pathway=pathway,
        instrument=instrument,
        time_point=time_point,
        measured_on=measured_on,
        recorded_at=at,
        recorded_by=actor,
        skipped=True,
        skip_reason=reason,
        skip_note=note[:500],
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=f"measure_skip:{instrument}",
        citizen_id=pathway.citizen_id,
        obj=record,
    )
    return record


def _text_entries(data: object) -> list[Mapping[str, Any]]:
    entries = [data] if isinstance(data, Mapping) else data
    if not isinstance(entries, list) or not all(
        isinstance(e, Mapping) and isinstance(e.get("texts"), Mapping) for e in entries
    ):
        raise ValidationError(_(MESSAGE_TEXTS_FORMAT), code="format")
    return entries


@transaction.atomic
def instrument_texts_load(
    data: object, *, languages: Iterable[str], replace: bool = False
) -> dict[tuple[str, str], int]:
    """Load licensed wording: ``{"instrument", "language", "texts": {item_key: text}}`` (or a list).

    All or nothing: every entry is checked (known instrument, language and item keys, non-empty
    text) before anything is written; all problems are reported together. Existing texts of the
    same instrument, item and language are replaced; with ``replace`` the texts of that
    instrument and language that the file does not name are removed. Returns the number of texts
    per (instrument, language). Instrument wording is not citizen data: nothing is audited.
    """
    entries = _text_entries(data)
    known_languages = set(languages)
    problems: list[str] = []
    for entry in entries:
        code = str(entry.get("instrument", ""))
        language = str(entry.get("language", "da"))
        if code not in INSTRUMENTS:
            problems.append(_(MESSAGE_TEXTS_INSTRUMENT) % {"code": code})
            continue
        if language not in known_languages:
            problems.append(_(MESSAGE_TEXTS_LANGUAGE) % {"language": language})
        for key, text in entry["texts"].items():
            if key not in INSTRUMENTS[code].text_keys:
                problems.append(_(MESSAGE_TEXTS_KEY) % {"code": code, "key": key})
            elif not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX_LENGTH:
                problems.append(_(MESSAGE_TEXTS_EMPTY) % {"code": code, "key": key})
    if problems:
        raise ValidationError(problems, code="invalid")
    loaded: dict[tuple[str, str], int] = {}
    for entry in entries:
        code, language = entry["instrument"], entry.get("language", "da")
        texts = {key: text.strip() for key, text in entry["texts"].items()}
        if replace:
            InstrumentText.objects.filter(instrument=code, language=language).exclude(
                item_key__in=list(texts)
            ).delete()
        for key, text in texts.items():
            InstrumentText.objects.update_or_create(
                instrument=code, item_key=key, language=language, defaults={"text": text}
            )
        loaded[(code, language)] = loaded.get((code, language), 0) + len(texts)
    return loaded
