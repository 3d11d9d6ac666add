"""The pathway (forløb): from referral to completion or dropout, with its state history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.models import Municipality, Team
from forlob.referrals.models import Referral, ReferralType


class DropoutReason(models.Model):
    """A managed list; seeded with KL Gateway Rehab's §140 cancellation types."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dropout reason")
        verbose_name_plural = _("dropout reasons")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class PathwayStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    BOOKED = "booked", _("Booked")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (PathwayStatus.REFERRED, PathwayStatus.BOOKED, PathwayStatus.ACTIVE)
CLOSED_STATUSES = (PathwayStatus.COMPLETED, PathwayStatus.DROPPED_OUT, PathwayStatus.CANCELLED)


class Pathway(models.Model):
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="pathways", verbose_name=_("citizen")
    )
    referral = models.OneToOneField(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pathway",
        verbose_name=_("referral"),
    )
    pathway_type = models.ForeignKey(
        ReferralType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="pathways",
        verbose_name=_("municipality"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pathways",
        verbose_name=_("team"),
    )
    # The provider delivering the pathway when it is not the municipality's own unit (free
    # choice: a private clinic for a GOP, a private home-care provider for everyday rehab).
    provider = models.ForeignKey(
        "core.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pathways",
        verbose_name=_("provider"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_pathways",
        verbose_name=_("responsible"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PathwayStatus.choices,
        default=PathwayStatus.REFERRED,
        db_index=True,
    )
    offer_deadline = models.DateField(_("offer deadline"), null=True, blank=True)
    # The first time offered to the citizen. It stays even when the citizen declines that time
    # and chooses a later one: the law says "offered", so the offer is what counts.
    first_offered_at = models.DateTimeField(_("first time offered on"), null=True, blank=True)
    first_offered_start = models.DateTimeField(_("first time offered"), null=True, blank=True)
    first_offer_within_deadline = models.BooleanField(
        _("offered within deadline"), null=True, blank=True
    )
    dropout_reason = models.ForeignKey(
        DropoutReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dropout reason"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return f"{self.pathway_type} – {self.citizen}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PathwayTransition(models.Model):
    """One row per state change: when, by whom, from what to what, and why."""

    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("pathway")
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=PathwayStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=PathwayStatus.choices)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
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
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
