"""Everyday rehabilitation at home (hverdagsrehabilitering, Serviceloven §83 a).

The application is a referral of type ``everyday_rehab`` that becomes a pathway at once (status
*referred*); ``RehabCase`` hangs off that pathway one-to-one and carries what is particular to
everyday rehabilitation: the application, the assessor's assessment with the shadow assessment,
the time-limited grant, the citizen's choice of provider, the start meeting, the plan with its
goals and actions, the weekly and professional evaluations, the outcome and the home visits of
the driving lists. The pathway's state machine, the access relations and the KPIs work
unchanged: every state change goes through ``forlob.pathways.services``.

Who sees what (see ``homecare/access.py``): the municipality's staff see the whole case within
their reach; a provider's staff (private or municipal home care) see only the cases of citizens
who chose *their* provider, and only the plan, its actions, the evaluations and the driving list
— never the assessor's notes or the shadow assessment.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.models import Municipality, Provider
from forlob.measures import fsiii
from forlob.pathways.models import Pathway

# --- configuration and managed lists ------------------------------------------------------------


class HomecareSettings(models.Model):
    """The municipality's rules for everyday rehabilitation (defaults when no row exists)."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="homecare_settings",
        verbose_name=_("municipality"),
    )
    default_weeks = models.PositiveSmallIntegerField(
        _("default length (weeks)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("A grant without an end date runs this many weeks."),
    )
    max_weeks = models.PositiveSmallIntegerField(
        _("longest grant (weeks)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    start_meeting_days = models.PositiveSmallIntegerField(
        _("start meeting within (days)"),
        default=5,
        help_text=_("Calendar days from the grant to the start meeting."),
    )
    hourly_rate = models.DecimalField(
        _("hourly rate of home care (DKK)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("450.00"),
        help_text=_("Used to put an annual value on the minutes saved."),
    )
    package_1_minutes = models.PositiveSmallIntegerField(
        _("package 1: extra minutes per visit"), default=0
    )
    package_2_minutes = models.PositiveSmallIntegerField(
        _("package 2: extra minutes per visit"), default=10
    )
    package_3_minutes = models.PositiveSmallIntegerField(
        _("package 3: extra minutes per visit"), default=20
    )
    visit_minutes = models.PositiveSmallIntegerField(
        _("length of a planned rehabilitation visit (minutes)"), default=30
    )

    class Meta:
        verbose_name = _("everyday rehabilitation settings")
        verbose_name_plural = _("everyday rehabilitation settings")

    def __str__(self) -> str:
        return str(self.municipality)

    @classmethod
    def for_municipality(cls, municipality_id: int | None) -> HomecareSettings:
        """The municipality's settings; an unsaved row with the defaults if none is stored."""
        found = cls.objects.filter(municipality_id=municipality_id).first()
        return found or cls(municipality_id=municipality_id)

    def package_minutes(self, package: int | None) -> int:
        return {
            1: self.package_1_minutes,
            2: self.package_2_minutes,
            3: self.package_3_minutes,
        }.get(package or 0, 0)


class Criterion(models.Model):
    """An inclusion or exclusion criterion for rehabilitation potential (a managed list)."""

    class Kind(models.TextChoices):
        INCLUSION = "inclusion", _("Inclusion")
        EXCLUSION = "exclusion", _("Exclusion")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    needs_text = models.BooleanField(
        _("needs a description"), default=False, help_text=_("For example “other”.")
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inclusion/exclusion criterion")
        verbose_name_plural = _("inclusion/exclusion criteria")
        ordering = ["kind", "ordering", "name"]

    def __str__(self) -> str:
        return self.name


class HomecareService(models.Model):
    """A home-care service (§83) that can be granted in minutes a week (a managed list)."""

    class Area(models.TextChoices):
        PERSONAL_CARE = "personal_care", _("Personal care")
        PRACTICAL_HELP = "practical_help", _("Practical help")

    name = models.CharField(_("name"), max_length=150, unique=True)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("home-care service")
        verbose_name_plural = _("home-care services")
        ordering = ["area", "ordering", "name"]

    def __str__(self) -> str:
        return self.name


class ProviderKeyPerson(models.Model):
    """A provider's key person for rehabilitation (nøgleperson): contact for the therapists."""

    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        related_name="rehab_key_persons",
        verbose_name=_("provider"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rehab_key_roles",
        verbose_name=_("staff member"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("key person for rehabilitation")
        verbose_name_plural = _("key persons for rehabilitation")
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="keyperson_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.provider})"


class CareGroup(models.Model):
    """A home-care group (gruppe/distrikt) of a provider: the unit a driving list is made for."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="care_groups", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=150)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="care_groups", verbose_name=_("staff")
    )

    class Meta:
        verbose_name = _("home-care group")
        verbose_name_plural = _("home-care groups")
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="caregroup_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


# --- the case -----------------------------------------------------------------------------------


class ApplicationKind(models.TextChoices):
    PERSONAL_CARE = "personal_care", _("Personal care")
    PRACTICAL_HELP = "practical_help", _("Practical help")
    REASSESSMENT = "reassessment", _("Re-assessment")


class Outcome(models.TextChoices):
    SELF_RELIANT = "self_reliant", _("Self-reliant (no help)")
    LESS_HELP = "less_help", _("Less help")
    SAME_HELP = "same_help", _("Same help")
    MORE_HELP = "more_help", _("More help")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class DropoutCause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    HOSPITAL = "hospital_admission", _("Hospital admission")
    DEATH = "death", _("Death")
    DECLINED = "declined", _("Declined")
    OTHER = "other", _("Other")


class ResponsibleProfession(models.TextChoices):
    THERAPIST = "therapist", _("Therapist")
    NURSE = "nurse", _("Nurse")


class Stage(models.TextChoices):
    """Where a case stands; derived from its rows, never stored."""

    ASSESSMENT = "assessment", _("Awaiting assessment")
    NOT_GRANTED = "not_granted", _("No rehabilitation potential")
    GRANT = "grant", _("Awaiting grant")
    PROVIDER = "provider", _("Awaiting choice of provider")
    START_MEETING = "start_meeting", _("Awaiting start meeting")
    ACTIVE = "active", _("In rehabilitation")
    ENDED = "ended", _("Ended")


class RehabCase(models.Model):
    """One application for help that may become an everyday-rehabilitation course."""

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="rehab_cases", verbose_name=_("citizen")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    pathway = models.OneToOneField(
        Pathway, on_delete=models.PROTECT, related_name="rehab_case", verbose_name=_("pathway")
    )
    kind = models.CharField(_("applied for"), max_length=20, choices=ApplicationKind.choices)
    received_on = models.DateField(_("application received"))
    is_existing_homecare = models.BooleanField(
        _("already receives home care"),
        help_text=_("New citizens and citizens already in home care are compared in the figures."),
    )
    weekly_minutes_before = models.PositiveIntegerField(
        _("granted minutes a week before"),
        null=True,
        blank=True,
        help_text=_("The home care the citizen had before the application, if known."),
    )
    application_text = models.TextField(_("what the citizen applies for"), blank=True)
    # The current provider (the latest ProviderChoice); the pathway's provider mirrors it.
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rehab_cases",
        verbose_name=_("provider"),
    )
    provider_chosen_on = models.DateField(_("provider chosen on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    dropout_cause = models.CharField(
        _("reason for dropping out"), max_length=20, choices=DropoutCause.choices, blank=True
    )
    dropout_text = models.CharField(_("reason, described"), max_length=300, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("everyday rehabilitation case")
        verbose_name_plural = _("everyday rehabilitation cases")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["municipality", "ended_on"])]

    def __str__(self) -> str:
        return f"{_('Everyday rehabilitation')} – {self.citizen}"

    @property
    def stage(self) -> Stage:
        assessment = getattr(self, "assessment", None)
        if self.ended_on is not None or self.outcome:
            return Stage.ENDED
        if assessment is None or assessment.has_potential is None:
            return Stage.ASSESSMENT
        if assessment.has_potential is False:
            return Stage.NOT_GRANTED
        if getattr(self, "grant", None) is None:
            return Stage.GRANT
        if self.provider_id is None:
            return Stage.PROVIDER
        meeting = getattr(self, "start_meeting", None)
        if meeting is None or not meeting.held:
            return Stage.START_MEETING
        return Stage.ACTIVE

    @property
    def is_open(self) -> bool:
        return self.stage not in (Stage.ENDED, Stage.NOT_GRANTED)


class Assessment(models.Model):
    """The assessor's overall assessment: FSIII levels, rehabilitation potential, notes.

    ``notes`` is the assessor's own text and is never shown to a provider's staff.
    """

    case = models.OneToOneField(
        RehabCase, on_delete=models.CASCADE, related_name="assessment", verbose_name=_("case")
    )
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessor"),
    )
    # FSIII item code ("J1.1") -> level 0–4 or 9 (not relevant); items not assessed are absent.
    fsiii_levels = models.JSONField(_("functional ability (FSIII)"), default=dict, blank=True)
    notes = models.TextField(_("overall assessment"), blank=True)
    has_potential = models.BooleanField(_("rehabilitation potential"), null=True)
    criteria = models.ManyToManyField(
        Criterion, blank=True, related_name="+", verbose_name=_("criteria")
    )
    criteria_text = models.CharField(_("other criterion, described"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.case} ({self.assessed_on:%d.%m.%Y})"


class ServiceLine(models.Model):
    """Minutes a week of one service: the shadow assessment, or the help granted afterwards."""

    class Purpose(models.TextChoices):
        SHADOW = "shadow", _("Shadow assessment")
        AFTER = "after", _("Help granted afterwards")

    case = models.ForeignKey(
        RehabCase, on_delete=models.CASCADE, related_name="service_lines", verbose_name=_("case")
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    service = models.ForeignKey(
        HomecareService, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    weekly_minutes = models.PositiveIntegerField(
        _("minutes a week"), validators=[MinValueValidator(1), MaxValueValidator(10080)]
    )

    class Meta:
        verbose_name = _("service line")
        verbose_name_plural = _("service lines")
        ordering = ["purpose", "pk"]

    def __str__(self) -> str:
        return f"{self.service}: {self.weekly_minutes} min"


class Grant(models.Model):
    """The time-limited everyday-rehabilitation grant (bevilling) and its time model."""

    class TimeModel(models.TextChoices):
        PACKAGE = "package", _("Rehabilitation package")
        EXTRA_MINUTES = "extra_minutes", _("Extra minutes per visit")

    class Package(models.IntegerChoices):
        ONE = 1, _("Package 1 (no extra time)")
        TWO = 2, _("Package 2 (some extra time)")
        THREE = 3, _("Package 3 (more extra time)")

    case = models.OneToOneField(
        RehabCase, on_delete=models.CASCADE, related_name="grant", verbose_name=_("case")
    )
    decided_on = models.DateField(_("granted on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    time_model = models.CharField(
        _("extra time as"), max_length=20, choices=TimeModel.choices, default=TimeModel.PACKAGE
    )
    package = models.PositiveSmallIntegerField(
        _("package"), choices=Package.choices, null=True, blank=True
    )
    extra_minutes_per_visit = models.PositiveSmallIntegerField(
        _("extra minutes per visit"), null=True, blank=True
    )
    start_allowance_minutes = models.PositiveSmallIntegerField(
        _("start allowance (minutes)"),
        default=0,
        help_text=_("Extra time once, at the start, e.g. to make the plan with the citizen."),
    )
    responsible_profession = models.CharField(
        _("responsible professional"),
        max_length=20,
        choices=ResponsibleProfession.choices,
        default=ResponsibleProfession.THERAPIST,
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")

    def __str__(self) -> str:
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"

    @property
    def weeks(self) -> float:
        return ((self.end - self.start).days + 1) / 7

    def minutes_per_visit(self, rules: HomecareSettings) -> int:
        """The extra time each rehabilitation visit gets."""
        if self.time_model == self.TimeModel.PACKAGE:
            return rules.package_minutes(self.package)
        return self.extra_minutes_per_visit or 0


class ProviderChoice(models.Model):
    """The citizen's free choice of provider, one row per choice (the latest one counts)."""

    case = models.ForeignKey(
        RehabCase, on_delete=models.CASCADE, related_name="provider_choices", verbose_name=_("case")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    chosen_on = models.DateField(_("chosen on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("choice of provider")
        verbose_name_plural = _("choices of provider")
        ordering = ["chosen_on", "pk"]

    def __str__(self) -> str:
        return f"{self.provider} ({self.chosen_on:%d.%m.%Y})"


class StartMeeting(models.Model):
    """The start meeting: responsible professional, the provider's contact person, the citizen."""

    case = models.OneToOneField(
        RehabCase, on_delete=models.CASCADE, related_name="start_meeting", verbose_name=_("case")
    )
    date = models.DateField(_("date"))
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible professional"),
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("the provider's contact person"),
    )
    citizen_present = models.BooleanField(_("citizen present"), default=True)
    relatives = models.CharField(_("relatives present"), max_length=200, blank=True)
    held = models.BooleanField(_("held"), default=False)
    deadline = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("start meeting")
        verbose_name_plural = _("start meetings")

    def __str__(self) -> str:
        return f"{self.case} ({self.date:%d.%m.%Y})"

    @property
    def within_deadline(self) -> bool:
        return self.date <= self.deadline


# --- the plan -----------------------------------------------------------------------------------


class Goal(models.Model):
    """A goal set with the citizen: a COPM activity where possible, else linked to FSIII."""

    class Kind(models.TextChoices):
        COPM = "copm", _("COPM activity")
        FREE = "free", _("Goal linked to functional ability")

    case = models.ForeignKey(
        RehabCase, on_delete=models.CASCADE, related_name="goals", verbose_name=_("case")
    )
    kind = models.CharField(_("kind of goal"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("goal"), max_length=200)
    fsiii_item = models.CharField(_("functional ability (FSIII)"), max_length=10, blank=True)
    citizen_words = models.TextField(
        _("in the citizen's own words"), blank=True, help_text=_("What the citizen said.")
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["ordering", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def fsiii_label(self) -> str:
        item = fsiii.ITEMS.get(self.fsiii_item)
        return f"{item.code} {item.label}" if item else self.fsiii_item


class SubGoal(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="sub_goals", verbose_name=_("goal")
    )
    text = models.CharField(_("sub-goal"), max_length=200)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("sub-goal")
        verbose_name_plural = _("sub-goals")
        ordering = ["ordering", "pk"]

    def __str__(self) -> str:
        return self.text


class Performer(models.TextChoices):
    PROVIDER_STAFF = "provider_staff", _("Home-care staff")
    THERAPIST = "therapist", _("Therapist")
    CITIZEN = "citizen", _("The citizen")
    RELATIVE = "relative", _("A relative")


class PlanAction(models.Model):
    """A concrete action of the plan: what, who, how often."""

    case = models.ForeignKey(
        RehabCase, on_delete=models.CASCADE, related_name="actions", verbose_name=_("case")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("goal"),
    )
    what = models.CharField(_("what"), max_length=300)
    who = models.CharField(_("who"), max_length=20, choices=Performer.choices)
    times_per_week = models.PositiveSmallIntegerField(
        _("times a week"), validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    how = models.CharField(_("how"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["goal__ordering", "pk"]

    def __str__(self) -> str:
        return self.what


class Progress(models.IntegerChoices):
    WORSE = 0, _("Worse")
    UNCHANGED = 1, _("Unchanged")
    SOME = 2, _("Some progress")
    CLEAR = 3, _("Clear progress")
    REACHED = 4, _("Goal reached")


class WeeklyEvaluation(models.Model):
    """Home-care staff's short weekly evaluation against one goal (one per goal and week)."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("goal")
    )
    week = models.DateField(_("week (Monday)"))
    progress = models.PositiveSmallIntegerField(_("progress"), choices=Progress.choices)
    text = models.CharField(_("evaluation"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("weekly evaluation")
        verbose_name_plural = _("weekly evaluations")
        ordering = ["-week", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "week"], name="weeklyevaluation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.week:%d.%m.%Y}"


class ProfessionalEvaluation(models.Model):
    """The responsible professional's mid-way or end evaluation."""

    class Kind(models.TextChoices):
        MIDWAY = "midway", _("Mid-way evaluation")
        END = "end", _("End evaluation")

    case = models.ForeignKey(
        RehabCase,
        on_delete=models.CASCADE,
        related_name="professional_evaluations",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    text = models.TextField(_("evaluation"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("professional evaluation")
        verbose_name_plural = _("professional evaluations")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="profevaluation_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"


# --- home visits (driving lists) ----------------------------------------------------------------


class Visit(models.Model):
    """A planned home-care visit on a provider's driving list; ``is_rehab`` is the rehab marking."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("citizen")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("provider")
    )
    group = models.ForeignKey(
        CareGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("home-care group"),
    )
    case = models.ForeignKey(
        RehabCase,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("everyday rehabilitation case"),
    )
    date = models.DateField(_("date"), db_index=True)
    planned_time = models.TimeField(_("planned time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    extra_minutes = models.PositiveSmallIntegerField(_("extra minutes"), default=0)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_visits",
        verbose_name=_("staff member"),
    )
    is_rehab = models.BooleanField(_("rehabilitation"), default=False)
    actions = models.ManyToManyField(
        PlanAction, blank=True, related_name="visits", verbose_name=_("actions")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["date", "planned_time", "pk"]
        indexes = [models.Index(fields=["provider", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.planned_time:%H:%M} {self.citizen}"

    @property
    def total_minutes(self) -> int:
        return self.duration_minutes + self.extra_minutes


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
