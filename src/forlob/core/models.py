"""Organisations (municipality, unit, team, location, provider) and staff with roles."""

from __future__ import annotations

from datetime import time
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.core.choices import DiagnosisArea, GopLevel, Profession, Role


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("municipality code"), max_length=3, unique=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="units", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="teams", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place where training happens (a training centre, a health house)."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="locations",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opens_at = models.TimeField(_("opens at"), default=time(7, 30))
    closes_at = models.TimeField(_("closes at"), default=time(16, 0))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """A municipal or private provider of home care (free choice under §83)."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("Municipal")
        PRIVATE = "private", _("Private")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="providers",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Citizens never log in with a password; they use one-time links."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("municipality"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("provider"),
        help_text=_("Set for staff employed by a home-care provider."),
    )
    profession = models.CharField(
        _("profession"), max_length=40, choices=Profession.choices, blank=True
    )
    max_new_citizens_per_day = models.PositiveSmallIntegerField(
        _("max new citizens per day"), default=3
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["first_name", "last_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.role_assignments.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="roleassignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class Competency(models.Model):
    """A therapist may take referrals in ``diagnosis_area`` up to ``max_level``."""

    staff = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="competencies", verbose_name=_("staff member")
    )
    diagnosis_area = models.CharField(
        _("diagnosis area"), max_length=20, choices=DiagnosisArea.choices
    )
    max_level = models.CharField(_("highest level"), max_length=20, choices=GopLevel.choices)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        constraints = [
            models.UniqueConstraint(fields=["staff", "diagnosis_area"], name="competency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_diagnosis_area_display()} ≤ {self.get_max_level_display()}"


class ApiToken(models.Model):
    """A personal API token (``Authorization: Bearer <token>``) for scripts and integrations.

    The token is shown once, when it is made; we store only its SHA-256 hash, so a copy of the
    database does not hand out working credentials. A random 256-bit token needs no salt or slow
    hash: there is nothing to guess from the hash. ``prefix`` (the first characters) lets the
    owner tell tokens apart in a list without revealing them. A token acts as its user, with the
    user's roles and scope at the moment of each request; it stops working when it expires, is
    revoked, or the user is deactivated.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
