"""The synthetic demo municipality: Randers Kommune's rehabilitation unit with a year of history.

``generate()`` builds, inside one transaction:

* the organisation: municipality, unit, four teams, three training locations;
* 37 staff (23 physiotherapists, 4 occupational therapists, nurses, coordinators, a manager, an
  analyst, an administrator, an assessor) with roles, competencies, working hours and absences
  (summer holidays, Christmas, public holidays, courses, sick days);
* one year of referrals ending ``today`` at the volumes of DOMAIN.md, with seasonal dips in July
  and December, that became pathways with status history and appointments;
* a live intake inbox (new referrals, a few overdue, a few plans that arrived after discharge).

Same ``seed`` and ``today``, same data (password hashes aside: they are salted).

Citizens are synthetic test persons (``is_test_person=True``): Danish names drawn from short
lists, addresses in Randers postal codes, CPR numbers valid in form only (real date of birth,
century digit consistent with the birth year, last digit odd for men and even for women). They
get no e-mail address, and most get a mobile number starting with 01: Danish numbers starting
with 0 are never assigned to subscribers, so a reminder can never reach a real person by mistake.

History is written with ``bulk_create``, not through the services, for speed and because the
services refuse the past ("cannot book in the past"). The generator therefore keeps the services'
invariants itself: pathways move only along ``pathways.services.TRANSITIONS`` with one
``PathwayTransition`` per move; the first booked time is the first offer and stays so if declined;
appointments never overlap per therapist and lie inside the therapist's working hours, the
location's opening hours and outside absences (a per-therapist, per-day slot allocator on the
same 15-minute grid as ``scheduling.selectors.free_slots``).

No ``AccessLog`` rows are written: the audit log records what *people* did with citizen data, and
the generator is the system, not a person. Rows for generation would flood every citizen's access
insight ("who has looked at my record") with entries nobody caused.
"""

from __future__ import annotations

import contextlib
import random
import time as clock
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from forlob.citizens.models import Citizen
from forlob.core.choices import GOP_LEVEL_RANK, DiagnosisArea, GopLevel, Profession, Role
from forlob.core.models import Competency, Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.demo.extensions import extensions
from forlob.pathways.models import DropoutReason, Pathway, PathwayStatus, PathwayTransition
from forlob.pathways.services import TRANSITIONS
from forlob.referrals import rules
from forlob.referrals.models import ChronicDisease, CoordinationArea, Referral, ReferralType
from forlob.scheduling.models import Absence, Appointment, AppointmentStatus, WorkingHours

T = TypeVar("T")
S = PathwayStatus
A = AppointmentStatus
COPENHAGEN = rules.COPENHAGEN

PASSWORD = "forlob-demo-2026"
MUNICIPALITY_NAME = "Randers Kommune"
MUNICIPALITY_CODE = "730"
UNIT_NAME = "Sundhed og Genoptræning"

HISTORY_DAYS = 364  # the flow of referrals: received from today - 364 to yesterday
INBOX_DAYS = 10  # the live inbox: received within the last 10 days, not yet handled
HORIZON_DAYS = 150  # calendars (absences) reach this far ahead; bookings stay well inside
GRID = 15  # minutes; the same grid as scheduling.selectors.free_slots


# --- the public result --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    who: str
    password: str = PASSWORD


# The logins `make run` prints. Every other member of staff has an unusable password (they exist
# for calendars, responsibility and history, not to log in).
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("terapeut", Role.THERAPIST, "physiotherapist, Team Ortopædi"),
    DemoLogin("koordinator", Role.COORDINATOR, "care coordinator, Team Kronisk sygdom"),
    DemoLogin("leder", Role.MANAGER, "unit manager: key figures, no citizen records"),
    DemoLogin("analytiker", Role.ANALYST, "key figures and data"),
    DemoLogin("admin", Role.ADMIN, "administration, also /admin/"),
    DemoLogin("visitator", Role.ASSESSOR, "registers referrals (everyday rehabilitation)"),
    DemoLogin("neuropsykolog", Role.THERAPIST, "neuropsychologist, leads GAIN classes"),
    # Made by forlob.demo.homecare (home-care providers' staff):
    DemoLogin("privat", Role.PROVIDER_STAFF, "private home-care provider: its citizens only"),
    DemoLogin("hjemmepleje", Role.HOMECARE_WORKER, "municipal home care: driving list"),
)


@dataclass
class DemoSummary:
    seed: int
    today: date
    scale: float
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)  # rows written per model
    referrals_by_type: dict[str, int] = field(default_factory=dict)
    pathways_by_status: dict[str, int] = field(default_factory=dict)
    appointments_by_status: dict[str, int] = field(default_factory=dict)
    inbox: int = 0  # new referrals waiting for a pathway
    inbox_overdue: int = 0  # ... whose offer deadline has passed
    future_appointments: int = 0  # booked, from today on
    gop_within_deadline: float | None = None  # share of decided GOPs offered within 7 days
    logins: tuple[DemoLogin, ...] = DEMO_LOGINS


class DemoAlreadyExists(Exception):
    """The demo municipality is already in the database; generate into an empty one."""


# --- the organisation ---------------------------------------------------------------------------

TEAMS = {
    "ortho": "Team Ortopædi",
    "medical": "Team Medicin",
    "neuro": "Team Neurologi",
    "chronic": "Team Kronisk sygdom & koordination",
}
LOCATIONS = {
    "hus": ("Sundhedshuset Randers", "Jernbanegade 20, 8900 Randers C"),
    "nord": ("Træningscenter Nord", "Hobrovej 120, 8920 Randers NV"),
    "syd": ("Træningscenter Syd", "Århusvej 88, 8940 Randers SV"),
}
OPENS, CLOSES = time(7, 30), time(16, 0)

# Working weeks in minutes after midnight, per weekday (0 = Monday); all inside opening hours.
PATTERNS: dict[str, dict[int, tuple[int, int]]] = {
    "full": {0: (450, 930), 1: (450, 930), 2: (450, 930), 3: (450, 930), 4: (450, 870)},
    "full8": {0: (480, 960), 1: (480, 960), 2: (480, 960), 3: (480, 960), 4: (480, 840)},
    "part4": {0: (480, 900), 1: (480, 900), 3: (480, 900), 4: (480, 840)},  # Wednesdays off
    "short": {d: (480, 810) for d in range(5)},  # 8:00-13:30
}
DAILY_CAP = {"full": 6, "full8": 6, "part4": 5, "short": 4}  # appointments per day at most

_AREA = {
    "O": DiagnosisArea.ORTHOPAEDIC,
    "M": DiagnosisArea.MEDICAL,
    "N": DiagnosisArea.NEUROLOGICAL,
}
_LEVEL = {"b": GopLevel.BASAL, "a": GopLevel.ADVANCED, "s": GopLevel.SPECIALISED}

PHYSIO, OT, NURSE = Profession.PHYSIOTHERAPIST, Profession.OCCUPATIONAL_THERAPIST, Profession.NURSE


@dataclass(frozen=True)
class StaffSpec:
    first: str
    last: str
    profession: str
    role: str
    team: str | None
    pattern: str = "full"
    home: str = "hus"
    away_day: int | None = None  # weekday spent at ``away``
    away: str = "nord"
    skills: str = ""  # "O:a M:b": orthopaedic up to advanced, medical basal
    username: str = ""  # demo login; others get first.last

    @property
    def competencies(self) -> list[tuple[str, str]]:
        return [(_AREA[s[0]], _LEVEL[s[2]]) for s in self.skills.split()]


TH = Role.THERAPIST
STAFF: tuple[StaffSpec, ...] = (
    # Team Ortopædi: 9 physiotherapists, two specialised.
    StaffSpec("Mette", "Kristensen", PHYSIO, TH, "ortho", skills="O:a M:b", username="terapeut"),
    StaffSpec("Jonas", "Holm", PHYSIO, TH, "ortho", "full8", away_day=2, skills="O:s M:b"),
    StaffSpec("Line", "Vestergaard", PHYSIO, TH, "ortho", skills="O:s"),
    StaffSpec("Rasmus", "Lund", PHYSIO, TH, "ortho", "full8", "nord", skills="O:a M:b"),
    StaffSpec("Camilla", "Bach", PHYSIO, TH, "ortho", "part4", skills="O:a"),
    StaffSpec("Søren", "Dahl", PHYSIO, TH, "ortho", home="nord", skills="O:a M:b"),
    StaffSpec("Louise", "Frandsen", PHYSIO, TH, "ortho", "full8", away_day=4, skills="O:b M:b"),
    StaffSpec("Anders", "Nørgaard", PHYSIO, TH, "ortho", "short", "syd", skills="O:b"),
    StaffSpec("Signe", "Bruun", PHYSIO, TH, "ortho", away_day=1, away="syd", skills="O:b"),
    # Team Medicin: 6 physiotherapists and an occupational therapist (also everyday rehab).
    StaffSpec("Henrik", "Skov", PHYSIO, TH, "medical", home="nord", skills="M:s O:b"),
    StaffSpec("Marianne", "Friis", PHYSIO, TH, "medical", "full8", "nord", skills="M:a"),
    StaffSpec("Kasper", "Overgaard", PHYSIO, TH, "medical", home="nord", skills="M:a O:b"),
    StaffSpec("Tina", "Laursen", PHYSIO, TH, "medical", "part4", "nord", skills="M:b"),
    StaffSpec("Morten", "Jessen", PHYSIO, TH, "medical", away_day=0, skills="M:b O:b"),
    StaffSpec("Julie", "Mikkelsen", PHYSIO, TH, "medical", "full8", "nord", skills="M:b N:b"),
    StaffSpec("Pia", "Kjær", OT, TH, "medical", "full8", "nord", skills="M:b"),
    # Team Neurologi: 4 physiotherapists and 2 occupational therapists, three specialised.
    StaffSpec("Lars", "Søndergaard", PHYSIO, TH, "neuro", home="syd", skills="N:s M:b"),
    StaffSpec("Anne", "Østergaard", PHYSIO, TH, "neuro", "full8", "syd", skills="N:s"),
    StaffSpec("Mikkel", "Dam", PHYSIO, TH, "neuro", home="syd", away_day=3, skills="N:a M:b"),
    StaffSpec("Sofie", "Berg", PHYSIO, TH, "neuro", "part4", "syd", skills="N:a"),
    StaffSpec("Helle", "Kjeldsen", OT, TH, "neuro", home="syd", skills="N:s"),
    StaffSpec("Martin", "Iversen", OT, TH, "neuro", "full8", "syd", skills="N:a"),
    # Team Kronisk sygdom & koordination: 4 physiotherapists, an OT, 3 nurses, 3 coordinators.
    StaffSpec("Ida", "Mortensen", PHYSIO, TH, "chronic", skills="M:b"),
    StaffSpec("Thomas", "Clausen", PHYSIO, TH, "chronic", "full8", skills="M:b O:b"),
    StaffSpec("Rikke", "Lauridsen", PHYSIO, TH, "chronic", away_day=2, skills="M:a"),
    StaffSpec("Peter", "Simonsen", PHYSIO, TH, "chronic", "short", skills="M:b"),
    StaffSpec("Lene", "Jeppesen", OT, TH, "chronic", "part4", skills="M:b"),
    StaffSpec("Susanne", "Poulsen", NURSE, Role.NURSE, "chronic"),
    StaffSpec("Charlotte", "Eriksen", NURSE, Role.NURSE, "chronic", "full8"),
    StaffSpec("Dorthe", "Madsen", NURSE, Role.NURSE, "chronic", "part4"),
    StaffSpec("Hanne", "Thomsen", NURSE, Role.COORDINATOR, "chronic", username="koordinator"),
    StaffSpec("Niels", "Frederiksen", NURSE, Role.COORDINATOR, "chronic", "full8"),
    StaffSpec("Karen", "Andreasen", NURSE, Role.COORDINATOR, "chronic", away_day=3),
    # The unit: no team, no citizens of their own.
    StaffSpec("Kirsten", "Mogensen", Profession.OTHER, Role.MANAGER, None, username="leder"),
    StaffSpec(
        "Jesper",
        "Schmidt",
        Profession.ADMINISTRATIVE,
        Role.ANALYST,
        None,
        "full8",
        username="analytiker",
    ),
    StaffSpec("Maria", "Nissen", Profession.ADMINISTRATIVE, Role.ADMIN, None, username="admin"),
    StaffSpec("Gitte", "Svendsen", Profession.ASSESSOR, Role.ASSESSOR, None, username="visitator"),
)

# --- referral volumes and how each kind of pathway runs ------------------------------------------

VOLUMES: dict[str, int] = {  # per year at scale 1.0 (Randers 2017, DOMAIN.md)
    ReferralType.GOP: 1200,
    ReferralType.FREE_PHYSIO: 60,
    ReferralType.CHRONIC: 700,
    ReferralType.COORDINATION: 600,
    ReferralType.RESOURCE: 110,
    ReferralType.CONCUSSION: 40,
    ReferralType.EVERYDAY_REHAB: 150,
}


@dataclass(frozen=True)
class Course:
    """How a pathway of one type runs: waiting time, follow-up times, their spacing."""

    wait: tuple[int, int]  # days from booking to the first time (types without a deadline)
    follow_ups: tuple[int, int]  # number of times after the first
    spacing: tuple[int, int]  # days between times
    minutes: int  # length of a follow-up time


COURSES: dict[str, Course] = {
    ReferralType.GOP: Course((1, 7), (3, 5), (5, 9), 45),
    ReferralType.FREE_PHYSIO: Course((5, 25), (4, 8), (10, 16), 45),
    ReferralType.CHRONIC: Course((7, 28), (1, 2), (28, 42), 45),  # group classes between
    ReferralType.COORDINATION: Course((2, 10), (1, 3), (21, 42), 30),
    ReferralType.RESOURCE: Course((5, 20), (2, 4), (10, 18), 60),
    ReferralType.CONCUSSION: Course((7, 28), (4, 5), (9, 12), 30),  # the 5 individual talks
    ReferralType.EVERYDAY_REHAB: Course((1, 4), (2, 2), (28, 40), 60),  # mid-way and end
}
GOP_EXTRA_FOLLOW_UPS = {GopLevel.BASAL: 0, GopLevel.ADVANCED: 1, GopLevel.SPECIALISED: 3}

# Arrivals: a normal month is 1.0; July and December dip (holidays at hospitals and GPs).
MONTH_WEIGHT = {7: 0.6, 12: 0.75}
WEEKDAY_WEIGHT = (1.25, 1.15, 1.1, 1.1, 1.0, 0.1, 0.06)
# Chance that a GOP is *aimed* within its deadline, by month of discharge: holidays hurt.
GOP_AIM_WITHIN = {6: 0.9, 7: 0.76, 8: 0.9, 12: 0.83}
GOP_AIM_WITHIN_DEFAULT = 0.95

GOP_AREAS = (
    (DiagnosisArea.ORTHOPAEDIC, 55),
    (DiagnosisArea.MEDICAL, 30),
    (DiagnosisArea.NEUROLOGICAL, 15),
)
_B, _A, _S = GopLevel.BASAL, GopLevel.ADVANCED, GopLevel.SPECIALISED
GOP_LEVELS = {
    DiagnosisArea.ORTHOPAEDIC: ((_B, 82), (_A, 16), (_S, 2)),
    DiagnosisArea.MEDICAL: ((_B, 85), (_A, 13), (_S, 2)),
    DiagnosisArea.NEUROLOGICAL: ((_B, 58), (_A, 32), (_S, 10)),
}
CHRONIC_MIX = (
    (ChronicDisease.CANCER, 20),
    (ChronicDisease.COPD, 22),
    (ChronicDisease.CARDIOVASCULAR, 20),
    (ChronicDisease.DIABETES, 18),
    (ChronicDisease.LOW_BACK, 20),
)
COORDINATION_MIX = (
    (CoordinationArea.CANCER, 45),
    (CoordinationArea.BRAIN_INJURY, 25),
    (CoordinationArea.SICK_LISTED, 30),
)
# Age (mean, sd, min, max) and share of women, per kind of referral.
AGES: dict[str, tuple[float, float, int, int, float]] = {
    DiagnosisArea.ORTHOPAEDIC: (73, 11, 35, 98, 0.62),
    DiagnosisArea.MEDICAL: (78, 9, 45, 99, 0.52),
    DiagnosisArea.NEUROLOGICAL: (68, 12, 25, 95, 0.46),
    ReferralType.FREE_PHYSIO: (58, 15, 20, 90, 0.55),
    ReferralType.CHRONIC: (66, 10, 35, 90, 0.5),
    CoordinationArea.CANCER: (66, 11, 30, 92, 0.52),
    CoordinationArea.BRAIN_INJURY: (58, 15, 20, 90, 0.45),
    CoordinationArea.SICK_LISTED: (45, 10, 22, 64, 0.55),
    ReferralType.RESOURCE: (42, 9, 22, 62, 0.6),
    ReferralType.CONCUSSION: (36, 11, 18, 62, 0.6),
    ReferralType.EVERYDAY_REHAB: (82, 7, 65, 100, 0.66),
}
OUTCOMES = (("complete", 84), ("dropout", 13), ("cancel", 3))
REJECT_SHARE = 0.025
REJECT_REASONS = (
    (Referral.RejectReason.OTHER_MUNICIPALITY, 40),
    (Referral.RejectReason.SENT_IN_ERROR, 30),
    (Referral.RejectReason.DUPLICATE, 20),
    (Referral.RejectReason.FREE_CHOICE, 10),  # GOP only
)
DROPOUT_REASONS = (
    ("no_contact_or_no_show", 20),
    ("opt_out_other_illness", 18),
    ("no_need_citizen", 15),
    ("opt_out_general", 12),
    ("event_ends_pathway", 10),
    ("no_need_professional", 8),
    ("opt_out_other_training", 8),
    ("opt_out_transport_cost", 5),
    ("opt_out_transport_logistics", 4),
)
CANCEL_NOTES = (
    "Genindlagt på hospital",
    "Fraflyttet kommunen",
    "Henvisningen trukket tilbage af afsender",
)
REUSE_CITIZEN = 0.12  # share of referrals for a citizen who already had one

# --- names, places, senders, diagnoses ----------------------------------------------------------

WOMEN_OLDER = (
    "Anna", "Karen", "Kirsten", "Hanne", "Inge", "Grethe", "Bente", "Birthe", "Jytte", "Else",
    "Ruth", "Lis", "Ingrid", "Gerda", "Ellen", "Edith", "Erna", "Marianne", "Lone", "Susanne",
    "Birgit", "Ulla", "Gitte", "Tove", "Aase", "Ella", "Dorthe", "Vibeke", "Lene", "Jonna",
)  # fmt: skip
WOMEN_YOUNGER = (
    "Mette", "Camilla", "Louise", "Charlotte", "Maria", "Helle", "Pia", "Tina", "Rikke", "Sofie",
    "Julie", "Ida", "Emma", "Laura", "Sara", "Signe", "Line", "Christina", "Nanna", "Cecilie",
    "Anne", "Katrine", "Trine", "Maja", "Freja", "Mathilde", "Caroline", "Stine", "Sanne", "Malene",
)  # fmt: skip
MEN_OLDER = (
    "Jens", "Niels", "Hans", "Poul", "Erik", "Ole", "Knud", "Bent", "Finn", "Jørgen",
    "Kurt", "Flemming", "Svend", "Leif", "Arne", "Preben", "Erling", "Villy", "Aage", "Carl",
    "Børge", "Kaj", "Henning", "Bjarne", "Per", "Torben", "Gunnar", "Frede", "Egon", "Verner",
)  # fmt: skip
MEN_YOUNGER = (
    "Peter", "Lars", "Michael", "Henrik", "Thomas", "Søren", "Jan", "Christian", "Martin",
    "Anders", "Morten", "Jesper", "Mads", "Rasmus", "Mikkel", "Kasper", "Jonas", "Frederik",
    "Simon", "Nikolaj", "Kim", "Brian", "Jacob", "Emil", "Mathias", "Tobias", "Oliver", "Lasse",
    "Steffen", "Allan",
)  # fmt: skip
LAST_NAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen", "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen",
    "Holm", "Kristiansen", "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen",
    "Mogensen", "Jespersen", "Nissen", "Lauridsen", "Kjær", "Jepsen", "Frandsen", "Østergaard",
    "Jessen", "Skov", "Dam", "Søndergaard", "Vestergaard", "Bach", "Nørgaard", "Kjeldsen",
    "Bruun", "Berg", "Overgaard", "Dahl", "Friis", "Bertelsen",
)  # fmt: skip
POSTAL = (  # code, city, weight
    ("8900", "Randers C", 34),
    ("8920", "Randers NV", 16),
    ("8930", "Randers NØ", 16),
    ("8940", "Randers SV", 12),
    ("8960", "Randers SØ", 12),
    ("8970", "Havndal", 3),
    ("8981", "Spentrup", 4),
    ("8983", "Gjerlev J", 3),
)
STREETS = (
    "Vestergade", "Østergade", "Nørregade", "Søndergade", "Kirkegade", "Brødregade", "Middelgade",
    "Rådhusgade", "Jernbanegade", "Houmeden", "Tøjhushaven", "Skovvej", "Birkevej", "Egevej",
    "Lindevej", "Ahornvej", "Bøgevej", "Engvej", "Møllevej", "Bakkevej", "Kirkevej", "Skolevej",
    "Rosenvænget", "Violvej", "Mariagervej", "Viborgvej", "Hobrovej", "Århusvej", "Hadsundvej",
    "Grenåvej", "Vorup Boulevard", "Dronningborg Boulevard", "Tjærbyvej", "Kristrupvej",
    "Strandvejen", "Fabrikvej", "Tøjhusgade", "Lystrupvej", "Sønderbrogade", "Parkvej",
)  # fmt: skip
HOSPITAL = "Regionshospitalet Randers"
SENDERS: dict[str, Sequence[tuple[str, float]]] = {
    DiagnosisArea.ORTHOPAEDIC: (
        (f"{HOSPITAL}, Ortopædkirurgisk Afdeling", 75),
        ("Aarhus Universitetshospital, Ortopædkirurgi", 20),
        ("Regionshospitalet Silkeborg, Ortopædkirurgi", 5),
    ),
    DiagnosisArea.MEDICAL: (
        (f"{HOSPITAL}, Medicinsk Afdeling", 80),
        (f"{HOSPITAL}, Akutafdelingen", 12),
        ("Aarhus Universitetshospital, Lungesygdomme", 8),
    ),
    DiagnosisArea.NEUROLOGICAL: (
        ("Aarhus Universitetshospital, Neurologi", 55),
        ("Regionshospitalet Hammel Neurocenter", 35),
        (f"{HOSPITAL}, Medicinsk Afdeling", 10),
    ),
    "gp": (
        ("Lægerne Vestergade, Randers", 20),
        ("Lægehuset i Vorup", 15),
        ("Lægecenter Randers Nord", 20),
        ("Lægerne Østervold", 20),
        ("Lægehuset Spentrup", 10),
        ("Lægerne i Assentoft", 15),
    ),
    CoordinationArea.CANCER: (
        (f"{HOSPITAL}, Kræftafsnittet", 60),
        ("Aarhus Universitetshospital, Kræftafdelingen", 40),
    ),
    CoordinationArea.BRAIN_INJURY: (
        ("Regionshospitalet Hammel Neurocenter", 70),
        ("Aarhus Universitetshospital, Neurologi", 30),
    ),
    CoordinationArea.SICK_LISTED: (("Jobcenter Randers, Aktiv Sygemeldt", 100),),
    ReferralType.RESOURCE: (("Jobcenter Randers, Rehabiliteringsteamet", 100),),
    ReferralType.CONCUSSION: (
        ("Regionshospitalet Hammel Neurocenter", 40),
        ("Lægerne Vestergade, Randers", 30),
        ("Lægecenter Randers Nord", 30),
    ),
    ReferralType.EVERYDAY_REHAB: (("Visitationen, Randers Kommune", 100),),
}
DIAGNOSES: dict[str, tuple[str, ...]] = {
    DiagnosisArea.ORTHOPAEDIC: (
        "Total hoftealloplastik",
        "Total knæalloplastik",
        "Collum femoris-fraktur",
        "Pertrokantær femurfraktur",
        "Distal radiusfraktur",
        "Proksimal humerusfraktur",
        "Ankelfraktur",
        "Skulderalloplastik",
        "Lumbal stenose, opereret",
        "Bækkenfraktur",
    ),
    DiagnosisArea.MEDICAL: (
        "KOL i exacerbation",
        "Pneumoni med almen svækkelse",
        "Hjertesvigt",
        "Dekonditionering efter længere indlæggelse",
        "Sepsis, efterforløb",
        "Urinvejsinfektion med funktionstab",
        "Faldtendens, udredt",
    ),
    DiagnosisArea.NEUROLOGICAL: (
        "Apopleksi (iskæmisk)",
        "Hjerneblødning",
        "Traumatisk hjerneskade",
        "Parkinsons sygdom, forværring",
        "Multipel sklerose, attak",
        "Guillain-Barré syndrom",
    ),
    ReferralType.FREE_PHYSIO: (
        "Multipel sklerose",
        "Parkinsons sygdom",
        "Cerebral parese",
        "Leddegigt",
        "Muskelsvind",
        "Følger efter polio",
    ),
    ChronicDisease.CANCER: (
        "Brystkræft, efter behandling",
        "Tarmkræft, efter operation",
        "Prostatakræft",
    ),
    ChronicDisease.COPD: ("KOL, moderat", "KOL, svær"),
    ChronicDisease.CARDIOVASCULAR: (
        "Iskæmisk hjertesygdom",
        "Hjertesvigt",
        "Efter blodprop i hjertet",
    ),
    ChronicDisease.DIABETES: ("Type 2-diabetes",),
    ChronicDisease.LOW_BACK: ("Lændesmerter, uspecifikke", "Diskusprolaps, ikke opereret"),
    CoordinationArea.CANCER: ("Lungekræft", "Tarmkræft", "Brystkræft", "Kræft i bugspytkirtlen"),
    CoordinationArea.BRAIN_INJURY: ("Apopleksi med kognitive følger", "Traumatisk hjerneskade"),
    CoordinationArea.SICK_LISTED: ("Sygemeldt efter hjernerystelse", "Sygemeldt efter apopleksi"),
    ReferralType.RESOURCE: (
        "Kroniske smerter",
        "Stress og angst",
        "Depression, let til moderat",
        "Fibromyalgi",
    ),
    ReferralType.CONCUSSION: ("Hjernerystelse med vedvarende symptomer",),
    ReferralType.EVERYDAY_REHAB: (
        "Faldet funktionsevne efter indlæggelse",
        "Nedsat gangfunktion",
        "Ansøgning om hjælp til personlig pleje",
        "Revisitation: øget behov for hjælp",
    ),
}


# --- small helpers --------------------------------------------------------------------------------


def _at(day: date, minute: int) -> datetime:
    """An aware datetime ``minute`` minutes after midnight on ``day`` in Copenhagen."""
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=COPENHAGEN)


def _days(start: date, end: date) -> Iterator[date]:
    """``start`` to ``end`` inclusive."""
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def public_holidays(year: int) -> list[date]:
    """Days the training centres are closed: Danish public holidays plus Christmas Eve, New
    Year's Eve and Constitution Day (closed by agreement). Great Prayer Day is gone since 2024."""
    easter = _easter(year)
    offsets = (-3, -2, -1, 0, 1, 39, 49, 50)  # Maundy Thursday .. Whit Monday (Sat bridges Easter)
    days = [easter + timedelta(days=o) for o in offsets]
    if year < 2024:
        days.append(easter + timedelta(days=26))
    days += [date(year, 1, 1), date(year, 6, 5), *(date(year, 12, d) for d in (24, 25, 26, 31))]
    return sorted(days)


def _ascii(name: str) -> str:
    return name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace(" ", "")


@contextlib.contextmanager
def _keep_given_created_at() -> Iterator[None]:
    """Let ``bulk_create`` keep the ``created_at`` the generator sets: history lies in the past.

    ``auto_now_add`` would stamp every row with the moment of generation, so a referral received
    in March would say it was registered today. The flag is switched off only while the
    generator runs (a management command or a test, one thread) and restored whatever happens.
    """
    fields = [m._meta.get_field("created_at") for m in (Citizen, Referral, Pathway, Appointment)]
    saved = [f.auto_now_add for f in fields]  # type: ignore[union-attr]
    try:
        for f in fields:
            f.auto_now_add = False  # type: ignore[union-attr]
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value  # type: ignore[union-attr]


# --- calendars ------------------------------------------------------------------------------------


class Calendar:
    """One bookable member of staff: weekly hours, absent days, and what is booked per day."""

    __slots__ = ("absent", "busy", "cap", "hours", "spec", "user")

    def __init__(self, user: User, spec: StaffSpec, hours: dict[int, tuple[int, int, Location]]):
        self.user = user
        self.spec = spec
        self.hours = hours
        self.cap = DAILY_CAP[spec.pattern]
        self.absent: set[date] = set()
        self.busy: dict[date, list[tuple[int, int]]] = {}

    def take(self, day: date, minutes: int, rng: random.Random) -> tuple[int, Location] | None:
        """Reserve a free time of ``minutes`` on ``day`` (a random one on the grid), or None."""
        hours = self.hours.get(day.weekday())
        if hours is None or day in self.absent:
            return None
        taken = self.busy.setdefault(day, [])
        if len(taken) >= self.cap:
            return None
        start, end, location = hours
        count = (end - start - minutes) // GRID + 1
        if count <= 0:
            return None
        first = rng.randrange(count)
        for j in range(count):
            s = start + (first + j) % count * GRID
            e = s + minutes
            if all(e <= b0 or s >= b1 for b0, b1 in taken):
                taken.append((s, e))
                return s, location
        return None


@dataclass
class Booking:
    calendar: Calendar
    day: date
    minute: int
    location: Location


# --- the generator --------------------------------------------------------------------------------


@dataclass
class _Spec:
    """A referral before it is a row: what came in, when, about whom."""

    code: str
    received: date
    discharge: date | None = None
    level: str = ""
    area: str = ""
    disease: str = ""
    coordination: str = ""
    age_key: str = ""


class _Builder:
    def __init__(self, *, seed: int, today: date, scale: float):
        self.rng = random.Random(seed)
        self.phone_rng = random.Random(seed + 1)
        self.today = today
        self.scale = scale
        self.cutoff = _at(today, 0)  # before: history; from here on: the future
        self.first_day = today - timedelta(days=HISTORY_DAYS)
        self.horizon = today + timedelta(days=HORIZON_DAYS)
        self.types = {t.code: t for t in ReferralType.objects.all()}
        missing = set(VOLUMES) - set(self.types)
        if missing:
            raise RuntimeError(f"referral types missing (migration referrals/0002?): {missing}")
        self.reasons = {r.code: r for r in DropoutReason.objects.all()}
        self.used_cpr: set[str] = set(Citizen.objects.values_list("cpr", flat=True))
        self.users: dict[str, User] = {}
        self.calendars: list[Calendar] = []
        self.citizens: list[Citizen] = []
        self.referrals: list[Referral] = []
        self.pathways: list[Pathway] = []
        self.transitions: list[PathwayTransition] = []
        self.appointments: list[Appointment] = []
        self.absences: list[Absence] = []
        self.hours: list[WorkingHours] = []
        self.closed_days = {
            d
            for y in range(self.first_day.year - 1, self.horizon.year + 1)
            for d in public_holidays(y)
        }

    # .. random helpers ..

    def pick(self, weighted: Sequence[tuple[T, float]]) -> T:
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def reason(self, code: str) -> DropoutReason:
        """A seeded dropout reason; if an administrator removed that one, the first there is."""
        return self.reasons.get(code) or next(iter(self.reasons.values()))

    def office_time(self, day: date, earliest: int = 480, latest: int = 900) -> datetime:
        return _at(day, self.rng.randrange(earliest, latest, 5))

    # .. organisation and staff ..

    def organisation(self) -> None:
        self.municipality = Municipality.objects.create(
            name=MUNICIPALITY_NAME, code=MUNICIPALITY_CODE
        )
        self.unit = Unit.objects.create(municipality=self.municipality, name=UNIT_NAME)
        teams = Team.objects.bulk_create(
            [Team(unit=self.unit, name=name) for name in TEAMS.values()]
        )
        self.teams = dict(zip(TEAMS, teams, strict=True))
        locations = Location.objects.bulk_create(
            [
                Location(
                    municipality=self.municipality,
                    name=name,
                    address=address,
                    opens_at=OPENS,
                    closes_at=CLOSES,
                )
                for name, address in LOCATIONS.values()
            ]
        )
        self.locations = dict(zip(LOCATIONS, locations, strict=True))

    def staff(self) -> None:
        demo_hash = make_password(PASSWORD)  # hashed once: Argon2 is slow by design
        joined = _at(self.first_day - timedelta(days=400), 480)
        users, roles, competencies = [], [], []
        taken: set[str] = set(User.objects.values_list("username", flat=True))
        for spec in STAFF:
            username = spec.username or f"{_ascii(spec.first)}.{_ascii(spec.last)}"
            if spec.username and username in taken:
                # A silently renamed demo login would make the printed table lie.
                raise DemoAlreadyExists(f"a user named {username!r} already exists")
            while username in taken:
                username += "1"
            taken.add(username)
            user = User(
                username=username,
                first_name=spec.first,
                last_name=spec.last,
                email=f"{username}@forlob-demo.example",
                municipality=self.municipality,
                team=self.teams[spec.team] if spec.team else None,
                profession=spec.profession,
                max_new_citizens_per_day=2 if spec.pattern in ("part4", "short") else 3,
                is_staff=spec.role == Role.ADMIN,
                is_superuser=spec.role == Role.ADMIN,
                date_joined=joined,
            )
            if spec.username:
                user.password = demo_hash
            else:
                user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users)
        for spec, user in zip(STAFF, users, strict=True):
            self.users[user.username] = user
            roles.append(RoleAssignment(user=user, role=spec.role))
            competencies += [
                Competency(staff=user, diagnosis_area=area, max_level=level)
                for area, level in spec.competencies
            ]
            hours: dict[int, tuple[int, int, Location]] = {}
            for weekday, (start, end) in PATTERNS[spec.pattern].items():
                where = spec.away if weekday == spec.away_day else spec.home
                location = self.locations[where]
                hours[weekday] = (start, end, location)
                self.hours.append(
                    WorkingHours(
                        staff=user,
                        weekday=weekday,
                        start_time=time(start // 60, start % 60),
                        end_time=time(end // 60, end % 60),
                        location=location,
                    )
                )
            self.calendars.append(Calendar(user, spec, hours))
        RoleAssignment.objects.bulk_create(roles)
        Competency.objects.bulk_create(competencies)
        WorkingHours.objects.bulk_create(self.hours)
        self.counts = {
            "role_assignments": len(roles),
            "competencies": len(competencies),
            "working_hours": len(self.hours),
        }

    def absence_plan(self) -> None:
        """Holidays, closed days, courses and sick days, as day sets first, then rows.

        Priority when they meet: holiday, public holiday, course, sick. The e2e user
        (``terapeut``) is never away in the four weeks from today, so journeys can book her.
        """
        rng = self.rng
        years = range(self.first_day.year, self.horizon.year + 1)
        protected = set(_days(self.today - timedelta(days=2), self.today + timedelta(days=28)))
        for index, cal in enumerate(self.calendars):
            kinds: dict[date, str] = {}

            def mark(days: Sequence[date], kind: str, kinds: dict[date, str] = kinds) -> None:
                for d in days:
                    kinds.setdefault(d, kind)

            for year in years:
                # Summer: 3 weeks from one of five staggered Mondays (late June to late July) for
                # most; 2 weeks in August for the rest. Peak July: about half the staff away.
                june22 = date(year, 6, 22)
                monday = june22 + timedelta(days=(7 - june22.weekday()) % 7)
                if rng.random() < 0.85:
                    start = monday + timedelta(weeks=index % 5)
                    mark(list(_days(start, start + timedelta(days=18))), Absence.Kind.HOLIDAY)
                else:
                    aug3 = monday + timedelta(weeks=6 + rng.randrange(2))
                    mark(list(_days(aug3, aug3 + timedelta(days=11))), Absence.Kind.HOLIDAY)
                # Christmas to New Year for about two in three; the rest keep the centres open.
                if rng.random() < 0.65:
                    mark(
                        list(_days(date(year, 12, 22), date(year + 1, 1, 1))), Absence.Kind.HOLIDAY
                    )
                # A school-holiday week in February (week 7) or October (week 42) for some.
                r = rng.random()
                if r < 0.6:
                    week = 7 if r < 0.25 else 42
                    start = date.fromisocalendar(year, week, 1)
                    mark(list(_days(start, start + timedelta(days=4))), Absence.Kind.HOLIDAY)
            mark(sorted(self.closed_days), Absence.Kind.OTHER)
            # A course day or two a year, planned (past or future).
            for _ in range(rng.choice((1, 1, 2))):
                d = self.first_day + timedelta(
                    days=rng.randrange((self.horizon - self.first_day).days)
                )
                if d.weekday() < 5 and d not in kinds:
                    mark(
                        [d, *([d + timedelta(days=1)] if rng.random() < 0.3 else [])],
                        Absence.Kind.COURSE,
                    )
            # Sick days: a few short spells in the past year, never in the future.
            for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))):
                d = self.first_day + timedelta(days=rng.randrange(HISTORY_DAYS))
                spell = [d + timedelta(days=n) for n in range(rng.choice((1, 1, 2, 3, 4)))]
                if d.weekday() < 5 and all(s not in kinds and s < self.today for s in spell):
                    mark(spell, Absence.Kind.SICK)
            if cal.spec.username == "terapeut":
                kinds = {
                    d: k for d, k in kinds.items() if d not in protected or k == Absence.Kind.OTHER
                }
            self._absence_rows(cal, kinds)
        # One therapist is ill right now (so "absent today" shows in the calendar).
        ill = next(c for c in self.calendars if c.spec.last == "Jessen")
        spell = [self.today - timedelta(days=1), self.today, self.today + timedelta(days=1)]
        if not ill.absent.intersection(spell):
            ill.absent.update(spell)
            self.absences.append(
                Absence(
                    staff=ill.user, start_date=spell[0], end_date=spell[-1], kind=Absence.Kind.SICK
                )
            )

    def _absence_rows(self, cal: Calendar, kinds: dict[date, str]) -> None:
        """Consecutive days of one kind become one row; only rows touching our window are kept."""
        cal.absent.update(kinds)
        run: list[date] = []
        for d in sorted(kinds):
            if run and (d - run[-1]).days == 1 and kinds[run[-1]] == kinds[d]:
                run.append(d)
                continue
            self._absence_row(cal, run, kinds)
            run = [d]
        self._absence_row(cal, run, kinds)

    def _absence_row(self, cal: Calendar, run: list[date], kinds: dict[date, str]) -> None:
        if not run or run[-1] < self.first_day - timedelta(days=7) or run[0] > self.horizon:
            return
        self.absences.append(
            Absence(staff=cal.user, start_date=run[0], end_date=run[-1], kind=kinds[run[0]])
        )

    # .. who takes what ..

    def pools(self) -> None:
        """Which calendars take which kind of referral, and the team a referral is routed to."""
        by_team: dict[str, list[Calendar]] = {key: [] for key in TEAMS}
        for cal in self.calendars:
            if cal.spec.team:
                by_team[cal.spec.team].append(cal)

        def skilled(cals: list[Calendar], area: str, level: str) -> list[Calendar]:
            rank = GOP_LEVEL_RANK[GopLevel(level)]
            return [
                c
                for c in cals
                if any(
                    a == area and GOP_LEVEL_RANK[GopLevel(lv)] >= rank
                    for a, lv in c.spec.competencies
                )
            ]

        therapists = [c for c in self.calendars if c.spec.role == Role.THERAPIST]
        area_team = {
            DiagnosisArea.ORTHOPAEDIC: "ortho",
            DiagnosisArea.MEDICAL: "medical",
            DiagnosisArea.NEUROLOGICAL: "neuro",
        }
        self.pool: dict[tuple[str, ...], tuple[str, list[Calendar]]] = {}
        for area, team in area_team.items():
            for level in GopLevel:
                cals = skilled(by_team[team], area, level) or skilled(therapists, area, level)
                self.pool[(ReferralType.GOP, area, level)] = (team, cals)
        chronic_ther = [c for c in by_team["chronic"] if c.spec.role == Role.THERAPIST]
        nurses = [c for c in by_team["chronic"] if c.spec.role == Role.NURSE]
        for disease in ChronicDisease:
            nursing = disease in (
                ChronicDisease.COPD,
                ChronicDisease.DIABETES,
                ChronicDisease.CARDIOVASCULAR,
            )
            self.pool[(ReferralType.CHRONIC, disease)] = (
                "chronic",
                chronic_ther + (nurses if nursing else []),
            )
        neuro_physio = [c for c in by_team["neuro"] if c.spec.profession == PHYSIO]
        self.pool[(ReferralType.FREE_PHYSIO,)] = ("neuro", neuro_physio)
        coordinators = [c for c in self.calendars if c.spec.role == Role.COORDINATOR]
        self.pool[(ReferralType.COORDINATION,)] = ("chronic", coordinators)
        self.pool[(ReferralType.RESOURCE,)] = ("chronic", chronic_ther)
        self.pool[(ReferralType.CONCUSSION,)] = ("neuro", by_team["neuro"])
        self.pool[(ReferralType.EVERYDAY_REHAB,)] = ("medical", by_team["medical"])
        self.coordinators = coordinators
        self.assessor = self.users["visitator"]

    def pool_for(self, spec: _Spec) -> tuple[Team, list[Calendar]]:
        if spec.code == ReferralType.GOP:
            key: tuple[str, ...] = (spec.code, spec.area, spec.level)
        elif spec.code == ReferralType.CHRONIC:
            key = (spec.code, spec.disease)
        else:
            key = (spec.code,)
        team, cals = self.pool[key]
        return self.teams[team], cals

    def book(
        self,
        cals: list[Calendar],
        target: date,
        minutes: int,
        *,
        preferred: Calendar | None = None,
        search_days: int = 30,
    ) -> Booking | None:
        """The first day from ``target`` with a free time: the preferred therapist first (within a
        week), then anyone in the pool (colleagues cover holidays)."""
        rng = self.rng
        if preferred is not None:
            for n in range(8):
                day = target + timedelta(days=n)
                got = preferred.take(day, minutes, rng)
                if got:
                    return Booking(preferred, day, *got)
        order = list(cals)
        rng.shuffle(order)
        for n in range(search_days):
            day = target + timedelta(days=n)
            if day.weekday() >= 5 or day in self.closed_days or day > self.horizon:
                continue
            for cal in order:
                got = cal.take(day, minutes, rng)
                if got:
                    return Booking(cal, day, *got)
        return None

    # .. arrivals ..

    def arrival_days(self, count: int, first: date, last: date) -> list[date]:
        """``count`` days in [first, last]: months get their seasonal share (rounded, largest
        remainder first, so the shape holds at any scale); days within a month by weekday."""
        days = list(_days(first, last))
        weight = [MONTH_WEIGHT.get(d.month, 1.0) * WEEKDAY_WEIGHT[d.weekday()] for d in days]
        months: dict[tuple[int, int], list[int]] = {}
        for i, d in enumerate(days):
            months.setdefault((d.year, d.month), []).append(i)
        total = sum(weight)
        exact = {m: count * sum(weight[i] for i in idx) / total for m, idx in months.items()}
        share = {m: int(v) for m, v in exact.items()}
        for m in sorted(exact, key=lambda m: exact[m] - share[m], reverse=True)[
            : count - sum(share.values())
        ]:
            share[m] += 1
        result: list[date] = []
        for m, idx in months.items():
            if share[m]:
                picks = self.rng.choices(idx, weights=[weight[i] for i in idx], k=share[m])
                result += [days[i] for i in picks]
        return sorted(result)

    def new_spec(self, code: str, received: date) -> _Spec:
        spec = _Spec(code=code, received=received)
        rng = self.rng
        if code == ReferralType.GOP:
            spec.area = self.pick(GOP_AREAS)
            spec.level = self.pick(GOP_LEVELS[DiagnosisArea(spec.area)])
            spec.age_key = spec.area
            r = rng.random()
            if r < 0.15:  # the plan arrives after discharge: the clock is already running
                spec.discharge = received - timedelta(days=rng.choice((1, 1, 2, 2, 3, 4, 5)))
            elif r < 0.55:
                spec.discharge = received
            else:
                spec.discharge = received + timedelta(days=rng.choice((1, 1, 2, 3)))
        elif code == ReferralType.CHRONIC:
            spec.disease = self.pick(CHRONIC_MIX)
            spec.age_key = code
        elif code == ReferralType.COORDINATION:
            spec.coordination = self.pick(COORDINATION_MIX)
            spec.age_key = spec.coordination
        elif code == ReferralType.FREE_PHYSIO:
            spec.area = self.pick(
                (
                    (DiagnosisArea.NEUROLOGICAL, 70),
                    (DiagnosisArea.ORTHOPAEDIC, 20),
                    (DiagnosisArea.MEDICAL, 10),
                )
            )
            spec.age_key = code
        else:
            spec.age_key = code
            if code == ReferralType.EVERYDAY_REHAB and rng.random() < 0.3:
                spec.discharge = received - timedelta(days=rng.randint(0, 3))  # newly discharged
        return spec

    # .. citizens ..

    def citizen_for(self, spec: _Spec, received_at: datetime) -> Citizen:
        rng = self.rng
        mean, sd, low, high, women = AGES[spec.age_key]
        if self.citizens and rng.random() < REUSE_CITIZEN:
            for _ in range(8):
                i = rng.randrange(len(self.citizens))
                c = self.citizens[i]
                age = (spec.received - c.birth_date).days / 365.25
                if low <= age <= high:
                    c.created_at = min(c.created_at, received_at)
                    return c
        age_days = int(min(high, max(low, rng.gauss(mean, sd))) * 365.25) + rng.randrange(365)
        born = spec.received - timedelta(days=age_days)
        female = rng.random() < women
        if born.year < 1965:
            first = rng.choice(WOMEN_OLDER if female else MEN_OLDER)
        else:
            first = rng.choice(WOMEN_YOUNGER if female else MEN_YOUNGER)
        postal, city = self.pick([((code, name), w) for code, name, w in POSTAL])
        address = f"{rng.choice(STREETS)} {rng.randint(1, 140)}"
        if postal == "8900" and rng.random() < 0.4:
            address += f", {rng.randint(1, 4)}. {rng.choice(('tv', 'th', 'mf'))}"
        citizen = Citizen(
            cpr=self.cpr(born, male=not female),
            first_name=first,
            last_name=rng.choice(LAST_NAMES),
            birth_date=born,
            sex=Citizen.Sex.FEMALE if female else Citizen.Sex.MALE,
            address=address,
            postal_code=postal,
            city=city,
            municipality=self.municipality,
            phone=self.demo_phone(),
            is_test_person=True,
            created_at=received_at,
        )
        self.citizens.append(citizen)
        return citizen

    def demo_phone(self) -> str:
        """A mobile number no one can have (Danish numbers starting with 0 are unassigned), for
        four citizens in five; the rest have none, as in life. A separate random stream, so
        the rest of the demo stays the same."""
        if self.phone_rng.random() >= 0.8:
            return ""
        return f"01 {self.phone_rng.randrange(10**6):06d}"

    def cpr(self, born: date, *, male: bool) -> str:
        """A CPR number valid in form (see citizens/cpr.py) that no citizen here has yet."""
        yy = born.year % 100
        if born.year < 1900:
            firsts: tuple[int, ...] = (5, 6, 7, 8)
        elif born.year < 2000:
            firsts = (0, 1, 2, 3)
        else:
            firsts = (4, 9) if yy <= 36 else (5, 6, 7, 8)
        while True:
            last = self.rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
            digits = f"{born:%d%m%y}{self.rng.choice(firsts)}{self.rng.randrange(100):02d}{last}"
            if digits not in self.used_cpr:
                self.used_cpr.add(digits)
                return digits

    # .. referrals ..

    def referral(self, spec: _Spec, *, received_at: datetime, created_by: User | None) -> Referral:
        rng = self.rng
        rtype = self.types[spec.code]
        citizen = self.citizen_for(spec, received_at)
        team, _ = self.pool_for(spec)
        sender_key = spec.area if spec.code == ReferralType.GOP else spec.coordination or spec.code
        if spec.code in (ReferralType.FREE_PHYSIO, ReferralType.CHRONIC):
            sender_key = "gp" if rng.random() < 0.8 else DiagnosisArea.MEDICAL
        diagnosis_key = {
            ReferralType.GOP: spec.area,
            ReferralType.CHRONIC: spec.disease,
            ReferralType.COORDINATION: spec.coordination,
        }.get(spec.code, spec.code)
        referral = Referral(
            citizen=citizen,
            referral_type=rtype,
            municipality=self.municipality,
            team=team,
            sender=self.pick(SENDERS[sender_key]),
            received_date=spec.received,
            discharge_date=spec.discharge,
            gop_level=spec.level,
            diagnosis_area=spec.area,
            chronic_disease=spec.disease,
            coordination_area=spec.coordination,
            diagnosis_text=rng.choice(DIAGNOSES[diagnosis_key]),
            offer_deadline=rules.offer_deadline(
                target_days=rtype.target_days,
                counts_from_discharge=rtype.deadline_from == ReferralType.DeadlineFrom.DISCHARGE,
                received_date=spec.received,
                discharge_date=spec.discharge,
            ),
            # Plans from hospitals arrive electronically (MedCom); the identifier makes import
            # idempotent. Everything else is typed in by a person.
            external_id=(
                f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
                if spec.code == ReferralType.GOP
                else None
            ),
            created_by=created_by,
            created_at=received_at,
        )
        self.referrals.append(referral)
        return referral

    def registrar(self, spec: _Spec) -> User | None:
        if spec.code == ReferralType.GOP:
            return None
        if spec.code == ReferralType.EVERYDAY_REHAB:
            return self.assessor
        return self.rng.choice(self.coordinators).user

    def flow(self) -> None:
        """A year of referrals received up to yesterday, handled as they came in."""
        yesterday = self.today - timedelta(days=1)
        specs: list[_Spec] = []
        for code, volume in VOLUMES.items():
            count = round(volume * self.scale * HISTORY_DAYS / 365)
            specs += [
                self.new_spec(code, d) for d in self.arrival_days(count, self.first_day, yesterday)
            ]
        specs.sort(key=lambda s: s.received)  # stable: same order for the same seed
        for spec in specs:
            received_at = self.office_time(spec.received, 420, 930)
            referral = self.referral(spec, received_at=received_at, created_by=self.registrar(spec))
            handled_day = self.handling_day(spec)
            handled_at = max(
                self.office_time(handled_day),
                received_at + timedelta(minutes=self.rng.randint(5, 60)),
            )
            if handled_at >= self.cutoff:
                continue  # not handled yet: it waits in the inbox
            if self.rng.random() < REJECT_SHARE:
                reasons = [
                    (r, w)
                    for r, w in REJECT_REASONS
                    if spec.code == ReferralType.GOP or r != "free_choice"
                ]
                referral.status = Referral.Status.REJECTED
                referral.reject_reason = self.pick(reasons)
                continue
            referral.status = Referral.Status.ACCEPTED
            self.pathway(spec, referral, handled_at)

    def handling_day(self, spec: _Spec) -> date:
        """When the referral is read and turned into a pathway: soon, GOPs sooner, on a weekday."""
        day = spec.received
        while day.weekday() >= 5 or day in self.closed_days:
            day += timedelta(days=1)
        fast = spec.code == ReferralType.GOP
        delay = self.pick(
            ((0, 60), (1, 30), (2, 10)) if fast else ((0, 40), (1, 35), (2, 15), (4, 10))
        )
        for _ in range(delay):
            day += timedelta(days=1)
            while day.weekday() >= 5 or day in self.closed_days:
                day += timedelta(days=1)
        return min(day, self.today - timedelta(days=1)) if spec.received < self.today else day

    # .. pathways ..

    def first_target(self, spec: _Spec, booking_day: date, deadline: date | None) -> date:
        rng = self.rng
        earliest = booking_day + timedelta(days=1)
        if spec.code != ReferralType.GOP or spec.discharge is None or deadline is None:
            return booking_day + timedelta(days=rng.randint(*COURSES[spec.code].wait))
        # Training starts after discharge; aim within the deadline, or (holidays, peaks) after it.
        earliest = max(earliest, spec.discharge + timedelta(days=1))
        aim = GOP_AIM_WITHIN.get(spec.discharge.month, GOP_AIM_WITHIN_DEFAULT)
        within = [
            d for d in _days(earliest, deadline) if d.weekday() < 5 and d not in self.closed_days
        ]
        if within and rng.random() < aim:
            return rng.choice(within[:3])
        return max(earliest, deadline + timedelta(days=rng.randint(1, 8)))

    def pathway(self, spec: _Spec, referral: Referral, created_at: datetime) -> Pathway:
        rng = self.rng
        course = COURSES[spec.code]
        team, cals = self.pool_for(spec)
        creator = rng.choice(self.coordinators).user
        pathway = Pathway(
            citizen=referral.citizen,
            referral=referral,
            pathway_type=referral.referral_type,
            municipality=self.municipality,
            team=team,
            status=S.REFERRED,
            offer_deadline=referral.offer_deadline,
            created_at=created_at,
            created_by=creator,
        )
        self.pathways.append(pathway)
        history = _History(self, pathway)
        history.move(S.REFERRED, created_at, creator)

        # Booking the first time: usually at once; some types wait for a class or a slot list.
        booking_day = created_at.astimezone(COPENHAGEN).date()
        booked_at = created_at + timedelta(minutes=rng.randint(5, 90))
        if spec.code != ReferralType.GOP and rng.random() < 0.25:
            booking_day += timedelta(days=rng.randint(1, 4))
            while booking_day.weekday() >= 5:
                booking_day += timedelta(days=1)
            booked_at = max(booked_at, self.office_time(booking_day))
        if booked_at >= self.cutoff:
            return pathway  # referred, not booked yet
        target = self.first_target(spec, booking_day, referral.offer_deadline)
        minutes = referral.referral_type.first_appointment_minutes
        booking = self.book(cals, target, minutes, search_days=45)
        if booking is None:
            return pathway
        pathway.responsible = booking.calendar.user
        pathway.team = booking.calendar.user.team or team
        booker = rng.choice((booking.calendar.user, creator))
        appt = self.appointment(pathway, booking, minutes, booked_at, booker, is_first=True)
        # The offer is made when booked, and counts even if the citizen declines it.
        pathway.first_offered_at = booked_at
        pathway.first_offered_start = appt.start
        pathway.first_offer_within_deadline = rules.offered_within(
            pathway.offer_deadline, appt.start
        )
        history.move(S.BOOKED, booked_at, booker)

        # The citizen declines the first time offered and takes a later one.
        if rng.random() < (0.05 if spec.code == ReferralType.GOP else 0.02):
            declined_at = min(
                booked_at + timedelta(hours=rng.randint(2, 30)), appt.start - timedelta(hours=1)
            )
            if declined_at < self.cutoff:
                appt.status = A.DECLINED
                history.move(S.REFERRED, declined_at, booker, note=str(A.DECLINED.label))
                later = self.book(
                    cals,
                    booking.day + timedelta(days=rng.randint(2, 8)),
                    minutes,
                    preferred=booking.calendar,
                )
                if later is None:
                    return pathway
                rebooked_at = declined_at + timedelta(minutes=rng.randint(2, 30))
                appt = self.appointment(
                    pathway, later, minutes, rebooked_at, booker, is_first=False
                )
                booking = later
                history.move(S.BOOKED, rebooked_at, booker)

        outcome = self.pick(OUTCOMES)
        if outcome == "cancel":
            cancelled_at = min(
                booked_at + timedelta(days=rng.randint(1, 3)), appt.start - timedelta(hours=1)
            )
            cancelled_at = max(cancelled_at, history.last_at + timedelta(minutes=1))
            if cancelled_at < self.cutoff and cancelled_at < appt.start:
                appt.status = A.CANCELLED
                history.move(S.REFERRED, cancelled_at, creator, note=str(A.CANCELLED.label))
                history.move(
                    S.CANCELLED,
                    cancelled_at + timedelta(minutes=2),
                    creator,
                    note=rng.choice(CANCEL_NOTES),
                )
                return pathway
            outcome = "complete"  # not cancelled (yet): it runs as planned

        follow_ups = rng.randint(*course.follow_ups) + GOP_EXTRA_FOLLOW_UPS.get(spec.level, 0)
        sessions = 1 + follow_ups
        drop_at_session = None
        if outcome == "dropout":
            drop_at_session = 0 if rng.random() < 0.3 else rng.randrange(sessions)
        session = 0
        while True:
            if appt.start >= self.cutoff:
                break  # booked, in the future
            therapist = booking.calendar.user
            if session == drop_at_session:
                appt.status = A.NO_SHOW
                left_at = self.office_time(booking.day + timedelta(days=rng.randint(1, 6)))
                if left_at < self.cutoff:
                    no_show = session == 0 and rng.random() < 0.5
                    code = "no_contact_or_no_show" if no_show else self.pick(DROPOUT_REASONS)
                    history.move(S.DROPPED_OUT, left_at, therapist, reason=self.reason(code))
                break
            appt.status = A.NO_SHOW if session and rng.random() < 0.03 else A.ATTENDED
            if appt.status == A.ATTENDED and history.status == S.BOOKED:
                history.move(S.ACTIVE, appt.end, therapist)
            next_booking = None
            if session < sessions - 1:
                target = booking.day + timedelta(days=rng.randint(*course.spacing))
                next_booking = self.book(cals, target, course.minutes, preferred=booking.calendar)
            if next_booking is None:
                done_at = appt.end + timedelta(minutes=rng.randint(10, 120))
                if done_at < self.cutoff and history.status == S.ACTIVE:
                    history.move(S.COMPLETED, done_at, therapist)
                break
            # The next time is booked at the end of this one.
            appt = self.appointment(pathway, next_booking, course.minutes, appt.end, therapist)
            booking = next_booking
            session += 1
        return pathway

    def appointment(
        self,
        pathway: Pathway,
        booking: Booking,
        minutes: int,
        booked_at: datetime,
        by: User,
        *,
        is_first: bool = False,
    ) -> Appointment:
        start = _at(booking.day, booking.minute)
        appt = Appointment(
            pathway=pathway,
            citizen=pathway.citizen,
            staff=booking.calendar.user,
            location=booking.location,
            start=start,
            end=start + timedelta(minutes=minutes),
            status=A.BOOKED,
            is_first=is_first,
            created_at=booked_at,
            created_by=by,
        )
        self.appointments.append(appt)
        return appt

    # .. the live inbox ..

    def inbox(self) -> None:
        """New referrals from the last ten days that nobody has handled yet.

        A fixed recipe on top of the flow, so every scale shows the cases a user must notice: GOPs
        past their deadline, plans that arrived after discharge, GOPs due soon, other types.
        """
        rng = self.rng
        today = self.today
        size = max(10, round(32 * self.scale))
        overdue = max(2, round(size * 0.12))  # deadline passed, no time offered
        due_soon = max(2, round(size * 0.15))  # deadline today, tomorrow or the day after
        late_plans = max(2, round(size * 0.1))  # arrived after discharge, days still left
        normal_gop = round(size * 0.3)  # sent before or at discharge
        others = size - overdue - due_soon - late_plans - normal_gop
        oldest = today - timedelta(days=INBOX_DAYS - 1)
        specs: list[_Spec] = []

        def gop(discharge: date, after: tuple[int, int]) -> None:
            """A GOP discharged on ``discharge``, received ``after`` days later (never ahead of
            today, never before the inbox window)."""
            received = discharge + timedelta(days=rng.randint(*after))
            spec = self.new_spec(ReferralType.GOP, min(today, max(oldest, received)))
            spec.discharge = discharge
            specs.append(spec)

        for _ in range(overdue):
            gop(today - timedelta(days=rng.randint(8, 11)), (-1, 4))
        for _ in range(due_soon):
            gop(today - timedelta(days=rng.randint(5, 7)), (-1, 3))
        for _ in range(late_plans):
            gop(today - timedelta(days=rng.randint(2, 4)), (1, 2))
        for _ in range(normal_gop):
            gop(today + timedelta(days=rng.randint(-1, 5)), (-3, 0))
        weights = [(code, v) for code, v in VOLUMES.items() if code != ReferralType.GOP]
        for _ in range(others):
            specs.append(
                self.new_spec(self.pick(weights), today - timedelta(days=rng.randrange(INBOX_DAYS)))
            )
        for spec in sorted(specs, key=lambda s: s.received):
            # Today's plans came in overnight (before the demo "wakes up" at 06:00).
            received_at = (
                _at(spec.received, rng.randrange(30, 360, 5))
                if spec.received == today
                else self.office_time(spec.received, 420, 930)
            )
            referral = self.referral(spec, received_at=received_at, created_by=self.registrar(spec))
            if rng.random() < 0.15:
                referral.team = None  # not routed yet: someone must pick the team

    # .. writing ..

    def write(self) -> None:
        # Order matters: bulk_create fills in primary keys, which the next rows refer to.
        for objs, model in (
            (self.absences, Absence),
            (self.citizens, Citizen),
            (self.referrals, Referral),
            (self.pathways, Pathway),
            (self.transitions, PathwayTransition),
            (self.appointments, Appointment),
        ):
            model.objects.bulk_create(objs, batch_size=2000)  # type: ignore[attr-defined]


class _History:
    """A pathway's status changes, applied in time order along the state machine."""

    def __init__(self, builder: _Builder, pathway: Pathway):
        self.builder = builder
        self.pathway = pathway
        self.status = ""
        self.last_at: datetime | None = None

    def move(
        self,
        to: str,
        at: datetime,
        by: User | None,
        *,
        reason: DropoutReason | None = None,
        note: str = "",
    ) -> None:
        assert self.status == "" or to in TRANSITIONS[self.status], (self.status, to)
        assert self.last_at is None or at >= self.last_at, (self.last_at, at)
        assert at < self.builder.cutoff
        p = self.pathway
        self.builder.transitions.append(
            PathwayTransition(
                pathway=p,
                from_status=self.status,
                to_status=to,
                at=at,
                by=by,
                dropout_reason=reason,
                note=note,
            )
        )
        self.status = p.status = to
        self.last_at = at
        if to == S.ACTIVE and p.started_at is None:
            p.started_at = at
        if to in (S.COMPLETED, S.DROPPED_OUT, S.CANCELLED):
            p.ended_at = at
        if to == S.DROPPED_OUT:
            p.dropout_reason = reason


def _count(objs: Sequence[Model], attr: str) -> dict[str, int]:
    return dict(sorted(Counter(str(getattr(o, attr)) for o in objs).items()))


def generate(
    *, seed: int = 2026, today: date | None = None, scale: float = 1.0, stdout: Any = None
) -> DemoSummary:
    """Build the demo municipality in one transaction and say what was made.

    Raises ``DemoAlreadyExists`` if Randers Kommune is already there (run it on an empty
    database, or use ``forlob seed-demo --if-empty``).
    """
    if not 0 < scale <= 10:
        raise ValueError("scale must be above 0 and at most 10")
    today = today or timezone.localdate()
    started = clock.perf_counter()

    def log(message: str) -> None:
        if stdout is not None:
            stdout.write(f"  {clock.perf_counter() - started:5.1f} s  {message}\n")

    with transaction.atomic(), _keep_given_created_at():
        if Municipality.objects.filter(
            Q(code=MUNICIPALITY_CODE) | Q(name=MUNICIPALITY_NAME)
        ).exists():
            raise DemoAlreadyExists(f"{MUNICIPALITY_NAME} is already in the database")
        b = _Builder(seed=seed, today=today, scale=scale)
        b.organisation()
        b.staff()
        b.absence_plan()
        b.pools()
        log(f"organisation and {len(b.users)} staff")
        b.flow()
        b.inbox()
        log(f"{len(b.referrals)} referrals, {len(b.appointments)} appointments simulated")
        b.write()
        log("written")
        for path, extend in extensions():
            b.counts.update(extend(b))
            log(path)

    gop = [p for p in b.pathways if p.pathway_type.code == ReferralType.GOP]
    new_gop = [
        r for r in b.referrals if r.referral_type.code == ReferralType.GOP and r.status == "new"
    ]
    decided = [p for p in gop if p.first_offered_at is not None or p.offer_deadline < today]
    decided_new = [r for r in new_gop if r.offer_deadline < today]
    within = sum(1 for p in decided if p.first_offer_within_deadline)
    inbox = [r for r in b.referrals if r.status == Referral.Status.NEW]
    return DemoSummary(
        seed=seed,
        today=today,
        scale=scale,
        seconds=clock.perf_counter() - started,
        counts={
            "municipalities": 1,
            "units": 1,
            "teams": len(b.teams),
            "locations": len(b.locations),
            "staff": len(b.users),
            **b.counts,
            "absences": len(b.absences),
            "citizens": len(b.citizens),
            "referrals": len(b.referrals),
            "pathways": len(b.pathways),
            "pathway_transitions": len(b.transitions),
            "appointments": len(b.appointments),
        },
        referrals_by_type=dict(Counter(r.referral_type.code for r in b.referrals)),
        pathways_by_status=_count(b.pathways, "status"),
        appointments_by_status=_count(b.appointments, "status"),
        inbox=len(inbox),
        inbox_overdue=sum(1 for r in inbox if r.offer_deadline and r.offer_deadline < today),
        future_appointments=sum(
            1 for a in b.appointments if a.start >= b.cutoff and a.status == A.BOOKED
        ),
        gop_within_deadline=(
            within / (len(decided) + len(decided_new)) if decided or decided_new else None
        ),
    )
