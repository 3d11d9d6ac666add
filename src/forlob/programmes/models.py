"""Group programmes: programme templates, classes (hold) with their sessions, enrolment, attendance.

A **programme** (e.g. "KOL-hold", "GAIN hjernerystelse") is managed data: which sessions it has
(``SessionDefinition``: count, group or individual, duration, mode, spacing, professions), which
referrals it takes, its completion rule and when a citizen is flagged for missing sessions.

A **class** (``ProgrammeClass``, "hold") is one run of a programme at a location. Creating it
generates its group sessions (``ClassSession``) into the staff calendars; ``SessionStaff`` holds
one row per staff member and session with the time copied, so PostgreSQL can refuse overlapping
sessions per staff member with an exclusion constraint (migration 0003). Individual sessions
(e.g. GAIN's talks) are appointments in ``scheduling`` on the citizen's pathway, tied to the
enrolment by ``IndividualSession``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.choices import Profession
from forlob.core.models import Location, Municipality, Team
from forlob.pathways.models import DropoutReason, Pathway
from forlob.referrals.models import ChronicDisease, ReferralType


class SessionKind(models.TextChoices):
    GROUP = "group", _("Group session")
    INDIVIDUAL = "individual", _("Individual session")


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class SpacingUnit(models.TextChoices):
    WEEK = "week", _("Weeks")
    DAY = "day", _("Days")


class Programme(models.Model):
    """A programme template (forløbsprogram, GAIN): managed data an administrator may edit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    referral_types = models.ManyToManyField(
        ReferralType,
        related_name="programmes",
        verbose_name=_("referral types"),
        help_text=_("Citizens with a referral of one of these types may be enrolled."),
    )
    chronic_disease = models.CharField(
        _("disease"),
        max_length=20,
        choices=ChronicDisease.choices,
        blank=True,
        help_text=_("When set, only referrals for this disease match."),
    )
    lead_profession = models.CharField(
        _("led by"),
        max_length=40,
        choices=Profession.choices,
        help_text=_("The profession that leads a class; the lead is responsible for pathways."),
    )
    duration_weeks = models.PositiveSmallIntegerField(_("length (weeks)"), default=8)
    default_capacity = models.PositiveSmallIntegerField(_("default capacity"), default=10)
    completion_min_percent = models.PositiveSmallIntegerField(
        _("completed at (per cent of sessions attended)"),
        default=75,
        help_text=_("A citizen completes when at least this share of the sessions was attended."),
    )
    flag_after_missed = models.PositiveSmallIntegerField(
        _("flag after missed sessions in a row"), default=2
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["ordering", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completion_min_percent__lte=100),
                name="programme_completion_percent_max_100",
            ),
            models.CheckConstraint(
                condition=models.Q(flag_after_missed__gte=1),
                name="programme_flag_after_at_least_1",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SessionDefinition(models.Model):
    """One kind of session in a programme: how many, how long, how and when, and by whom.

    Spacing: session *i* lies ``offsets[i]`` units (weeks or days) after the class's start date;
    without offsets, every ``interval`` units from ``first_offset``. Group sessions start at the
    class's start time; two on the same day follow each other (see ``rules.plan_sessions``).
    For an individual session the offsets say in which week it should take place.
    """

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="definitions",
        verbose_name=_("programme"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=SessionKind.choices)
    count = models.PositiveSmallIntegerField(_("number of sessions"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    modes = models.JSONField(
        _("modes"),
        default=list,
        help_text=_("In person, phone or video; the first is the default."),
    )
    unit = models.CharField(
        _("spacing unit"), max_length=10, choices=SpacingUnit.choices, default=SpacingUnit.WEEK
    )
    offsets = models.JSONField(
        _("offsets"),
        default=list,
        blank=True,
        help_text=_("One offset per session from the start date, e.g. 0, 3, 7 (weeks)."),
    )
    first_offset = models.PositiveSmallIntegerField(_("first offset"), default=0)
    interval = models.PositiveSmallIntegerField(_("interval"), default=1)
    professions = models.JSONField(
        _("professions"),
        default=list,
        help_text=_("Group session: the professions taking part. Individual: who may hold it."),
    )

    class Meta:
        verbose_name = _("session definition")
        verbose_name_plural = _("session definitions")
        ordering = ["programme", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__gte=1), name="sessiondefinition_count_at_least_1"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="sessiondefinition_duration_5_to_480",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.count} × {self.duration_minutes} min)"

    @property
    def is_group(self) -> bool:
        return self.kind == SessionKind.GROUP

    @property
    def default_mode(self) -> str:
        return self.modes[0] if self.modes else SessionMode.IN_PERSON

    def offset_days(self) -> list[int]:
        """Days from the class's start date to each session (``count`` values)."""
        per = 7 if self.unit == SpacingUnit.WEEK else 1
        if self.offsets:
            values = [int(v) for v in self.offsets][: self.count]
        else:
            values = [self.first_offset + i * self.interval for i in range(self.count)]
        return [v * per for v in values]

    def mode_labels(self) -> list[str]:
        return [str(SessionMode(m).label) for m in self.modes if m in SessionMode.values]

    def profession_labels(self) -> list[str]:
        return [str(Profession(p).label) for p in self.professions if p in Profession.values]


class ClassStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")


class ProgrammeClass(models.Model):
    """A class (hold): one run of a programme at a location with a start date and its staff."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="classes", verbose_name=_("programme")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programme_classes",
        verbose_name=_("team"),
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    name = models.CharField(_("name"), max_length=150)
    start_date = models.DateField(_("start date"))
    start_time = models.TimeField(_("start time"))
    end_date = models.DateField(_("last session"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="programme_classes", verbose_name=_("staff")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ClassStatus.choices, default=ClassStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["-start_date", "name"]
        indexes = [models.Index(fields=["municipality", "status", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="programmeclass_capacity_at_least_1"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")


class ClassSession(models.Model):
    """A group session of a class, in the calendars of the staff taking part."""

    programme_class = models.ForeignKey(
        ProgrammeClass, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("class")
    )
    definition = models.ForeignKey(
        SessionDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session definition"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=150)
    mode = models.CharField(
        _("mode"), max_length=20, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="SessionStaff",
        related_name="class_sessions",
        verbose_name=_("staff"),
    )

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["start", "number"]
        indexes = [models.Index(fields=["start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="classsession_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["programme_class", "number"], name="classsession_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_class}: {self.number}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class SessionStaff(models.Model):
    """A staff member's part in a session; the time is copied here for the overlap constraint."""

    session = models.ForeignKey(
        ClassSession, on_delete=models.CASCADE, related_name="staffing", verbose_name=_("session")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="session_staffing",
        verbose_name=_("staff member"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("session staff")
        verbose_name_plural = _("session staff")
        indexes = [models.Index(fields=["staff", "start"])]
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="sessionstaff_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="sessionstaff_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.start:%Y-%m-%d %H:%M}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class Enrolment(models.Model):
    """A citizen on a class, through the pathway that the referral became."""

    programme_class = models.ForeignKey(
        ProgrammeClass,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("class"),
    )
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("pathway")
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("citizen")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
        db_index=True,
    )
    enrolled_at = models.DateTimeField(_("enrolled"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolled by"),
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    dropout_reason = models.ForeignKey(
        DropoutReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dropout reason"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["enrolled_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme_class", "citizen"], name="enrolment_unique_citizen"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_class} – {self.citizen_id}"

    @property
    def is_enrolled(self) -> bool:
        return self.status == EnrolmentStatus.ENROLLED


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    CANCELLED = "cancelled", _("Cancelled in advance")


class Attendance(models.Model):
    """Whether a citizen came to a group session. No row: not registered yet."""

    session = models.ForeignKey(
        ClassSession,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("session"),
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("enrolment")
    )
    status = models.CharField(_("status"), max_length=20, choices=AttendanceStatus.choices)
    registered_at = models.DateTimeField(_("registered"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.enrolment_id}: {self.status}"


class IndividualSession(models.Model):
    """An individual session of an enrolment (e.g. a GAIN talk): an appointment on the pathway."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="individual_sessions",
        verbose_name=_("enrolment"),
    )
    definition = models.ForeignKey(
        SessionDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session definition"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    mode = models.CharField(
        _("mode"), max_length=20, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        on_delete=models.CASCADE,
        related_name="individual_session",
        verbose_name=_("appointment"),
    )

    class Meta:
        verbose_name = _("individual session")
        verbose_name_plural = _("individual sessions")
        ordering = ["enrolment", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.number}"
