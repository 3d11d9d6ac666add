"""Registering and rejecting referrals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens import cpr as cprlib
from forlob.citizens.models import Citizen
from forlob.citizens.services import citizen_register
from forlob.core.models import Location, Municipality, Team, User
from forlob.referrals import rules
from forlob.referrals.models import Referral, ReferralType

MESSAGE_REQUIRED = gettext_noop("This field is required for this type of referral.")
MESSAGE_RECEIVED_FUTURE = gettext_noop("The referral cannot be received in the future.")
MESSAGE_DISCHARGE_FAR = gettext_noop("The discharge date lies more than 30 days in the future.")
MESSAGE_NOT_NEW = gettext_noop("Only a new referral can be changed this way.")
MESSAGE_CPR_ELSEWHERE = gettext_noop(
    "This CPR number cannot be registered here. Contact the administrator."
)
MESSAGE_NAME_FOR_NEW_CITIZEN = gettext_noop("Required for a citizen who is not registered yet.")
MESSAGE_NO_MUNICIPALITY = gettext_noop(
    "Your user belongs to no municipality, so it cannot register referrals."
)

# Fields each referral type must have, beyond the common ones.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    ReferralType.GOP: ("discharge_date", "gop_level", "diagnosis_area"),
    ReferralType.CHRONIC: ("chronic_disease",),
    ReferralType.COORDINATION: ("coordination_area",),
}
# Fields that make sense only for some types; others are cleared so data stays clean.
ALLOWED_FIELDS: dict[str, tuple[str, ...]] = {
    ReferralType.GOP: ("discharge_date", "gop_level", "diagnosis_area"),
    ReferralType.FREE_PHYSIO: ("diagnosis_area",),
    ReferralType.CHRONIC: ("chronic_disease",),
    ReferralType.COORDINATION: ("coordination_area", "discharge_date"),
    ReferralType.CONCUSSION: (),
    ReferralType.RESOURCE: (),
    ReferralType.EVERYDAY_REHAB: ("discharge_date",),
}
TYPE_SPECIFIC = (
    "discharge_date",
    "gop_level",
    "diagnosis_area",
    "chronic_disease",
    "coordination_area",
)


def referral_validate(
    *, referral_type: ReferralType, received_date: date, today: date, **specific: object
) -> dict[str, object]:
    """Check the type-specific fields; return them cleaned (irrelevant ones blanked).

    Raises ``ValidationError`` mapping field names to Danish messages.
    """
    errors: dict[str, str] = {}
    if received_date > today:
        errors["received_date"] = _(MESSAGE_RECEIVED_FUTURE)
    for field in REQUIRED_FIELDS.get(referral_type.code, ()):
        if not specific.get(field):
            errors[field] = _(MESSAGE_REQUIRED)
    discharge = specific.get("discharge_date")
    if isinstance(discharge, date) and (discharge - today).days > 30:
        errors["discharge_date"] = _(MESSAGE_DISCHARGE_FAR)
    if errors:
        raise ValidationError(errors)
    allowed = ALLOWED_FIELDS.get(referral_type.code, TYPE_SPECIFIC)
    return {
        field: (specific.get(field) or (None if field == "discharge_date" else ""))
        if field in allowed
        else (None if field == "discharge_date" else "")
        for field in TYPE_SPECIFIC
    }


@transaction.atomic
def referral_register(
    *,
    actor: User,
    citizen: Citizen,
    referral_type: ReferralType,
    received_date: date,
    today: date,
    sender: str = "",
    team: Team | None = None,
    diagnosis_text: str = "",
    note: str = "",
    external_id: str | None = None,
    **specific: object,
) -> Referral:
    """Register a referral for ``citizen`` and compute its offer deadline.

    ``specific`` holds the type-specific fields (discharge_date, gop_level, diagnosis_area,
    chronic_disease, coordination_area).
    """
    cleaned = referral_validate(
        referral_type=referral_type, received_date=received_date, today=today, **specific
    )
    deadline = rules.offer_deadline(
        target_days=referral_type.target_days,
        counts_from_discharge=referral_type.deadline_from == ReferralType.DeadlineFrom.DISCHARGE,
        received_date=received_date,
        discharge_date=cleaned["discharge_date"],  # type: ignore[arg-type]
    )
    referral = Referral.objects.create(
        citizen=citizen,
        referral_type=referral_type,
        municipality=citizen.municipality,
        team=team,
        sender=sender.strip(),
        received_date=received_date,
        diagnosis_text=diagnosis_text.strip(),
        note=note.strip(),
        offer_deadline=deadline,
        external_id=external_id,
        created_by=actor if actor.is_authenticated else None,
        **cleaned,
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="referral_register",
        citizen=citizen,
        obj=referral,
    )
    return referral


@transaction.atomic
def referral_register_by_cpr(
    *,
    actor: User,
    cpr: str,
    referral_type: ReferralType,
    received_date: date,
    today: date,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    sender: str = "",
    team: Team | None = None,
    diagnosis_text: str = "",
    note: str = "",
    external_id: str | None = None,
    municipality: Municipality | None = None,
    **specific: object,
) -> Referral:
    """Register a referral for the citizen with this CPR number, registering the citizen if new.

    Intake (the referral form, the API) knows the citizen only by CPR number. A citizen already
    registered in the actor's municipality gets the referral; a number unknown everywhere is
    registered here first, in the same transaction, and then needs a name; a number registered
    in another municipality is refused without saying where (that would leak who lives where).
    ``municipality`` defaults to the actor's (a bulk import from the command line names it).
    """
    municipality = municipality or actor.municipality
    if municipality is None:
        raise ValidationError(_(MESSAGE_NO_MUNICIPALITY), code="no_municipality")
    try:
        digits = cprlib.parse(cpr).digits
    except ValidationError as exc:
        raise ValidationError({"cpr": exc.messages}) from None
    # Intake identifies the citizen by CPR within the municipality; registering the referral is
    # what creates the care relation.
    citizen = Citizen.objects.filter(cpr=digits, municipality=municipality).first()
    if citizen is None:
        if Citizen.objects.filter(cpr=digits).exists():
            raise ValidationError({"cpr": _(MESSAGE_CPR_ELSEWHERE)})
        missing = {
            f: _(MESSAGE_NAME_FOR_NEW_CITIZEN)
            for f, value in (("first_name", first_name), ("last_name", last_name))
            if not value.strip()
        }
        if missing:
            raise ValidationError(missing)
        citizen = citizen_register(
            actor=actor,
            cpr=digits,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            municipality=municipality,
        )
    return referral_register(
        actor=actor,
        citizen=citizen,
        referral_type=referral_type,
        received_date=received_date,
        today=today,
        sender=sender,
        team=team,
        diagnosis_text=diagnosis_text,
        note=note,
        external_id=external_id,
        **specific,
    )


@transaction.atomic
def referral_reject(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Close a referral that will not become a pathway here (other municipality, error, ...)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != Referral.Status.NEW:
        raise ValidationError(_(MESSAGE_NOT_NEW), code="not_new")
    if reason not in Referral.RejectReason.values:
        raise ValidationError({"reason": _(MESSAGE_REQUIRED)})
    referral.status = Referral.Status.REJECTED
    referral.reject_reason = reason
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "reject_reason", "closed_at"])
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="referral_reject",
        citizen_id=referral.citizen_id,
        obj=referral,
        reason=reason,
    )
    return referral


@transaction.atomic
def referral_set_preferences(
    *,
    actor: User,
    referral: Referral,
    preferred_location: Location | None,
    unavailable_weekdays: Iterable[int],
) -> Referral:
    """Record the citizen's wishes for the first appointment (audited as a write)."""
    days = sorted({int(d) for d in unavailable_weekdays if 0 <= int(d) <= 6})
    referral.preferred_location = preferred_location
    referral.unavailable_weekdays = ",".join(str(d) for d in days)
    referral.save(update_fields=["preferred_location", "unavailable_weekdays"])
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="referral_preferences",
        citizen_id=referral.citizen_id,
        obj=referral,
    )
    return referral
