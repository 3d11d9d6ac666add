"""Staff calendars (working hours, absences) and appointments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.models import Location
from forlob.pathways.models import Pathway


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name=_("staff member"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["staff", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="workinghours_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Absence(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        SICK = "sick", _("Sick")
        COURSE = "course", _("Course")
        OTHER = "other", _("Other")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("staff member"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to (inclusive)"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="absence_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}–{self.end_date}"


class ExtraCapacity(models.Model):
    """Extra bookable hours opened by a manager (e.g. holiday cover): working hours for one day.

    Counted as working time by booking, free-time suggestions and the optimiser.
    """

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="extra_capacity",
        verbose_name=_("staff member"),
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("extra capacity")
        verbose_name_plural = _("extra capacity")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="extra_capacity_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined by citizen")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not show up")


# Statuses that occupy the therapist's time. A declined or cancelled time is free again.
BUSY_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)


class Appointment(models.Model):
    pathway = models.ForeignKey(
        Pathway,
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("pathway"),
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("citizen")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("therapist"),
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("location")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    is_first = models.BooleanField(_("first appointment"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        indexes = [models.Index(fields=["staff", "start"]), models.Index(fields=["start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start:%d.%m.%Y %H:%M} {self.staff}"


class ProposalRun(models.Model):
    """One press of "Propose times": the optimiser's plan for the inbox, kept until accepted."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    referrals = models.PositiveIntegerField(_("referrals"))
    with_deadline = models.PositiveIntegerField(_("referrals with a deadline"))
    within_deadline = models.PositiveIntegerField(_("offered within the deadline"))
    bound_within_deadline = models.PositiveIntegerField(_("at most possible within the deadline"))
    total_days_late = models.PositiveIntegerField(_("total days late"))
    unassigned = models.JSONField(_("without any time"), default=list)  # referral ids
    shortfall = models.JSONField(_("capacity short"), default=list)
    solver = models.CharField(_("solver"), max_length=20)
    seconds = models.FloatField(_("seconds"))

    class Meta:
        verbose_name = _("proposal run")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.within_deadline}/{self.with_deadline}"


class BookingProposal(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Booked")
        FAILED = "failed", _("Could not be booked")

    run = models.ForeignKey(ProposalRun, on_delete=models.CASCADE, related_name="proposals")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    within_deadline = models.BooleanField(_("within the deadline"))
    days_late = models.PositiveSmallIntegerField(_("days late"), default=0)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("booking proposal")
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} → {self.staff_id} {self.start:%Y-%m-%d %H:%M}"


class SimulationRun(models.Model):
    """One replay of the past weeks' GOPs through first come, first served and the optimiser
    (``scheduling/simulation.py``); the capacity page shows the latest."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    weeks = models.PositiveSmallIntegerField(_("weeks"))
    totals = models.JSONField(_("totals"), default=dict)
    per_week = models.JSONField(_("per week"), default=list)
    seconds = models.FloatField(_("seconds"))

    class Meta:
        verbose_name = _("booking simulation")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.weeks})"


class CalendarFeed(models.Model):
    """A staff member's private calendar address (``/calendar/feed/<token>.ics``) for Outlook,
    Google or a phone: their own appointments, group sessions and absences, nothing else.

    As with ``core.ApiToken``, the token is shown once, when it is made; only its SHA-256 hash is
    stored, so a copy of the database does not hand out working addresses. A user has at most one
    live feed: making a new one revokes the old (``scheduling/feeds.py``). The address stops
    working when it is revoked or the user is deactivated or loses access to calendars.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("user"),
    )
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.prefix}…)"
