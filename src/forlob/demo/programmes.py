"""Demo classes: a year of chronic-disease classes and GAIN classes with enrolment and attendance.

Built on top of the generator's pathways (``b.pathways``): a chronic-disease or concussion pathway
whose first appointment falls near a class's start joins that class, so the class and the
pathway tell the same story — a completed pathway completed its class, a dropped-out one dropped
out (same reason, same day), an open one is still enrolled. Past classes are completed, a class
that ended last week still waits for someone to press "Complete", running classes have attendance
up to today (a few citizens flagged for missing sessions in a row), and one upcoming class per
programme has places left for its waiting list (the open pathways and new referrals not enrolled).
Of the citizens on completed classes about 75–80 % complete; the rest drop out with a reason.

Sessions go into the staff calendars without clashes: each session is given, per profession it
needs, the class's own staff member if free, else a free colleague of the same profession (a
colleague covers), using the generator's per-day calendars (``Calendar.busy``, absences, closed
days). A session on a closed day is cancelled. The individual sessions (start and end talks,
GAIN's five talks) are the pathway's existing appointments, linked in time order.

A neuropsychologist to lead GAIN is added to Team Neurologi if the demo has none. Like the rest
of the generator: ``bulk_create``, no audit rows, same seed → same data.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password

from forlob.core.choices import Profession, Role
from forlob.core.models import RoleAssignment, User
from forlob.pathways.models import Pathway, PathwayStatus
from forlob.programmes import rules
from forlob.programmes.models import (
    Attendance,
    AttendanceStatus,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    IndividualSession,
    Programme,
    ProgrammeClass,
    SessionDefinition,
    SessionMode,
    SessionStaff,
    SessionStatus,
)
from forlob.scheduling.models import Absence, Appointment, AppointmentStatus, WorkingHours

NEURO_USERNAME = "neuropsykolog"
COPENHAGEN_GRID = 15

# programme code → (weeks between class starts, weekday, start time, location key, first class
# this many weeks into the year). Staggered so the team's staff are not all booked on one day.
SCHEDULE: dict[str, tuple[int, int, time, str, int]] = {
    "kol": (6, 0, time(10, 0), "hus", 2),
    "hjerte": (6, 1, time(10, 0), "hus", 3),
    "diabetes": (6, 2, time(9, 0), "hus", 4),
    "kraeft": (6, 0, time(12, 30), "nord", 5),
    "laenderyg": (6, 1, time(12, 30), "nord", 6),
    "gain": (13, 1, time(13, 0), "syd", 3),
}
TEAM_OF = {"gain": "neuro"}  # the others: Team Kronisk sygdom & koordination
INCLUDE_COMPLETED = 0.42  # of completed pathways near a past class, the share on it
UPCOMING_FILL = 0.6
# A pathway joins a class when its first appointment lies this many days (before, after) of the
# class's start; GAIN classes start only every 13 weeks.
WINDOW = {
    "default": (28, 7),
    "gain": (49, 21),
}  # of an upcoming class's places, the share taken already
PRESENT = 0.9  # chance of presence at a session (completers)
PRESENT_RUNNING = 0.85
TALK_MODES = ((SessionMode.IN_PERSON, 50), (SessionMode.PHONE, 30), (SessionMode.VIDEO, 20))


@dataclass
class _Class:
    programme: Programme
    row: ProgrammeClass
    plan: list[rules.PlannedSession]
    sessions: list[ClassSession] = field(default_factory=list)
    staffing: list[list[Any]] = field(default_factory=list)  # calendars per session
    phase: str = ""  # past, ended, running, upcoming
    enrolled: list[Enrolment] = field(default_factory=list)


def _minute(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _free(cal: Any, day: date, start: int, end: int) -> bool:
    hours = cal.hours.get(day.weekday())
    if hours is None or day in cal.absent or not (hours[0] <= start and end <= hours[1]):
        return False
    return all(end <= b0 or start >= b1 for b0, b1 in cal.busy.get(day, []))


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


class _Programmes:
    def __init__(self, b: Any):
        self.b = b
        self.rng = random.Random(b.rng.getrandbits(64))
        self.cutoff: datetime = b.cutoff
        self.today: date = b.today
        self.classes: list[_Class] = []
        self.counts: dict[str, int] = defaultdict(int)

    # .. staff ..

    def neuropsychologist(self) -> Any:
        """The demo's neuropsychologist (GAIN's lead): found, or added to Team Neurologi."""
        from forlob.demo.generator import Calendar, StaffSpec, _days

        for cal in self.b.calendars:
            if cal.user.profession == Profession.NEUROPSYCHOLOGIST:
                return cal
        b = self.b
        taken = User.objects.filter(username=NEURO_USERNAME).exists()
        user = User.objects.create(
            username="birgitte.lykke" if taken else NEURO_USERNAME,
            first_name="Birgitte",
            last_name="Lykke",
            email=f"{NEURO_USERNAME}@forlob-demo.example",
            municipality=b.municipality,
            team=b.teams["neuro"],
            profession=Profession.NEUROPSYCHOLOGIST,
            password=make_password(_password()),
        )
        RoleAssignment.objects.create(user=user, role=Role.THERAPIST)
        location = b.locations["syd"]
        pattern = {d: (480, 930) for d in range(4)} | {4: (480, 810)}  # Fridays until 13:30
        hours = {d: (s, e, location) for d, (s, e) in pattern.items()}
        WorkingHours.objects.bulk_create(
            WorkingHours(
                staff=user,
                weekday=d,
                start_time=time(s // 60, s % 60),
                end_time=time(e // 60, e % 60),
                location=location,
            )
            for d, (s, e) in pattern.items()
        )
        spec = StaffSpec(
            "Birgitte", "Lykke", Profession.NEUROPSYCHOLOGIST, Role.THERAPIST, "neuro", home="syd"
        )
        cal = Calendar(user, spec, hours)
        # Closed days, and three weeks in July every year (as most of the staff).
        absences = []
        for d in sorted(b.closed_days):
            if b.first_day - timedelta(days=7) <= d <= b.horizon:
                cal.absent.add(d)
                absences.append(Absence(staff=user, start_date=d, end_date=d, kind="other"))
        for year in range(b.first_day.year, b.horizon.year + 1):
            start = date(year, 7, 6)
            start += timedelta(days=(7 - start.weekday()) % 7)
            days = list(_days(start, start + timedelta(days=18)))
            if days[-1] >= b.first_day - timedelta(days=7) and days[0] <= b.horizon:
                cal.absent.update(days)
                absences.append(
                    Absence(staff=user, start_date=days[0], end_date=days[-1], kind="holiday")
                )
        Absence.objects.bulk_create(absences)
        b.calendars.append(cal)
        b.users[user.username] = user
        self.counts["staff_added"] += 1
        return cal

    def pool(self, programme: Programme) -> dict[str, list[Any]]:
        """Calendars by profession: the programme's team first, then everyone else."""
        team = TEAM_OF.get(programme.code, "chronic")
        by_profession: dict[str, list[Any]] = defaultdict(list)
        own = [c for c in self.b.calendars if c.spec.team == team]
        others = [c for c in self.b.calendars if c.spec.team not in (team, None)]
        for cal in own + others:
            if cal.spec.role in (Role.THERAPIST, Role.NURSE) and cal.user.profession:
                by_profession[cal.user.profession].append(cal)
        return by_profession

    # .. classes ..

    def schedule(self) -> None:
        b = self.b
        programmes = {p.code: p for p in Programme.objects.filter(code__in=SCHEDULE)}
        definitions: dict[int, list[SessionDefinition]] = defaultdict(list)
        for d in SessionDefinition.objects.filter(programme__in=programmes.values()).order_by(
            "order", "pk"
        ):
            definitions[d.programme_id].append(d)
        last_start = self.today + timedelta(days=35)
        rows: list[ProgrammeClass] = []
        for code, (every, weekday, at, where, first_week) in SCHEDULE.items():
            programme = programmes.get(code)
            if programme is None:
                continue  # removed by an administrator
            pool = self.pool(programme)
            every = every if b.scale >= 0.5 or code == "gain" else max(every, 13)
            start = b.first_day + timedelta(weeks=first_week)
            start += timedelta(days=(weekday - start.weekday()) % 7)
            main = self.main_staff(programme, definitions[programme.pk], pool)
            n = 0
            while start <= last_start:
                plan = rules.plan_sessions(
                    start_date=start, start_time=at, definitions=definitions[programme.pk]
                )
                row = ProgrammeClass(
                    programme=programme,
                    municipality=b.municipality,
                    team=b.teams[TEAM_OF.get(code, "chronic")],
                    location=b.locations[where],
                    name=f"{programme.name} {start:%d.%m.%Y}",
                    start_date=start,
                    start_time=at,
                    end_date=plan[-1].day,
                    capacity=programme.default_capacity,
                    lead=main[n % len(main)][programme.lead_profession].user,
                    created_by=main[n % len(main)][programme.lead_profession].user,
                )
                klass = _Class(programme, row, plan)
                self.staff_sessions(klass, main[n % len(main)], pool)
                rows.append(row)
                self.classes.append(klass)
                start += timedelta(weeks=every)
                n += 1
        for klass in self.classes:
            row = klass.row
            live = [s for s in klass.sessions if s.status == SessionStatus.PLANNED]
            last_end = max((s.end for s in live), default=self.cutoff)
            if row.start_date > self.today:
                klass.phase = "upcoming"
            elif last_end > self.cutoff:
                klass.phase = "running"
            elif last_end > self.cutoff - timedelta(days=7):
                klass.phase = "ended"  # waits for "Complete the class"
            else:
                klass.phase = "past"
                row.status = ClassStatus.COMPLETED
                row.completed_at = last_end + timedelta(hours=20)
            row.created_at = min(
                self.cutoff - timedelta(hours=1),
                datetime.combine(
                    row.start_date - timedelta(days=30), time(9), tzinfo=b.cutoff.tzinfo
                ),
            )
        field = ProgrammeClass._meta.get_field("created_at")
        field.auto_now_add = False  # keep the past dates set above (as the generator does)
        try:
            ProgrammeClass.objects.bulk_create(rows)
        finally:
            field.auto_now_add = True
        through = ProgrammeClass.staff.through
        links = []
        for klass in self.classes:
            used = {cal.user.pk for cals in klass.staffing for cal in cals}
            links += [through(programmeclass_id=klass.row.pk, user_id=pk) for pk in sorted(used)]
        through.objects.bulk_create(links)
        sessions = [s for k in self.classes for s in k.sessions]
        ClassSession.objects.bulk_create(sessions, batch_size=2000)
        SessionStaff.objects.bulk_create(
            [
                SessionStaff(session=s, staff=cal.user, start=s.start, end=s.end)
                for k in self.classes
                for s, cals in zip(k.sessions, k.staffing, strict=True)
                if s.status == SessionStatus.PLANNED
                for cal in cals
            ],
            batch_size=2000,
        )
        self.counts["classes"] = len(rows)
        self.counts["class_sessions"] = len(sessions)

    def main_staff(
        self, programme: Programme, definitions: list[SessionDefinition], pool: dict[str, list]
    ) -> list[dict[str, Any]]:
        """Rotating teams for the classes: one of each profession the programme needs."""
        needed = [programme.lead_profession]
        for d in definitions:
            if d.is_group:
                needed += [p for p in d.professions if p not in needed]
        teams = []
        for i in range(3):
            team = {}
            for profession in needed:
                cals = pool.get(profession, [])
                if cals:
                    team[profession] = cals[i % len(cals)]
            teams.append(team)
        return teams

    def staff_sessions(self, klass: _Class, main: dict[str, Any], pool: dict[str, list]) -> None:
        b = self.b
        for p in klass.plan:
            definition: SessionDefinition = p.definition  # type: ignore[assignment]
            start, end = (
                _minute(p.start.astimezone(b.cutoff.tzinfo)),
                _minute(p.end.astimezone(b.cutoff.tzinfo)),
            )
            chosen: list[Any] = []
            ok = p.day not in b.closed_days
            for profession in definition.professions or [klass.programme.lead_profession]:
                if not ok:
                    break
                candidates = [main[profession]] if profession in main else []
                candidates += [c for c in pool.get(profession, []) if c not in candidates]
                cal = next((c for c in candidates if _free(c, p.day, start, end)), None)
                if cal is None:
                    ok = False
                    break
                chosen.append(cal)
            if ok:
                for cal in chosen:
                    cal.busy.setdefault(p.day, []).append((start, end))
            klass.sessions.append(
                ClassSession(
                    programme_class=klass.row,
                    definition=definition,
                    number=p.number,
                    title=definition.title,
                    mode=definition.default_mode,
                    location=klass.row.location,
                    start=p.start,
                    end=p.end,
                    status=SessionStatus.PLANNED if ok else SessionStatus.CANCELLED,
                )
            )
            klass.staffing.append(chosen if ok else [])

    # .. citizens ..

    def enrol(self) -> None:
        b = self.b
        first_appointment: dict[int, Appointment] = {}
        appointments: dict[int, list[Appointment]] = defaultdict(list)
        for a in b.appointments:
            appointments[a.pathway_id].append(a)
        for items in appointments.values():
            items.sort(key=lambda a: a.start)
            first_appointment[items[0].pathway_id] = items[0]
        by_programme: dict[int, list[Pathway]] = defaultdict(list)
        programmes = {k.programme.pk: k.programme for k in self.classes}
        wanted = {
            pk: {t.code for t in programme.referral_types.all()}
            for pk, programme in programmes.items()
        }
        for p in b.pathways:
            code = p.pathway_type.code
            disease = p.referral.chronic_disease if p.referral else ""
            for programme in programmes.values():
                if code in wanted[programme.pk] and (
                    not programme.chronic_disease or disease == programme.chronic_disease
                ):
                    by_programme[programme.pk].append(p)
        taken: set[int] = set()
        enrolments: list[Enrolment] = []
        for klass in sorted(self.classes, key=lambda k: k.row.start_date):
            start = klass.row.start_date
            before, after = WINDOW.get(klass.programme.code, WINDOW["default"])
            window = (start - timedelta(days=before), start + timedelta(days=after))
            candidates = []
            for p in by_programme[klass.programme.pk]:
                if p.pk in taken or p.status == PathwayStatus.CANCELLED:
                    continue
                anchor = first_appointment.get(p.pk)
                day = (anchor.start if anchor else p.created_at).astimezone(b.cutoff.tzinfo).date()
                if window[0] <= day <= window[1] and self.fits(klass, p):
                    candidates.append(p)
            self.rng.shuffle(candidates)
            limit = klass.row.capacity
            if klass.phase == "upcoming":
                limit = round(limit * UPCOMING_FILL)
            on_class: set[int] = set()
            for p in candidates:
                if len(on_class) >= limit:
                    break
                if p.citizen_id in on_class:
                    continue  # one citizen, two referrals: one place
                on_class.add(p.citizen_id)
                taken.add(p.pk)
                enrolment = self.enrolment(klass, p)
                klass.enrolled.append(enrolment)
                enrolments.append(enrolment)
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
        self.counts["enrolments"] = len(enrolments)
        self.attendance(appointments)

    def fits(self, klass: _Class, p: Pathway) -> bool:
        """Whether the pathway's story can be the class's (see the module docstring)."""
        start = klass.row.start_date
        ended = p.ended_at.astimezone(self.b.cutoff.tzinfo).date() if p.ended_at else None
        last = klass.row.end_date
        if klass.phase == "past":
            if p.status == PathwayStatus.COMPLETED:
                return self.rng.random() < INCLUDE_COMPLETED
            return (
                p.status == PathwayStatus.DROPPED_OUT
                and ended is not None
                and (start - timedelta(days=14) <= ended <= last)
            )
        if p.status == PathwayStatus.DROPPED_OUT:
            return ended is not None and start <= ended
        return p.status in (PathwayStatus.BOOKED, PathwayStatus.ACTIVE)

    def enrolment(self, klass: _Class, p: Pathway) -> Enrolment:
        row = klass.row
        enrolled_at = min(
            max(
                p.created_at,
                datetime.combine(
                    row.start_date - timedelta(days=21), time(9), tzinfo=self.b.cutoff.tzinfo
                ),
            ),
            self.cutoff - timedelta(hours=2),
        )
        status, ended_at, reason = EnrolmentStatus.ENROLLED, None, None
        if p.status == PathwayStatus.DROPPED_OUT:
            status, ended_at, reason = EnrolmentStatus.DROPPED_OUT, p.ended_at, p.dropout_reason
            enrolled_at = min(enrolled_at, p.ended_at - timedelta(hours=1))
        elif klass.phase == "past":
            status, ended_at = EnrolmentStatus.COMPLETED, row.completed_at
        return Enrolment(
            programme_class=row,
            pathway=p,
            citizen_id=p.citizen_id,
            status=status,
            enrolled_at=enrolled_at,
            enrolled_by=row.lead,
            ended_at=ended_at,
            dropout_reason=reason,
        )

    def attendance(self, appointments: dict[int, list[Appointment]]) -> None:
        rng = self.rng
        rows: list[Attendance] = []
        talks: list[IndividualSession] = []
        flagged = 0
        for klass in self.classes:
            held = [
                s
                for s in klass.sessions
                if s.status == SessionStatus.PLANNED and s.start < self.cutoff
            ]
            definitions = list(
                SessionDefinition.objects.filter(programme=klass.programme).order_by("order", "pk")
            )
            plan_talks = rules.plan_talks(definitions)
            planned = sum(1 for s in klass.sessions if s.status == SessionStatus.PLANNED) + len(
                plan_talks
            )
            for e in klass.enrolled:
                linked = self.link_talks(e, plan_talks, appointments.get(e.pathway_id, []))
                talks += linked
                talks_attended = sum(
                    1 for t in linked if t.appointment.status == AppointmentStatus.ATTENDED
                )
                sessions = [s for s in held if e.ended_at is None or s.start < e.ended_at]
                marks = self.marks(klass, e, sessions)
                if e.status == EnrolmentStatus.COMPLETED:
                    # Completers meet the rule: turn misses into presence until they do.
                    for i in range(len(marks)):
                        present = sum(m == AttendanceStatus.PRESENT for m in marks)
                        if rules.meets_completion(
                            attended=present + talks_attended,
                            planned=planned,
                            min_percent=klass.programme.completion_min_percent,
                        ):
                            break
                        marks[i] = AttendanceStatus.PRESENT
                if (
                    e.status == EnrolmentStatus.ENROLLED
                    and klass.phase == "running"
                    and len(marks) >= 3
                    and rng.random() < 0.2
                ):
                    run = klass.programme.flag_after_missed
                    marks[-run:] = [AttendanceStatus.ABSENT] * min(run, len(marks))
                    flagged += 1
                for s, mark in zip(sessions, marks, strict=True):
                    registered = s.end + timedelta(minutes=rng.randint(2, 90))
                    rows.append(
                        Attendance(
                            session=s,
                            enrolment=e,
                            status=mark,
                            registered_at=min(registered, self.cutoff - timedelta(minutes=1)),
                            registered_by=klass.row.lead,
                        )
                    )
        Attendance.objects.bulk_create(rows, batch_size=5000)
        IndividualSession.objects.bulk_create(talks, batch_size=2000)
        self.counts["attendance"] = len(rows)
        self.counts["individual_sessions"] = len(talks)
        self.counts["flagged"] = flagged

    def marks(self, klass: _Class, e: Enrolment, sessions: list[ClassSession]) -> list[str]:
        """Presence mostly; a dropout misses the last one or two before leaving."""
        rng = self.rng
        chance = PRESENT_RUNNING if e.status == EnrolmentStatus.ENROLLED else PRESENT
        marks = [
            AttendanceStatus.PRESENT
            if rng.random() < chance
            else rng.choice((AttendanceStatus.ABSENT, AttendanceStatus.CANCELLED))
            for _ in sessions
        ]
        if e.status == EnrolmentStatus.DROPPED_OUT and marks:
            run = min(len(marks), rng.choice((1, 2, 2)))
            marks[-run:] = [AttendanceStatus.ABSENT] * run
        return marks

    def link_talks(
        self, e: Enrolment, plan: list[rules.PlannedTalk], appointments: list[Appointment]
    ) -> list[IndividualSession]:
        """The pathway's appointments as the programme's individual sessions, in time order
        (start talk = first appointment, end talk = the last when there are only two)."""
        usable = [
            a
            for a in appointments
            if a.status not in (AppointmentStatus.DECLINED, AppointmentStatus.CANCELLED)
        ]
        if not plan or not usable:
            return []
        if len(plan) == 2 and len(usable) >= 2:
            usable = [usable[0], usable[-1]]
        talks = []
        for talk, appointment in zip(plan, usable, strict=False):
            definition: SessionDefinition = talk.definition  # type: ignore[assignment]
            mode = SessionMode.IN_PERSON
            if SessionMode.PHONE in definition.modes and len(definition.modes) > 2:
                mode = _pick(self.rng, TALK_MODES)
            talks.append(
                IndividualSession(
                    enrolment=e,
                    definition=definition,
                    number=talk.number,
                    mode=mode,
                    appointment=appointment,
                )
            )
        return talks

    def summary(self) -> dict[str, int]:
        done = [
            e
            for k in self.classes
            if k.phase == "past"
            for e in k.enrolled
            if e.status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT)
        ]
        completed = sum(1 for e in done if e.status == EnrolmentStatus.COMPLETED)
        self.counts["class_completion_percent"] = round(100 * completed / len(done)) if done else 0
        return dict(self.counts)


def _password() -> str:
    from forlob.demo.generator import PASSWORD

    return PASSWORD


def extend(b: Any) -> dict[str, int]:
    builder = _Programmes(b)
    builder.neuropsychologist()
    builder.schedule()
    builder.enrol()
    return builder.summary()
