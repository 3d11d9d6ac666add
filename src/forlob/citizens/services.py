"""Writes on citizens: one use case per service, transactional, audited in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens import cpr as cprlib
from forlob.citizens.models import Citizen, CitizenNote
from forlob.core.models import Municipality, User

MESSAGE_CPR_EXISTS = gettext_noop("A citizen with this CPR number is already registered.")


@transaction.atomic
def citizen_register(
    *,
    actor: User,
    cpr: str,
    first_name: str,
    last_name: str,
    municipality: Municipality,
    phone: str = "",
    email: str = "",
    address: str = "",
    postal_code: str = "",
    city: str = "",
    is_test_person: bool = False,
) -> Citizen:
    """Register a citizen. Birth date and sex are derived from the CPR number."""
    parsed = cprlib.parse(cpr)
    if Citizen.objects.filter(cpr=parsed.digits).exists():
        raise ValidationError({"cpr": _(MESSAGE_CPR_EXISTS)}, code="cpr_exists")
    citizen = Citizen.objects.create(
        cpr=parsed.digits,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=parsed.birth_date,
        sex=Citizen.Sex.MALE if parsed.is_male else Citizen.Sex.FEMALE,
        municipality=municipality,
        phone=phone.strip(),
        email=email.strip(),
        address=address.strip(),
        postal_code=postal_code.strip(),
        city=city.strip(),
        is_test_person=is_test_person,
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="citizen_register",
        citizen=citizen,
        obj=citizen,
    )
    return citizen


@transaction.atomic
def citizen_note_add(*, actor: User, citizen: Citizen, text: str) -> CitizenNote:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a note first.")}, code="empty")
    note = CitizenNote.objects.create(citizen=citizen, author=actor, text=text)
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="citizen_note_add",
        citizen=citizen,
        obj=note,
    )
    return note
