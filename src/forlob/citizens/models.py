"""The citizen (borger) and notes on the citizen's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens import cpr as cprlib
from forlob.core.models import Municipality


class HealthLiteracy(models.TextChoices):
    """Result of the health-literacy screening (sundhedskompetence), stored on the citizen."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Citizen(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    # Stored without the dash. Sensitive: never in URLs, logs or exports (see citizens/cpr.py).
    cpr = models.CharField(
        _("CPR number"), max_length=10, unique=True, validators=[cprlib.validate_cpr]
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="citizens",
        verbose_name=_("municipality"),
    )
    health_literacy = models.CharField(
        _("health literacy"),
        max_length=10,
        choices=HealthLiteracy.choices,
        blank=True,
        help_text=_("The result of the latest health-literacy screening."),
    )
    health_literacy_assessed_on = models.DateField(
        _("health literacy assessed on"), null=True, blank=True
    )
    sms_opt_out = models.BooleanField(
        _("no SMS reminders"), default=False, help_text=_("The citizen declined SMS reminders.")
    )
    email_opt_out = models.BooleanField(
        _("no e-mail reminders"),
        default=False,
        help_text=_("The citizen declined e-mail reminders."),
    )
    is_test_person = models.BooleanField(
        _("test person"),
        default=False,
        help_text=_("Synthetic citizen made by the demo generator or tests."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def cpr_masked(self) -> str:
        return cprlib.mask(self.cpr)

    @property
    def cpr_formatted(self) -> str:
        return f"{self.cpr[:6]}-{self.cpr[6:]}"


class CitizenNote(models.Model):
    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="notes", verbose_name=_("citizen")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y} {self.author}"
