"""Demo data for everyday rehabilitation: four providers and a year of courses at home.

Extends the demo municipality (``forlob.demo.generator``) after its pathways are written:

* four home-care providers, two of the municipality's own and two approved private ones, each
  with a planner (provider staff), home-care workers in two groups and key persons; the demo
  logins ``privat`` (provider staff at a private provider) and ``hjemmepleje`` (a home-care worker
  of the municipality's own home care);
* every everyday-rehabilitation pathway of the year gets its case: the application (new or
  existing home-care citizen, minutes before), the assessment with FSIII levels, the shadow
  assessment, the grant (8–12 weeks, package or extra minutes, start allowance), the citizen's
  choice of provider, the start meeting, a plan with goals and actions, weekly evaluations, the
  mid-way and end evaluation with the outcome (about 45 % self-reliant, 40 % less help, the rest
  same, more or dropped out) and the help granted afterwards;
* the rehabilitation visits on the providers' driving lists (carried out in the past, planned
  ahead), by small or not so small sets of carers (continuity differs between providers), and
  ordinary home-care visits without the rehab marking for some other citizens around today.

Like the core generator it writes with ``bulk_create`` and keeps the services' invariants itself
(the pathway's state is the generator's; the case follows it). No audit rows: the system, not a
person, wrote the data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password

from forlob.core.choices import Profession, Role
from forlob.core.models import Provider, RoleAssignment, User
from forlob.homecare import rules
from forlob.homecare.models import (
    ApplicationKind,
    Assessment,
    CareGroup,
    Criterion,
    DropoutCause,
    Goal,
    Grant,
    HomecareService,
    HomecareSettings,
    Outcome,
    Performer,
    PlanAction,
    ProfessionalEvaluation,
    ProviderChoice,
    ProviderKeyPerson,
    RehabCase,
    ResponsibleProfession,
    ServiceLine,
    StartMeeting,
    SubGoal,
    Visit,
    WeeklyEvaluation,
    week_monday,
)
from forlob.pathways.models import Pathway, PathwayTransition
from forlob.pathways.models import PathwayStatus as S
from forlob.referrals.models import Referral, ReferralType

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

PASSWORD = "forlob-demo-2026"


@dataclass(frozen=True)
class ProviderSpec:
    key: str
    name: str
    kind: str
    weight: float  # share of the citizens who choose it
    pool: tuple[int, int]  # different carers per citizen: continuity differs
    groups: tuple[str, str]
    workers: tuple[tuple[str, str], ...]
    planner: tuple[str, str]
    login: str = ""  # the demo login among its staff (first worker or the planner)


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        "nord",
        "Hjemmeplejen Randers Nord",
        Provider.Kind.MUNICIPAL,
        0.36,
        (2, 5),
        ("Gruppe Vorup", "Gruppe Kristrup"),
        (
            ("Hanne", "Kofoed"),
            ("Bente", "Vinther"),
            ("Mona", "Ravn"),
            ("Ali", "Hassan"),
            ("Tina", "Bundgaard"),
            ("Lis", "Gregersen"),
        ),
        ("Birgitte", "Dalsgaard"),
        login="hjemmepleje",
    ),
    ProviderSpec(
        "syd",
        "Hjemmeplejen Randers Syd",
        Provider.Kind.MUNICIPAL,
        0.26,
        (4, 10),
        ("Gruppe Romalt", "Gruppe Dronningborg"),
        (
            ("Jytte", "Lynge"),
            ("Sanne", "Brodersen"),
            ("Kim", "Westergaard"),
            ("Maja", "Holt"),
            ("Fatima", "Ahmadi"),
            ("Per", "Kirkegaard"),
            ("Rita", "Skovgaard"),
        ),
        ("Anette", "Lassen"),
    ),
    ProviderSpec(
        "privat",
        "Privat Pleje Kronjylland ApS",
        Provider.Kind.PRIVATE,
        0.24,
        (2, 4),
        ("Team Øst", "Team Vest"),
        (("Lotte", "Vang"), ("Jan", "Møller"), ("Nina", "Kragh"), ("Sofia", "Lindberg")),
        ("Pernille", "Winther"),
        login="privat",
    ),
    ProviderSpec(
        "omsorg",
        "Omsorgsgruppen Randers A/S",
        Provider.Kind.PRIVATE,
        0.14,
        (3, 7),
        ("Team Centrum", "Team Land"),
        (("Dorte", "Riis"), ("Allan", "Bech"), ("Helle", "Krogh"), ("Yvonne", "Aagaard")),
        ("Michael", "Sand"),
    ),
)

KINDS = (
    (ApplicationKind.PERSONAL_CARE, 55),
    (ApplicationKind.PRACTICAL_HELP, 30),
    (ApplicationKind.REASSESSMENT, 15),
)
EXISTING_SHARE = 0.54  # KORA: 41 % new citizens, 54 % already in home care
# Outcome of a completed course (dropouts come from the pathway): ~45/40 overall with ~13 %
# dropouts.
OUTCOME_WEIGHTS = (
    (Outcome.SELF_RELIANT, 51),
    (Outcome.LESS_HELP, 44),
    (Outcome.SAME_HELP, 3.5),
    (Outcome.MORE_HELP, 1.5),
)
DROPOUT_CAUSES = (
    (DropoutCause.ILLNESS, 30),
    (DropoutCause.HOSPITAL, 32),
    (DropoutCause.DEATH, 8),
    (DropoutCause.DECLINED, 22),
    (DropoutCause.OTHER, 8),
)
NOTES = (
    "Faldet i hjemmet for tre uger siden, bor alene. Motiveret, vil gerne klare sig selv igen.",
    "Udskrevet efter lungebetændelse, svækket. Datteren kommer dagligt, er bekymret.",
    "Nedsat gangfunktion og balance. Har tidligere selv klaret alt. Ønsker ikke hjemmehjælp.",
    "Ægtefælle døde i foråret; har ikke lavet mad siden. God kognitivt.",
    "Hofteopereret for to måneder siden. Bruger rollator, usikker i badet.",
    "Ønsker hjælp til rengøring; kan med træning selv klare let rengøring.",
)
GOALS = (
    # title, FSIII item, COPM?, sub-goals, actions (what, who, times a week), citizen's words
    (
        "Tage bad selv",
        "J1.1",
        True,
        ("Stå ved håndvasken i 5 minutter", "Vaske overkroppen selv"),
        (
            ("Træne bad med guidning, borgeren gør selv", Performer.PROVIDER_STAFF, 3),
            ("Balanceøvelser ved køkkenbordet", Performer.CITIZEN, 7),
        ),
        "Jeg vil gerne kunne gå i bad uden at vente på hjælp.",
    ),
    (
        "Tage tøj på selv",
        "J1.3",
        True,
        ("Strømper med strømpepåtager", "Knappe skjorten selv"),
        (("Påklædning med støtte, ikke overtagelse", Performer.PROVIDER_STAFF, 7),),
        "Jeg vil kunne tage tøj på selv om morgenen.",
    ),
    (
        "Lave morgenmad selv",
        "J2.2",
        True,
        ("Hente mælk og havregryn", "Stå ved komfuret"),
        (
            ("Lave grød sammen, borgeren styrer", Performer.PROVIDER_STAFF, 5),
            ("Indkøbsliste sammen med datter", Performer.RELATIVE, 1),
        ),
        "Jeg vil selv lave min morgenmad.",
    ),
    (
        "Gøre let rent",
        "J2.1",
        False,
        ("Tørre støv af i stuen", "Støvsuge ét rum ad gangen"),
        (("Rengøring sammen med borgeren, fordelt over ugen", Performer.PROVIDER_STAFF, 2),),
        "Jeg vil klare min støvsugning selv, i mit eget tempo.",
    ),
    (
        "Gå sikkert ude",
        "J3.8",
        False,
        ("Gå til postkassen", "Gå rundt om blokken"),
        (
            ("Gåtur med rollator", Performer.PROVIDER_STAFF, 3),
            ("Rejse-sætte-sig øvelser", Performer.THERAPIST, 1),
        ),
        "Jeg vil kunne gå ned efter avisen igen.",
    ),
    (
        "Komme ind og ud af sengen",
        "J3.5",
        False,
        ("Bruge sengebøjle", "Sidde på sengekanten først"),
        (("Forflytning med instruktion", Performer.PROVIDER_STAFF, 7),),
        "Jeg vil selv kunne komme op om morgenen.",
    ),
)
EVALUATION_TEXTS = (
    "Gik fint i dag.",
    "Træt, men gennemførte.",
    "Klarede mere selv end sidst.",
    "Svimmel, tog det roligt.",
    "Stolt over at have klaret det selv.",
    "Brug for lidt guidning undervejs.",
    "",
)
SERVICES_FOR = {
    ApplicationKind.PERSONAL_CARE: (
        ("Personlig hygiejne og bad", (60, 210)),
        ("Af- og påklædning", (35, 140)),
        ("Toiletbesøg", (20, 70)),
    ),
    ApplicationKind.PRACTICAL_HELP: (
        ("Rengøring", (30, 60)),
        ("Tøjvask", (15, 30)),
        ("Indkøb", (15, 30)),
    ),
    ApplicationKind.REASSESSMENT: (
        ("Personlig hygiejne og bad", (45, 150)),
        ("Rengøring", (30, 60)),
        ("Tilberedning af mad", (30, 120)),
    ),
}


@dataclass
class _Rows:
    users: list[User] = field(default_factory=list)
    cases: list[RehabCase] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    criteria: list[tuple[Assessment, Criterion]] = field(default_factory=list)
    lines: list[ServiceLine] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    choices: list[ProviderChoice] = field(default_factory=list)
    meetings: list[StartMeeting] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    sub_goals: list[SubGoal] = field(default_factory=list)
    actions: list[PlanAction] = field(default_factory=list)
    evaluations: list[WeeklyEvaluation] = field(default_factory=list)
    reviews: list[ProfessionalEvaluation] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    visit_actions: list[tuple[Visit, PlanAction]] = field(default_factory=list)


@contextlib.contextmanager
def _keep_given_times() -> Iterator[None]:
    fields = [
        RehabCase._meta.get_field("created_at"),
        Goal._meta.get_field("created_at"),
        ProviderChoice._meta.get_field("recorded_at"),
    ]
    saved = [f.auto_now_add for f in fields]  # type: ignore[union-attr]
    try:
        for f in fields:
            f.auto_now_add = False  # type: ignore[union-attr]
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value  # type: ignore[union-attr]


def _local(moment: datetime | None) -> date | None:
    return moment.astimezone(COPENHAGEN).date() if moment else None


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=COPENHAGEN)


class _Homecare:
    def __init__(self, b: Any) -> None:
        self.b = b
        self.rng = b.rng
        self.today: date = b.today
        self.rows = _Rows()
        self.criteria = {c.code: c for c in Criterion.objects.all()}
        self.services = {s.name: s for s in HomecareService.objects.all()}
        self.assessor: User = b.users["visitator"]
        self.nurses = [u for u in b.users.values() if u.has_role(Role.NURSE)]

    def pick(self, weighted: Sequence[tuple[Any, float]]) -> Any:
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    # .. providers and their staff ..

    def providers(self) -> None:
        municipality = self.b.municipality
        HomecareSettings.objects.get_or_create(municipality=municipality)
        taken = set(User.objects.values_list("username", flat=True))
        demo_hash = make_password(PASSWORD)
        self.provider_rows: dict[str, Provider] = {}
        self.staff: dict[str, list[User]] = {}
        self.planners: dict[str, User] = {}
        self.logins: dict[str, User] = {}
        roles: list[RoleAssignment] = []
        groups_members: list[tuple[CareGroup, User]] = []
        self.group_of: dict[int, CareGroup] = {}
        key_persons: list[ProviderKeyPerson] = []
        joined = _at(self.b.first_day - timedelta(days=300), 8)
        for spec in PROVIDERS:
            prov = Provider.objects.create(
                municipality=municipality, name=spec.name, kind=spec.kind
            )
            self.provider_rows[spec.key] = prov
            groups = [CareGroup.objects.create(provider=prov, name=g) for g in spec.groups]
            people = [(spec.planner, Role.PROVIDER_STAFF)] + [
                (w, Role.HOMECARE_WORKER) for w in spec.workers
            ]
            workers: list[User] = []
            for index, ((first, last), role) in enumerate(people):
                login = (
                    spec.login
                    if (
                        (spec.login == "privat" and index == 0)
                        or (spec.login == "hjemmepleje" and index == 1)
                    )
                    else ""
                )
                username = login or _username(first, last, taken)
                taken.add(username)
                user = User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@forlob-demo.example",
                    municipality=municipality,
                    provider=prov,
                    profession=Profession.SOCIAL_HEALTH_ASSISTANT,
                    date_joined=joined,
                )
                if login:
                    user.password = demo_hash
                else:
                    user.set_unusable_password()
                user.save()
                self.rows.users.append(user)
                roles.append(RoleAssignment(user=user, role=role))
                groups_members.append((groups[index % 2], user))
                self.group_of[user.pk] = groups[index % 2]
                if login:
                    self.logins[login] = user
                if index == 0:
                    self.planners[spec.key] = user
                    key_persons.append(ProviderKeyPerson(provider=prov, user=user))
                else:
                    workers.append(user)
                if index == 1:
                    key_persons.append(ProviderKeyPerson(provider=prov, user=user))
            # The private provider's planner ("privat") also visits citizens herself.
            self.staff[spec.key] = (
                [self.planners[spec.key]] if spec.key == "privat" else []
            ) + workers
        RoleAssignment.objects.bulk_create(roles)
        ProviderKeyPerson.objects.bulk_create(key_persons)
        through = CareGroup.members.through
        through.objects.bulk_create(
            through(caregroup_id=g.pk, user_id=u.pk) for g, u in groups_members
        )
        self.groups = {
            key: list(CareGroup.objects.filter(provider=p).order_by("pk"))
            for key, p in self.provider_rows.items()
        }

    # .. cases ..

    def cases(self) -> None:
        pathways = [
            p for p in self.b.pathways if p.pathway_type.code == ReferralType.EVERYDAY_REHAB
        ]
        pathways.sort(key=lambda p: p.created_at)
        # The demo logins get citizens in rehabilitation today, whatever the random draw says.
        recent = self.today - timedelta(days=45)
        active = [
            p
            for p in pathways
            if p.status == S.ACTIVE
            and p.first_offered_start
            and _local(p.first_offered_start) >= recent
        ]
        forced: dict[int, str] = {}
        for i, p in enumerate(active[:8]):
            forced[p.pk] = "privat" if i % 2 == 0 else "nord"
        for pathway in pathways:
            case = self.case(pathway, forced.get(pathway.pk))
            if pathway.status == S.DROPPED_OUT and not case.outcome:
                # Dropped out before a plan was made (declined, admitted, ...).
                self.end(case, pathway, _local(pathway.ended_at) or self.today, 0, dropped=True)

    def case(self, pathway: Any, forced_provider: str | None) -> RehabCase:
        rng, today = self.rng, self.today
        referral = pathway.referral
        received = referral.received_date
        created = _local(pathway.created_at) or received
        kind = self.pick(KINDS)
        existing = kind == ApplicationKind.REASSESSMENT or rng.random() < EXISTING_SHARE
        before = None
        if existing and rng.random() < 0.85:
            before = rng.randrange(30, 240, 5)
        case = RehabCase(
            citizen_id=pathway.citizen_id,
            municipality_id=pathway.municipality_id,
            pathway=pathway,
            kind=kind,
            received_on=received,
            is_existing_homecare=existing,
            weekly_minutes_before=before if existing else 0,
            application_text=rng.choice(
                (
                    "Ansøger om hjælp til bad.",
                    "Ansøger om rengøring.",
                    "Revisitation efter fald.",
                    "",
                )
            ),
            created_at=_at(received, 10),
            created_by=self.assessor,
        )
        self.rows.cases.append(case)
        open_recent = pathway.status == S.REFERRED and (today - created).days < 2
        if open_recent and rng.random() < 0.5:
            return case  # waiting for the assessor's visit
        assessed_on = min(created, today)
        potential = pathway.status != S.CANCELLED
        assessment = Assessment(
            case=case,
            assessed_on=assessed_on,
            assessor=self.assessor,
            fsiii_levels=self.fsiii_levels(kind),
            notes=rng.choice(NOTES),
            has_potential=potential,
        )
        self.rows.assessments.append(assessment)
        if not potential:
            code = self.pick(
                (
                    ("dementia", 30),
                    ("terminal", 15),
                    ("not_cooperating", 20),
                    ("quality_of_life_only", 35),
                )
            )
            self.rows.criteria.append((assessment, self.criteria[code]))
            return case
        self.rows.criteria.append((assessment, self.criteria["motivated"]))
        if not existing:
            self.rows.criteria.append((assessment, self.criteria["new_to_homecare"]))
        if referral.discharge_date:
            self.rows.criteria.append((assessment, self.criteria["recently_discharged"]))
        shadow = self.shadow_lines(case, kind)
        if pathway.status == S.REFERRED and rng.random() < 0.3:
            return case  # assessed, grant not made yet
        self.grant_and_course(case, pathway, created, shadow, forced_provider)
        return case

    def fsiii_levels(self, kind: str) -> dict[str, int]:
        rng = self.rng
        items = ["J1.1", "J1.2", "J1.3", "J1.8", "J3.2", "J3.5", "J3.8", "J3.9"]
        if kind != ApplicationKind.PERSONAL_CARE:
            items += ["J2.1", "J2.2", "J2.4"]
        return {code: rng.choice((1, 1, 2, 2, 2, 3, 3, 4)) for code in items}

    def shadow_lines(self, case: RehabCase, kind: str) -> int:
        rng = self.rng
        options = SERVICES_FOR[kind]
        chosen = rng.sample(options, k=rng.randint(1, len(options)))
        total = 0
        for name, (low, high) in chosen:
            minutes = rng.randrange(low, high + 1, 5)
            total += minutes
            self.rows.lines.append(
                ServiceLine(
                    case=case,
                    purpose=ServiceLine.Purpose.SHADOW,
                    service=self.services[name],
                    weekly_minutes=minutes,
                )
            )
        return total

    def grant_and_course(
        self, case: RehabCase, pathway: Any, created: date, shadow: int, forced: str | None
    ) -> None:
        rng, today = self.rng, self.today
        first_time = _local(pathway.first_offered_start)
        start = first_time or created + timedelta(days=rng.randint(1, 3))
        ended = _local(pathway.ended_at) if pathway.status in (S.COMPLETED, S.DROPPED_OUT) else None
        weeks = rng.choice((8, 8, 8, 10, 10, 12))
        if ended is not None:
            for w in (8, 10, 12):
                if start + timedelta(weeks=w) > ended:
                    weeks = max(weeks, w) if ended - start > timedelta(weeks=6) else w
                    break
            else:
                weeks = 12
        end = start + timedelta(weeks=weeks) - timedelta(days=1)
        if ended is not None and ended > end:
            end = ended
        nurse = bool(self.nurses) and rng.random() < 0.1
        package = self.pick(((1, 15), (2, 50), (3, 35)))
        by_minutes = rng.random() < 0.2
        grant = Grant(
            case=case,
            decided_on=created,
            decided_by=self.assessor,
            start=start,
            end=end,
            time_model=Grant.TimeModel.EXTRA_MINUTES if by_minutes else Grant.TimeModel.PACKAGE,
            package=None if by_minutes else package,
            extra_minutes_per_visit=rng.choice((10, 15, 20)) if by_minutes else None,
            start_allowance_minutes=rng.choice((0, 30, 30, 45)),
            responsible_profession=(
                ResponsibleProfession.NURSE if nurse else ResponsibleProfession.THERAPIST
            ),
        )
        self.rows.grants.append(grant)
        if pathway.status == S.REFERRED and rng.random() < 0.4:
            return  # granted, the citizen has not chosen a provider yet
        key = forced or self.pick([(s.key, s.weight) for s in PROVIDERS])
        spec = next(s for s in PROVIDERS if s.key == key)
        prov = self.provider_rows[key]
        chosen_on = min(created + timedelta(days=rng.randint(0, 2)), today, start)
        case.provider = prov
        case.provider_chosen_on = chosen_on
        pathway.provider = prov
        self.rows.choices.append(
            ProviderChoice(
                case=case,
                provider=prov,
                chosen_on=chosen_on,
                recorded_by=self.assessor,
                recorded_at=_at(chosen_on, 11),
            )
        )
        professional = pathway.responsible
        if professional is None:
            return  # no start meeting planned yet
        if nurse:
            professional = rng.choice(self.nurses)
            pathway.responsible = professional
        staff = self.staff[key]
        contact = self.logins.get(spec.login) if forced else None
        contact = contact or rng.choice(staff)
        held = pathway.status in (S.ACTIVE, S.COMPLETED) or (
            pathway.status == S.DROPPED_OUT and pathway.started_at is not None
        )
        meeting_day = start if first_time is None else first_time
        meeting = StartMeeting(
            case=case,
            date=meeting_day,
            professional=professional,
            contact_person=contact,
            citizen_present=rng.random() < 0.97,
            relatives=rng.choice(("", "", "Datter", "Søn", "Ægtefælle", "Nabo")),
            held=held and meeting_day <= today,
            deadline=rules.start_meeting_deadline(granted_on=created, days=5),
        )
        self.rows.meetings.append(meeting)
        if not meeting.held:
            return
        goals = self.plan(case, meeting_day)
        last_day = min(end, (ended - timedelta(days=1)) if ended else end)
        visit_until = last_day if ended else end
        visits = self.visits(case, spec, grant, meeting_day, visit_until, contact)
        if ended is not None and pathway.status == S.COMPLETED:
            outcome = self.pick(OUTCOME_WEIGHTS)
        else:
            outcome = self.pick(OUTCOME_WEIGHTS) if ended is None else Outcome.DROPPED_OUT
        target = {
            Outcome.SELF_RELIANT: 4,
            Outcome.LESS_HELP: 3,
            Outcome.SAME_HELP: 1,
            Outcome.MORE_HELP: 0,
            Outcome.DROPPED_OUT: 1,
        }[outcome]
        self.weekly(
            goals,
            visits,
            meeting_day,
            min(last_day, today - timedelta(days=1)),
            course_weeks=max(1, (last_day - meeting_day).days // 7 + 1),
            target=target,
        )
        midway = meeting_day + (end - meeting_day) / 2
        if midway < min(today, ended or today):
            self.rows.reviews.append(
                ProfessionalEvaluation(
                    case=case,
                    kind=ProfessionalEvaluation.Kind.MIDWAY,
                    date=midway,
                    text=rng.choice(
                        (
                            "Godt på vej; fortsætter som planlagt.",
                            "Langsommere fremgang end ventet; delmålene justeret.",
                            "Delmål nået; nyt delmål aftalt med borgeren.",
                        )
                    ),
                    by=professional,
                )
            )
        if ended is not None:
            self.end(
                case,
                pathway,
                ended,
                shadow,
                dropped=pathway.status == S.DROPPED_OUT,
                outcome=outcome,
            )

    def plan(self, case: RehabCase, day: date) -> list[Goal]:
        rng = self.rng
        chosen = rng.sample(GOALS, k=rng.choice((1, 2, 2, 3)))
        goals = []
        for order, (title, item, copm, subs, actions, words) in enumerate(chosen, 1):
            copm = copm and rng.random() < 0.8
            goal = Goal(
                case=case,
                kind=Goal.Kind.COPM if copm else Goal.Kind.FREE,
                title=title,
                fsiii_item=item,
                citizen_words=words,
                ordering=order,
                created_at=_at(day, 13),
            )
            goals.append(goal)
            self.rows.goals.append(goal)
            self.rows.sub_goals += [
                SubGoal(goal=goal, text=t, ordering=i) for i, t in enumerate(subs)
            ]
            for what, who, times in actions:
                self.rows.actions.append(
                    PlanAction(case=case, goal=goal, what=what, who=who, times_per_week=times)
                )
        return goals

    def visits(
        self,
        case: RehabCase,
        spec: ProviderSpec,
        grant: Grant,
        first: date,
        last: date,
        contact: User,
    ) -> list[Visit]:
        rng, today = self.rng, self.today
        actions = [
            a for a in self.rows.actions if a.case is case and a.who == Performer.PROVIDER_STAFF
        ]
        if not actions:
            return []
        made: list[Visit] = []
        staff = self.staff[spec.key]
        size = min(len(staff), rng.randint(*spec.pool))
        others = [u for u in rng.sample(staff, k=len(staff)) if u != contact]
        pool = [contact, *others[: size - 1]]
        group = self.group_of.get(contact.pk)
        per_week = min(max(a.times_per_week for a in actions), rules.MAX_VISITS_PER_WEEK)
        if case.provider_id and spec.login and contact == self.logins.get(spec.login):
            per_week = 7  # the demo logins see their citizens every day
        slots = rules.week_slots(per_week)
        extra = grant.extra_minutes_per_visit or HomecareSettings(
            municipality_id=case.municipality_id
        ).package_minutes(grant.package)
        monday = week_monday(first)
        seed = rng.randrange(1000)
        first_visit = True
        while monday <= last:
            week_actions: list[list[PlanAction]] = [[] for _ in slots]
            for action in actions:
                for index in rules.spread(action.times_per_week, len(slots)):
                    week_actions[index].append(action)
            for slot, acts in zip(slots, week_actions, strict=True):
                day = monday + timedelta(days=slot.weekday)
                if day < first or day > last:
                    continue
                past = day < today
                who = contact if rng.random() < 0.5 else rng.choice(pool)
                status = Visit.Status.PLANNED
                if past:
                    status = (
                        Visit.Status.CANCELLED if rng.random() < 0.04 else Visit.Status.COMPLETED
                    )
                visit = Visit(
                    citizen_id=case.citizen_id,
                    provider=case.provider,
                    group=group,
                    case=case,
                    date=day,
                    planned_time=rules.visit_time(seed, slot.afternoon),
                    duration_minutes=30,
                    extra_minutes=extra + (grant.start_allowance_minutes if first_visit else 0),
                    staff=who if past else contact,
                    is_rehab=True,
                    status=status,
                )
                first_visit = False
                made.append(visit)
                self.rows.visits.append(visit)
                self.rows.visit_actions += [(visit, a) for a in acts]
            monday += timedelta(weeks=1)
        return made

    def weekly(
        self,
        goals: list[Goal],
        visits: list[Visit],
        first: date,
        last: date,
        *,
        course_weeks: int,
        target: int,
    ) -> None:
        """Weekly evaluations that move from "unchanged" towards ``target`` over the course."""
        rng = self.rng
        weeks = []
        monday = week_monday(first)
        while monday <= last:
            weeks.append(monday)
            monday += timedelta(weeks=1)
        visits = [v for v in visits if v.status == Visit.Status.COMPLETED]
        span = max(1, course_weeks - 1)
        for goal in goals:
            goal_target = max(0, min(4, target - (1 if rng.random() < 0.3 else 0)))
            for n, week in enumerate(weeks):
                if rng.random() < 0.15:
                    continue  # a week without an evaluation happens
                trend = 1 + (goal_target - 1) * min(1.0, n / span)
                noise = rng.choice((-1, 0, 0, 0, 1)) if 0 < n < len(weeks) - 1 else 0
                level = max(0, min(4, round(trend) + noise))
                made = [v for v in visits if week_monday(v.date) == week]
                by = made[-1].staff if made else None
                if by is None:
                    continue
                self.rows.evaluations.append(
                    WeeklyEvaluation(
                        goal=goal,
                        week=week,
                        progress=level,
                        text=rng.choice(EVALUATION_TEXTS),
                        recorded_by=by,
                        recorded_at=_at(made[-1].date, 14),
                    )
                )

    def end(
        self,
        case: RehabCase,
        pathway: Any,
        ended: date,
        shadow: int,
        *,
        dropped: bool,
        outcome: str | None = None,
    ) -> None:
        rng = self.rng
        if dropped:
            outcome = Outcome.DROPPED_OUT
            case.dropout_cause = self.pick(DROPOUT_CAUSES)
            if case.dropout_cause == DropoutCause.OTHER:
                case.dropout_text = rng.choice(("Flyttet til plejebolig", "Ønsker privat hjælp"))
        else:
            outcome = outcome or self.pick(OUTCOME_WEIGHTS)
        case.outcome = outcome
        case.ended_on = ended
        factor = {
            Outcome.SELF_RELIANT: 0.0,
            Outcome.LESS_HELP: rng.uniform(0.25, 0.7),
            Outcome.SAME_HELP: 1.0,
            Outcome.MORE_HELP: rng.uniform(1.15, 1.5),
            Outcome.DROPPED_OUT: rng.uniform(0.8, 1.1),
        }[outcome]
        after = int(round(shadow * factor / 5) * 5)
        if after > 0:
            self.rows.lines.append(
                ServiceLine(
                    case=case,
                    purpose=ServiceLine.Purpose.AFTER,
                    service=self.services[
                        "Rengøring"
                        if case.kind == ApplicationKind.PRACTICAL_HELP
                        else "Personlig hygiejne og bad"
                    ],
                    weekly_minutes=after,
                )
            )
        if not dropped:
            self.rows.reviews.append(
                ProfessionalEvaluation(
                    case=case,
                    kind=ProfessionalEvaluation.Kind.END,
                    date=ended,
                    text={
                        Outcome.SELF_RELIANT: "Målene nået; klarer sig uden hjælp.",
                        Outcome.LESS_HELP: "Delvist selvhjulpen; hjælpen reduceret.",
                        Outcome.SAME_HELP: "Ingen varig fremgang; hjælpen uændret.",
                        Outcome.MORE_HELP: "Funktionsevnen faldet; mere hjælp bevilget.",
                    }[outcome],
                    by=pathway.responsible,
                )
            )

    def recent_applications(self) -> int:
        """A few applications of the last days, before the provider is chosen (5 at scale 1).

        Each is an everyday-rehab referral that became a pathway (referred, no team yet), as
        ``homecare.services.application_register`` makes them; written here like the rest.
        """
        rng, today, b = self.rng, self.today, self.b
        count = int(5 * b.scale)
        in_rehab = {c.citizen_id for c in self.rows.cases}
        candidates = [
            c for c in b.citizens if c.pk not in in_rehab and (today - c.birth_date).days > 72 * 365
        ]
        rng.shuffle(candidates)
        rtype = b.types[ReferralType.EVERYDAY_REHAB]
        stages = ("application", "application", "assessed", "granted", "granted")
        self.new_referrals: list[Referral] = []
        self.new_pathways: list[Pathway] = []
        self.new_transitions: list[PathwayTransition] = []
        made = 0
        for n, citizen in enumerate(candidates[:count]):
            received = today - timedelta(days=1 + n % 4)
            created_at = _at(received, 9, 15 + n)
            referral = Referral(
                citizen=citizen,
                referral_type=rtype,
                municipality=b.municipality,
                sender="Ansøgning om hjælp",
                received_date=received,
                status=Referral.Status.ACCEPTED,
                created_by=self.assessor,
                created_at=created_at,
            )
            pathway = Pathway(
                citizen=citizen,
                referral=referral,
                pathway_type=rtype,
                municipality=b.municipality,
                status=S.REFERRED,
                created_at=created_at,
                created_by=self.assessor,
            )
            self.new_referrals.append(referral)
            self.new_pathways.append(pathway)
            self.new_transitions.append(
                PathwayTransition(
                    pathway=pathway,
                    from_status="",
                    to_status=S.REFERRED,
                    at=created_at,
                    by=self.assessor,
                )
            )
            kind = self.pick(KINDS)
            existing = kind == ApplicationKind.REASSESSMENT or rng.random() < EXISTING_SHARE
            case = RehabCase(
                citizen=citizen,
                municipality=b.municipality,
                pathway=pathway,
                kind=kind,
                received_on=received,
                is_existing_homecare=existing,
                weekly_minutes_before=rng.randrange(30, 240, 5) if existing else 0,
                application_text="Ansøger om hjælp efter fald i hjemmet.",
                created_at=created_at,
                created_by=self.assessor,
            )
            self.rows.cases.append(case)
            made += 1
            stage = stages[n % len(stages)]
            if stage == "application":
                continue
            assessment = Assessment(
                case=case,
                assessed_on=received,
                assessor=self.assessor,
                fsiii_levels=self.fsiii_levels(kind),
                notes=rng.choice(NOTES),
                has_potential=True,
            )
            self.rows.assessments.append(assessment)
            self.rows.criteria.append((assessment, self.criteria["motivated"]))
            self.shadow_lines(case, kind)
            if stage == "granted":
                start = today + timedelta(days=rng.randint(1, 3))
                self.rows.grants.append(
                    Grant(
                        case=case,
                        decided_on=received,
                        decided_by=self.assessor,
                        start=start,
                        end=start + timedelta(weeks=8) - timedelta(days=1),
                        package=2,
                        start_allowance_minutes=30,
                    )
                )
        return made

    def ordinary_visits(self) -> int:
        """Home care without the rehab marking for other old citizens, a week around today."""
        rng, today = self.rng, self.today
        in_rehab = {c.citizen_id for c in self.rows.cases}
        old = [
            c
            for c in self.b.citizens
            if c.pk not in in_rehab and (today - c.birth_date).days > 75 * 365
        ]
        rng.shuffle(old)
        count = 0
        per_provider = max(2, min(12, len(old) // len(PROVIDERS)))
        for i, spec in enumerate(PROVIDERS):
            citizens = old[i * per_provider : (i + 1) * per_provider]
            staff = self.staff[spec.key]
            for n, citizen in enumerate(citizens):
                carer = staff[n % len(staff)] if n % 3 else self.logins.get(spec.login) or staff[0]
                group = self.groups[spec.key][n % 2]
                for offset in range(-7, 8):
                    day = today + timedelta(days=offset)
                    for afternoon in (False, True) if n % 4 == 0 else (False,):
                        self.rows.visits.append(
                            Visit(
                                citizen=citizen,
                                provider=self.provider_rows[spec.key],
                                group=group,
                                date=day,
                                planned_time=rules.visit_time(n + 3, afternoon),
                                duration_minutes=rng.choice((15, 20, 25, 30)),
                                staff=carer,
                                status=Visit.Status.COMPLETED
                                if day < today
                                else Visit.Status.PLANNED,
                            )
                        )
                        count += 1
        return count

    def write(self) -> None:
        r = self.rows
        b = self.b
        Referral.objects.bulk_create(self.new_referrals)
        Pathway.objects.bulk_create(self.new_pathways)
        PathwayTransition.objects.bulk_create(self.new_transitions)
        b.referrals += self.new_referrals
        b.pathways += self.new_pathways
        b.transitions += self.new_transitions
        with _keep_given_times():
            RehabCase.objects.bulk_create(r.cases, batch_size=1000)
            Assessment.objects.bulk_create(r.assessments, batch_size=1000)
            through = Assessment.criteria.through
            through.objects.bulk_create(
                [through(assessment_id=a.pk, criterion_id=c.pk) for a, c in r.criteria],
                batch_size=2000,
            )
            ServiceLine.objects.bulk_create(r.lines, batch_size=2000)
            Grant.objects.bulk_create(r.grants, batch_size=1000)
            ProviderChoice.objects.bulk_create(r.choices, batch_size=1000)
            StartMeeting.objects.bulk_create(r.meetings, batch_size=1000)
            Goal.objects.bulk_create(r.goals, batch_size=1000)
            SubGoal.objects.bulk_create(r.sub_goals, batch_size=2000)
            PlanAction.objects.bulk_create(r.actions, batch_size=2000)
            WeeklyEvaluation.objects.bulk_create(r.evaluations, batch_size=2000)
            ProfessionalEvaluation.objects.bulk_create(r.reviews, batch_size=1000)
            Visit.objects.bulk_create(r.visits, batch_size=2000)
            through = Visit.actions.through
            through.objects.bulk_create(
                [through(visit_id=v.pk, planaction_id=a.pk) for v, a in r.visit_actions],
                batch_size=5000,
            )
        # The pathways now name their provider (free choice) and, for nurses, the nurse.
        Pathway.objects.bulk_update(
            [c.pathway for c in r.cases], ["provider", "responsible"], batch_size=1000
        )


def _username(first: str, last: str, taken: set[str]) -> str:
    base = (
        f"{first}.{last}".lower()
        .replace("æ", "ae")
        .replace("ø", "oe")
        .replace("å", "aa")
        .replace(" ", "")
    )
    name = base
    while name in taken:
        name += "1"
    return name


def extend(b: Any) -> dict[str, int]:
    """Add the providers, their staff and a year of everyday-rehabilitation cases to ``b``."""
    h = _Homecare(b)
    h.providers()
    h.cases()
    recent = h.recent_applications()
    ordinary = h.ordinary_visits()
    h.write()
    r = h.rows
    return {
        "homecare_providers": len(PROVIDERS),
        "homecare_staff": len(r.users),
        "homecare_cases": len(r.cases),
        "homecare_ended": sum(1 for c in r.cases if c.outcome),
        "homecare_recent_applications": recent,
        "homecare_visits": len(r.visits),
        "homecare_ordinary_visits": ordinary,
        "homecare_weekly_evaluations": len(r.evaluations),
    }
