"""Writes of the cluster app: importing hospital events, follow-up home visits, audits."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens.age import age_on
from forlob.citizens.models import Citizen
from forlob.cluster import selectors
from forlob.cluster.diagnoses import classify
from forlob.cluster.importing import (
    MAX_ERRORS,
    MESSAGE_DISCHARGE_BEFORE_ADMISSION,
    MESSAGE_DUPLICATE_ID,
    MESSAGE_MORE_ERRORS,
    MESSAGE_OTHER_PERSON,
    ParsedEvent,
    parse_file,
)
from forlob.cluster.models import (
    ADMISSION_CODES,
    DISCHARGE_CODES,
    FOLLOW_UP_MIN_AGE,
    AuditCase,
    FollowUpVisit,
    HospitalEvent,
    ImportBatch,
    ImprovementTheme,
    PreventableDiagnosisGroup,
)
from forlob.cluster.pseudonym import person_key
from forlob.core.models import Municipality, User

MESSAGE_IMPORT_REJECTED = gettext_noop(
    "Nothing was imported: correct the file and upload it again."
)
MESSAGE_CONSENT_NEEDS_SCREENING = gettext_noop("Consent requires that the citizen was screened.")
MESSAGE_AGREED_NEEDS_CONSENT = gettext_noop(
    "A visit can only be agreed when the citizen consented."
)
MESSAGE_DONE_NEEDS_AGREED = gettext_noop("Register the agreed visit before the visit done.")
MESSAGE_BEFORE_DISCHARGE = gettext_noop("The date lies before the discharge.")
MESSAGE_IN_FUTURE = gettext_noop("The date lies in the future.")
MESSAGE_DONE_BEFORE_AGREED = gettext_noop("The visit cannot be done before it was agreed.")
MESSAGE_AUDIT_EMPTY = gettext_noop("Choose at least one improvement theme or write the findings.")
MESSAGE_THEME_INACTIVE = gettext_noop("That improvement theme is no longer in use.")
MESSAGE_FINDINGS_TOO_LONG = gettext_noop("Write at most %(max)d characters.")
MESSAGE_NO_MUNICIPALITY = gettext_noop("Your user belongs to no municipality.")

AUDIT_SAMPLE_SIZE = 5
FINDINGS_MAX = 5000
_CHUNK = 2000


# --- import ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    batch: ImportBatch
    created: int
    updated: int
    unchanged: int
    follow_ups: int


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _limited(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_ERRORS:
        return errors
    rest = len(errors) - MAX_ERRORS
    return [*errors[:MAX_ERRORS], _(MESSAGE_MORE_ERRORS) % {"count": rest}]


def _cross_checks(
    events: list[ParsedEvent], keys: dict[str, str], existing: dict[str, HospitalEvent]
) -> list[str]:
    """Errors that need more than one row: duplicate ids, another person, discharge order."""
    errors: list[str] = []
    first_seen: dict[str, ParsedEvent] = {}
    for e in events:
        where = e.fields.get("event_id", e.location)
        if e.identifier in first_seen:
            errors.append(
                f"{where}: "
                + _(MESSAGE_DUPLICATE_ID) % {"other": first_seen[e.identifier].location}
            )
            continue
        first_seen[e.identifier] = e
        old = existing.get(e.identifier)
        if old is not None and old.person_key != keys[e.cpr]:
            errors.append(f"{where}: " + _(MESSAGE_OTHER_PERSON))
    # Admission dates per hospital stay, from the file and from earlier imports.
    encounters = {e.encounter_identifier for e in events if e.encounter_identifier}
    admitted: dict[str, date] = {}
    if encounters:
        for chunk in _chunks(sorted(encounters)):
            for enc, day in HospitalEvent.objects.filter(
                encounter_identifier__in=chunk, activity_code__in=ADMISSION_CODES
            ).values_list("encounter_identifier", "event_date"):
                admitted[enc] = max(admitted.get(enc, day), day)
    for e in events:
        if e.encounter_identifier and e.activity_code in ADMISSION_CODES:
            admitted[e.encounter_identifier] = e.event_date
    for e in events:
        if (
            e.activity_code in DISCHARGE_CODES
            and e.encounter_identifier in admitted
            and e.event_date < admitted[e.encounter_identifier]
        ):
            where = e.fields.get("event_date", e.location)
            errors.append(f"{where}: " + _(MESSAGE_DISCHARGE_BEFORE_ADMISSION))
    return errors


def _qualifies_for_follow_up(event: HospitalEvent) -> bool:
    return event.activity_code in DISCHARGE_CODES and event.age >= FOLLOW_UP_MIN_AGE


_EVENT_FIELDS = (
    "encounter_identifier",
    "activity_code",
    "event_date",
    "municipality_id",
    "citizen_id",
    "person_key",
    "age",
    "sex",
    "sector",
    "diagnosis_code",
    "diagnosis_group",
    "preventable_group_id",
    "source",
)


def hospital_events_import(
    *,
    actor: User | AnonymousUser,
    content: bytes,
    filename: str = "",
    today: date | None = None,
) -> ImportResult:
    """Import a CSV file or FHIR Encounter bundle of hospital events, all or nothing.

    Any error in any row: nothing is written and ``ValidationError`` lists every error with its
    line/column or entry/field path (never a value from the file). Idempotent on the event id:
    an event imported again with the same content is left as it is ("unchanged"), with other
    content it is updated. Events of a CPR number that matches a citizen of the event's
    municipality are linked to that citizen (and the write is audited); the number itself is not
    stored. Inpatient discharges of people aged 78+ get a follow-up home visit row.
    """
    today = today or timezone.localdate()
    parsed = parse_file(content, today=today)
    if parsed.errors:
        raise ValidationError(_limited(parsed.errors), code="import_rejected")

    events = parsed.events
    keys = {cpr: person_key(cpr) for cpr in {e.cpr for e in events}}
    identifiers = [e.identifier for e in events]
    existing: dict[str, HospitalEvent] = {}
    for chunk in _chunks(identifiers):
        existing.update(
            (e.identifier, e) for e in HospitalEvent.objects.filter(identifier__in=chunk)
        )
    errors = _cross_checks(events, keys, existing)
    if errors:
        raise ValidationError(_limited(errors), code="import_rejected")

    citizens: dict[str, tuple[int, int]] = {}
    cprs = sorted(keys)
    for chunk in _chunks(cprs):
        for pk, cpr, municipality_id in Citizen.objects.filter(cpr__in=chunk).values_list(
            "pk", "cpr", "municipality_id"
        ):
            citizens[cpr] = (pk, municipality_id)
    groups = list(PreventableDiagnosisGroup.objects.filter(is_active=True))

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=parsed.source,
            filename=filename[:200],
            imported_by=actor if actor.is_authenticated else None,
        )
        new: list[HospitalEvent] = []
        changed: list[HospitalEvent] = []
        unchanged = 0
        screening: dict[str, tuple[bool | None, bool | None]] = {}
        for e in events:
            linked = citizens.get(e.cpr)
            citizen_id = linked[0] if linked and linked[1] == e.municipality.pk else None
            group = classify(e.diagnosis_code, e.diagnosis_group, groups)
            values = {
                "encounter_identifier": e.encounter_identifier,
                "activity_code": e.activity_code,
                "event_date": e.event_date,
                "municipality_id": e.municipality.pk,
                "citizen_id": citizen_id,
                "person_key": keys[e.cpr],
                "age": age_on(e.birth_date, e.event_date),
                "sex": Citizen.Sex.MALE if e.is_male else Citizen.Sex.FEMALE,
                "sector": e.sector,
                "diagnosis_code": e.diagnosis_code,
                "diagnosis_group": e.diagnosis_group,
                "preventable_group_id": group.pk if group is not None else None,
                "source": parsed.source,
            }
            screening[e.identifier] = (e.screened, e.consent)
            old = existing.get(e.identifier)
            if old is None:
                new.append(HospitalEvent(identifier=e.identifier, batch=batch, **values))
            elif any(getattr(old, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(old, f, v)
                old.batch = batch
                changed.append(old)
            else:
                unchanged += 1
        HospitalEvent.objects.bulk_create(new, batch_size=500)
        if changed:
            HospitalEvent.objects.bulk_update(
                changed, [*_EVENT_FIELDS, "batch", "updated_at"], batch_size=500
            )
        if any(e.pk is None for e in new):  # backends without RETURNING: read the ids back
            ids = {
                i: pk
                for i, pk in HospitalEvent.objects.filter(batch=batch).values_list(
                    "identifier", "pk"
                )
            }
            for e in new:
                e.pk = ids[e.identifier]
        follow_ups = _sync_follow_ups([*new, *changed], list(existing.values()), screening)
        batch.created, batch.updated, batch.unchanged = len(new), len(changed), unchanged
        batch.save(update_fields=["created", "updated", "unchanged"])
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.WRITE,
            operation="hospital_event_import",
            obj=batch,
        )
        for event in (*new, *changed):
            if event.citizen_id is not None:
                audit_record(
                    actor=actor,
                    kind=AccessLog.Kind.WRITE,
                    operation="hospital_event_import",
                    citizen_id=event.citizen_id,
                    obj=event,
                )
    return ImportResult(
        batch=batch,
        created=len(new),
        updated=len(changed),
        unchanged=unchanged,
        follow_ups=follow_ups,
    )


def _sync_follow_ups(
    written: list[HospitalEvent],
    existing: list[HospitalEvent],
    screening: dict[str, tuple[bool | None, bool | None]],
) -> int:
    """A follow-up row for every written inpatient discharge of a person aged 78+.

    The screening and consent in the file are the hospital's: when given they overwrite ours.
    Screening/consent given for an event already written and unchanged are applied too.
    """
    events = {e.pk: e for e in written}
    for e in existing:  # unchanged events may still bring a new screening result
        events.setdefault(e.pk, e)
    current = {
        v.discharge_id: v for v in FollowUpVisit.objects.filter(discharge_id__in=list(events))
    }
    made = 0
    for pk, event in events.items():
        visit = current.get(pk)
        if not _qualifies_for_follow_up(event):
            if visit is not None and visit.visit_agreed_on is None:
                visit.delete()
            continue
        screened, consent = screening.get(event.identifier, (None, None))
        if visit is None:
            FollowUpVisit.objects.create(
                discharge=event,
                municipality_id=event.municipality_id,
                citizen_id=event.citizen_id,
                screened=screened,
                consent=consent,
            )
            made += 1
            continue
        fields = []
        if (visit.municipality_id, visit.citizen_id) != (event.municipality_id, event.citizen_id):
            visit.municipality_id, visit.citizen_id = event.municipality_id, event.citizen_id
            fields += ["municipality", "citizen"]
        if screened is not None and visit.screened != screened:
            visit.screened = screened
            fields.append("screened")
        if consent is not None and visit.consent != consent:
            visit.consent = consent
            fields.append("consent")
        if fields:
            visit.save(update_fields=[*fields, "updated_at"])
    return made


@transaction.atomic
def preventable_reclassify() -> int:
    """Apply the current preventable-diagnosis list to every event; returns how many changed.

    Called when an administrator changes the list, so the figures always follow the list.
    """
    groups = list(PreventableDiagnosisGroup.objects.filter(is_active=True))
    changed = []
    for event in HospitalEvent.objects.only(
        "pk", "diagnosis_code", "diagnosis_group", "preventable_group_id"
    ).iterator(chunk_size=2000):
        group = classify(event.diagnosis_code, event.diagnosis_group, groups)
        new_id = group.pk if group is not None else None
        if event.preventable_group_id != new_id:
            event.preventable_group_id = new_id
            changed.append(event)
    HospitalEvent.objects.bulk_update(changed, ["preventable_group"], batch_size=500)
    return len(changed)


# --- follow-up home visits ------------------------------------------------------------------------


@transaction.atomic
def follow_up_update(
    *,
    actor: User,
    visit: FollowUpVisit,
    screened: bool | None,
    consent: bool | None,
    visit_agreed_on: date | None,
    visit_done_on: date | None,
    today: date | None = None,
) -> FollowUpVisit:
    """Register screening, consent, the agreed visit and the visit done (in that order)."""
    today = today or timezone.localdate()
    discharged = visit.discharge.event_date
    errors: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    if consent and screened is not True:
        add("consent", _(MESSAGE_CONSENT_NEEDS_SCREENING))
    if visit_agreed_on is not None and consent is not True:
        add("visit_agreed_on", _(MESSAGE_AGREED_NEEDS_CONSENT))
    if visit_done_on is not None and visit_agreed_on is None:
        add("visit_done_on", _(MESSAGE_DONE_NEEDS_AGREED))
    for name, value in (("visit_agreed_on", visit_agreed_on), ("visit_done_on", visit_done_on)):
        if value is None:
            continue
        if value < discharged:
            add(name, _(MESSAGE_BEFORE_DISCHARGE))
        elif value > today:
            add(name, _(MESSAGE_IN_FUTURE))
    if visit_agreed_on and visit_done_on and visit_done_on < visit_agreed_on:
        add("visit_done_on", _(MESSAGE_DONE_BEFORE_AGREED))
    if errors:
        raise ValidationError(errors)
    visit.screened = screened
    visit.consent = consent
    visit.visit_agreed_on = visit_agreed_on
    visit.visit_done_on = visit_done_on
    visit.updated_by = actor
    visit.save()
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="follow_up_update",
        citizen_id=visit.citizen_id,
        obj=visit,
    )
    return visit


# --- cross-sector audit ---------------------------------------------------------------------------


def audit_seed(municipality: Municipality, period_start: date, preventable_only: bool) -> str:
    """The random seed of a sample: the same municipality, quarter and choice, the same draw."""
    return f"forlob-audit:{municipality.code}:{period_start.isoformat()}:{int(preventable_only)}"


@transaction.atomic
def audit_sample_draw(
    *, actor: User, period_start: date, preventable_only: bool = False
) -> list[AuditCase]:
    """Draw (once) up to five people with more than 3 admissions in the quarter, for the audit.

    Candidates are ordered by person key, then sampled with a generator seeded by municipality,
    quarter and choice: the same data always gives the same sample. A quarter already drawn is
    not drawn again (its cases and their findings stay).
    """
    if actor.municipality_id is None:
        raise ValidationError(_(MESSAGE_NO_MUNICIPALITY))
    municipality = Municipality.objects.get(pk=actor.municipality_id)
    drawn = list(
        AuditCase.objects.filter(
            municipality=municipality, period_start=period_start, preventable_only=preventable_only
        )
    )
    if drawn:
        return drawn
    candidates = selectors.audit_candidates(
        municipality_id=municipality.pk,
        period_start=period_start,
        preventable_only=preventable_only,
    )
    rng = random.Random(audit_seed(municipality, period_start, preventable_only))
    chosen = rng.sample(candidates, k=min(AUDIT_SAMPLE_SIZE, len(candidates)))
    AuditCase.objects.bulk_create(
        AuditCase(
            municipality=municipality,
            period_start=period_start,
            preventable_only=preventable_only,
            rank=rank,
            person_key=c.person_key,
            citizen_id=c.citizen_id,
            age=c.age,
            sex=c.sex,
            admissions=c.admissions,
            drawn_by=actor,
        )
        for rank, c in enumerate(chosen, start=1)
    )
    cases = list(
        AuditCase.objects.filter(
            municipality=municipality, period_start=period_start, preventable_only=preventable_only
        )
    )
    for case in cases:
        if case.citizen_id is not None:
            audit_record(
                actor=actor,
                kind=AccessLog.Kind.WRITE,
                operation="audit_sample_draw",
                citizen_id=case.citizen_id,
                obj=case,
            )
    return cases


@transaction.atomic
def audit_case_record(
    *,
    actor: User,
    case: AuditCase,
    themes: Sequence[ImprovementTheme],
    findings: str,
    now: datetime | None = None,
) -> AuditCase:
    """Record the audit's improvement themes and findings for one case (replaces earlier ones)."""
    findings = (findings or "").strip()
    if not themes and not findings:
        raise ValidationError(_(MESSAGE_AUDIT_EMPTY))
    if any(not t.is_active for t in themes):
        raise ValidationError({"themes": _(MESSAGE_THEME_INACTIVE)})
    if len(findings) > FINDINGS_MAX:
        raise ValidationError({"findings": _(MESSAGE_FINDINGS_TOO_LONG) % {"max": FINDINGS_MAX}})
    case.findings = findings
    case.recorded_by = actor
    case.recorded_at = now or timezone.now()
    case.save(update_fields=["findings", "recorded_by", "recorded_at"])
    case.themes.set(themes)
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="audit_case_record",
        citizen_id=case.citizen_id,
        obj=case,
    )
    return case
