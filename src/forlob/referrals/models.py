"""Referrals (henvisninger) of every kind, and the managed list of referral types."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.core.models import Municipality, Team


class ReferralType(models.Model):
    """A kind of referral with its legal basis and its offer target.

    ``code`` is stable and used by the code (e.g. ``gop``); name, legal basis and target are data
    that an administrator may edit. The GOP's 7-day target counts from the hospital discharge
    date; other types count from the day the referral was received.
    """

    class DeadlineFrom(models.TextChoices):
        DISCHARGE = "discharge", _("Discharge from hospital")
        RECEIVED = "received", _("Referral received")

    # Stable codes referred to by the code base.
    GOP = "gop"
    FREE_PHYSIO = "free_physio"
    CHRONIC = "chronic"
    COORDINATION = "coordination"
    RESOURCE = "resource"
    CONCUSSION = "concussion"
    EVERYDAY_REHAB = "everyday_rehab"

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=150)
    legal_basis = models.CharField(_("legal basis"), max_length=150)
    target_days = models.PositiveSmallIntegerField(
        _("offer target (days)"),
        null=True,
        blank=True,
        help_text=_("Calendar days within which a first time must be offered. Empty: no target."),
    )
    deadline_from = models.CharField(
        _("target counted from"),
        max_length=20,
        choices=DeadlineFrom.choices,
        default=DeadlineFrom.RECEIVED,
    )
    first_appointment_minutes = models.PositiveSmallIntegerField(
        _("length of first appointment (minutes)"), default=60
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("referral type")
        verbose_name_plural = _("referral types")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_gop(self) -> bool:
        return self.code == self.GOP


class ChronicDisease(models.TextChoices):
    CANCER = "cancer", _("Cancer")
    COPD = "copd", _("COPD")
    CARDIOVASCULAR = "cardiovascular", _("Cardiovascular disease")
    DIABETES = "diabetes", _("Diabetes")
    LOW_BACK = "low_back", _("Low back pain")


class CoordinationArea(models.TextChoices):
    CANCER = "cancer", _("Cancer")
    BRAIN_INJURY = "brain_injury", _("Acquired brain injury")
    SICK_LISTED = "sick_listed", _("Sick-listed with brain injury")


class Referral(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Pathway created")
        REJECTED = "rejected", _("Rejected")

    class RejectReason(models.TextChoices):
        # KL Gateway Rehab status reasons for a plan that does not become a pathway here.
        OTHER_MUNICIPALITY = "other_municipality", _("Belongs to another municipality")
        SENT_IN_ERROR = "sent_in_error", _("Sent in error")
        FREE_CHOICE = "free_choice", _("Citizen chose another provider (free choice)")
        DUPLICATE = "duplicate", _("Duplicate")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("citizen")
    )
    referral_type = models.ForeignKey(
        ReferralType,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("referral type"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("receiving municipality"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("team"),
    )
    sender = models.CharField(
        _("sender"), max_length=200, blank=True, help_text=_("Hospital department or GP.")
    )
    received_date = models.DateField(_("received"))
    discharge_date = models.DateField(_("discharged from hospital"), null=True, blank=True)
    gop_level = models.CharField(_("level"), max_length=20, choices=GopLevel.choices, blank=True)
    diagnosis_area = models.CharField(
        _("diagnosis area"), max_length=20, choices=DiagnosisArea.choices, blank=True
    )
    chronic_disease = models.CharField(
        _("disease"), max_length=20, choices=ChronicDisease.choices, blank=True
    )
    coordination_area = models.CharField(
        _("coordination area"), max_length=20, choices=CoordinationArea.choices, blank=True
    )
    diagnosis_text = models.CharField(_("diagnosis"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    offer_deadline = models.DateField(_("offer deadline"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    reject_reason = models.CharField(
        _("reason"), max_length=30, choices=RejectReason.choices, blank=True
    )
    # The sending system's identifier (e.g. a FHIR ServiceRequest identifier): idempotent import.
    external_id = models.CharField(
        _("external identifier"), max_length=200, null=True, blank=True, unique=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The citizen's wishes for the first appointment, used by "propose times".
    preferred_location = models.ForeignKey(
        "core.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred location"),
    )
    unavailable_weekdays = models.CharField(
        _("weekdays the citizen cannot come"), max_length=20, blank=True
    )  # comma-separated ISO weekday numbers, Monday = 0 (as date.weekday())

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["offer_deadline", "received_date"]
        indexes = [models.Index(fields=["municipality", "status", "offer_deadline"])]

    def __str__(self) -> str:
        return f"{self.referral_type} ({self.received_date:%d.%m.%Y})"

    @property
    def unavailable_weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.unavailable_weekdays.split(",") if d.strip())

    @property
    def arrived_after_discharge(self) -> bool:
        """The plan reached us after discharge: the clock was already running."""
        return bool(self.discharge_date and self.received_date > self.discharge_date)

    def days_left(self, today: date) -> int | None:
        if self.offer_deadline is None:
            return None
        return (self.offer_deadline - today).days

    @property
    def subtype_display(self) -> str:
        """The type-specific classification in one phrase (level + area, disease, ...)."""
        parts = [
            self.get_gop_level_display() if self.gop_level else "",
            self.get_diagnosis_area_display() if self.diagnosis_area else "",
            self.get_chronic_disease_display() if self.chronic_disease else "",
            self.get_coordination_area_display() if self.coordination_area else "",
        ]
        return ", ".join(p for p in parts if p)
