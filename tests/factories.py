"""factory_boy factories: one per aggregate, the defaults a valid, unremarkable row.

Referral types and dropout reasons are seeded by migrations (referrals/0002, pathways/0002);
factories look them up by code rather than creating their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from forlob.citizens import cpr as cprlib
from forlob.citizens.models import Citizen
from forlob.core.choices import DiagnosisArea, GopLevel, Profession, Role
from forlob.core.models import Competency, Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.pathways.models import (
    CLOSED_STATUSES,
    DropoutReason,
    Pathway,
    PathwayStatus,
    PathwayTransition,
)
from forlob.referrals import rules
from forlob.referrals.models import Referral, ReferralType
from forlob.scheduling.models import Absence, Appointment, WorkingHours
from tests.helpers import TODAY, at

# --- CPR numbers ------------------------------------------------------------------------------

# A sequence digit (7th digit) that puts a two-digit year in each century (cpr.century's table).
_CENTURY_DIGIT = {1800: 5, 1900: 0, 2000: 4}


def make_cpr(born: date, serial: int = 123, *, male: bool | None = None) -> str:
    """A valid 10-digit CPR number for someone born on ``born`` (1858–2036).

    ``serial`` fills digits 8–10; ``male`` forces the parity of the last digit.
    """
    century = born.year // 100 * 100
    if century == 2000 and born.year % 100 > 36:
        first = 5  # 5–8 reach 2000–2057
    elif century == 1800:
        first = 5
    else:
        first = _CENTURY_DIGIT[century]
    rest = f"{serial % 1000:03d}"
    if male is not None and (int(rest[-1]) % 2 == 1) != male:
        rest = rest[:-1] + str((int(rest[-1]) + 1) % 10)
    digits = f"{born:%d%m%y}{first}{rest}"
    parsed = cprlib.parse(digits)
    assert parsed.birth_date == born, (digits, born)
    return digits


def _sequence_cpr(n: int) -> str:
    # A different birthday for every n (1930 onwards), so numbers never collide; the last digit
    # alternates, so both sexes occur.
    return make_cpr(date(1930, 1, 1) + timedelta(days=n), serial=100 + n % 900)


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"

# --- organisation -------------------------------------------------------------------------------


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Testkommune {n}")
    # Letters, so they never collide with the real codes the fixtures use ("730", "710").
    code = factory.Sequence(lambda n: "x" + _BASE36[n // 36 % 36] + _BASE36[n % 36])


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Genoptræning {n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Træningscenter {n}")
    address = "Testvej 1"
    opens_at = time(7, 30)
    closes_at = time(16, 0)


def _assign_roles(user: User, create: bool, roles: Iterable[str]) -> None:
    if not create:
        return
    for role in roles:
        RoleAssignment.objects.create(user=user, role=role)
    user.__dict__.pop("role_codes", None)  # cached_property: see the new roles


class UserFactory(DjangoModelFactory):
    """A member of staff. ``roles=[Role.X, ...]`` assigns roles (default: none)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Sequence(lambda n: f"Fornavn{n}")
    last_name = "Testesen"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    # No usable password: tests log in with force_login, and no hashing keeps them fast.
    password = factory.django.Password(None)
    municipality = factory.SubFactory(MunicipalityFactory)
    profession = Profession.PHYSIOTHERAPIST

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Iterable[str] | None, **kwargs: object) -> None:
        _assign_roles(obj, create, extracted or ())


class TherapistFactory(UserFactory):
    """A physiotherapist with the therapist role (pass ``roles=[...]`` to change it)."""

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Iterable[str] | None, **kwargs: object) -> None:
        _assign_roles(obj, create, [Role.THERAPIST] if extracted is None else extracted)


class CompetencyFactory(DjangoModelFactory):
    class Meta:
        model = Competency

    staff = factory.SubFactory(TherapistFactory)
    diagnosis_area = DiagnosisArea.ORTHOPAEDIC
    max_level = GopLevel.ADVANCED


class WorkingHoursFactory(DjangoModelFactory):
    class Meta:
        model = WorkingHours

    staff = factory.SubFactory(TherapistFactory)
    weekday = 0
    start_time = time(8, 0)
    end_time = time(16, 0)
    location = None


def working_week(
    staff: User,
    location: Location | None,
    *,
    start: time = time(8, 0),
    end: time = time(16, 0),
    weekdays: Iterable[int] = range(5),
) -> list[WorkingHours]:
    """Mon–Fri 8–16 at ``location`` (the usual week), or the days and hours given."""
    return [
        WorkingHoursFactory(
            staff=staff, weekday=d, start_time=start, end_time=end, location=location
        )
        for d in weekdays
    ]


class AbsenceFactory(DjangoModelFactory):
    class Meta:
        model = Absence

    staff = factory.SubFactory(TherapistFactory)
    start_date = TODAY
    end_date = factory.SelfAttribute("start_date")
    kind = Absence.Kind.HOLIDAY


# --- citizens, referrals, pathways ----------------------------------------------------------------


class CitizenFactory(DjangoModelFactory):
    """A test citizen with a valid, unique CPR number; birth date and sex follow from it."""

    class Meta:
        model = Citizen

    cpr = factory.Sequence(_sequence_cpr)
    first_name = factory.Sequence(lambda n: f"Borger{n}")
    last_name = "Testsen"
    birth_date = factory.LazyAttribute(lambda o: cprlib.parse(o.cpr).birth_date)
    sex = factory.LazyAttribute(
        lambda o: Citizen.Sex.MALE if cprlib.parse(o.cpr).is_male else Citizen.Sex.FEMALE
    )
    phone = "12345678"
    municipality = factory.SubFactory(MunicipalityFactory)
    is_test_person = True


def referral_type(code: str) -> ReferralType:
    """A seeded referral type (referrals/migrations/0002) by its stable code."""
    return ReferralType.objects.get(code=code)


def dropout_reason(code: str = "no_need_citizen") -> DropoutReason:
    """A seeded dropout reason (pathways/migrations/0002) by its code."""
    return DropoutReason.objects.get(code=code)


def _deadline(o: object) -> date | None:
    rt: ReferralType = o.referral_type  # type: ignore[attr-defined]
    return rules.offer_deadline(
        target_days=rt.target_days,
        counts_from_discharge=rt.deadline_from == ReferralType.DeadlineFrom.DISCHARGE,
        received_date=o.received_date,  # type: ignore[attr-defined]
        discharge_date=o.discharge_date,  # type: ignore[attr-defined]
    )


class ReferralFactory(DjangoModelFactory):
    """A referral written directly (no audit row); ``type_code`` picks the seeded type.

    The default is a GOP received today for a citizen discharged today, so its deadline is in
    7 days. Use ``register_referral`` to go through the service instead.
    """

    class Meta:
        model = Referral

    class Params:
        type_code = ReferralType.GOP
        is_gop = factory.LazyAttribute(lambda o: o.type_code == ReferralType.GOP)

    citizen = factory.SubFactory(CitizenFactory)
    referral_type = factory.LazyAttribute(lambda o: referral_type(o.type_code))
    municipality = factory.SelfAttribute("citizen.municipality")
    sender = "Regionshospitalet, Ortopædkirurgisk afd."
    received_date = TODAY
    discharge_date = factory.LazyAttribute(lambda o: o.received_date if o.is_gop else None)
    gop_level = factory.LazyAttribute(lambda o: GopLevel.BASAL if o.is_gop else "")
    diagnosis_area = factory.LazyAttribute(lambda o: DiagnosisArea.ORTHOPAEDIC if o.is_gop else "")
    offer_deadline = factory.LazyAttribute(_deadline)
    status = Referral.Status.NEW


def register_referral(
    *,
    actor: User,
    citizen: Citizen,
    type_code: str = ReferralType.GOP,
    received_date: date = TODAY,
    today: date = TODAY,
    **specific: object,
) -> Referral:
    """A referral through the service ``referral_register`` (validated, deadline computed)."""
    from forlob.referrals.services import referral_register

    if type_code == ReferralType.GOP:
        specific.setdefault("discharge_date", received_date)
        specific.setdefault("gop_level", GopLevel.BASAL)
        specific.setdefault("diagnosis_area", DiagnosisArea.ORTHOPAEDIC)
    return referral_register(
        actor=actor,
        citizen=citizen,
        referral_type=referral_type(type_code),
        received_date=received_date,
        today=today,
        **specific,
    )


class PathwayFactory(DjangoModelFactory):
    """A pathway made from a referral (marked accepted), with its first history row."""

    class Meta:
        model = Pathway
        skip_postgeneration_save = True

    referral = factory.SubFactory(ReferralFactory, status=Referral.Status.ACCEPTED)
    citizen = factory.SelfAttribute("referral.citizen")
    pathway_type = factory.SelfAttribute("referral.referral_type")
    municipality = factory.SelfAttribute("referral.municipality")
    offer_deadline = factory.SelfAttribute("referral.offer_deadline")
    status = PathwayStatus.REFERRED
    responsible = None
    team = None
    ended_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status in CLOSED_STATUSES else None
    )

    @factory.post_generation
    def history(obj: Pathway, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        if obj.referral is not None and obj.referral.status != Referral.Status.ACCEPTED:
            obj.referral.status = Referral.Status.ACCEPTED
            obj.referral.save(update_fields=["status"])
        PathwayTransition.objects.create(
            pathway=obj, from_status="", to_status=PathwayStatus.REFERRED, at=obj.created_at
        )


class AppointmentFactory(DjangoModelFactory):
    """An appointment written directly (bypassing appointment_book's checks)."""

    class Meta:
        model = Appointment

    pathway = factory.SubFactory(PathwayFactory)
    citizen = factory.SelfAttribute("pathway.citizen")
    staff = factory.SubFactory(TherapistFactory)
    location = factory.SubFactory(LocationFactory)
    start = factory.LazyFunction(lambda: at(TODAY, 10))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=60))


def gop_form(*, cpr: str, **overrides: object) -> dict[str, object]:
    """A valid POST body for the referral form: a GOP for a citizen new to us."""
    data = {
        "cpr": cpr,
        "first_name": "Jens",
        "last_name": "Hansen",
        "phone": "87654321",
        "referral_type": referral_type(ReferralType.GOP).pk,
        "received_date": TODAY.isoformat(),
        "discharge_date": (TODAY - timedelta(days=1)).isoformat(),
        "gop_level": "basal",
        "diagnosis_area": "orthopaedic",
        "chronic_disease": "",
        "coordination_area": "",
        "sender": "Regionshospitalet Randers",
        "diagnosis_text": "Hoftealloplastik",
        "team": "",
        "note": "",
    }
    data.update(overrides)
    return data


# --- notifications ----------------------------------------------------------------------------


class OutboundMessageFactory(DjangoModelFactory):
    """An SMS to the citizen, written directly (``message_queue`` is the service)."""

    class Meta:
        model = "notifications.OutboundMessage"

    citizen = factory.SubFactory(CitizenFactory)
    channel = "sms"
    recipient = "4512345678"
    body = "Påmindelse: Du har en aftale hos Genoptræningen, Sundhedshuset, tirsdag kl. 10.00."
    purpose = "other"
    due_at = factory.LazyFunction(lambda: at(TODAY, 9))
    status = "queued"
