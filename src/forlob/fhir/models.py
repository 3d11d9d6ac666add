"""System accounts: the organisations whose systems talk to Forløb over FHIR.

An ``Integration`` ties a staff-less user account to an outside organisation — a hospital or a
GP sending referrals, a private provider's system reading its plans. The account's API tokens
(``core.ApiToken``) are therefore scoped to that organisation, and its role decides what it may
do through the same access policy as people: a referring system (role ``referring_system``,
reach "the referrals it sent") or a provider's system (role ``provider_staff`` with the provider
set on the account).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Integration(models.Model):
    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Hospital")
        GP = "gp", _("General practitioner")
        PROVIDER = "provider", _("Provider")
        OTHER = "other", _("Other")

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integration",
        verbose_name=_("system account"),
    )
    name = models.CharField(_("organisation"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sor_code = models.CharField(
        _("SOR code"), max_length=20, blank=True, help_text=_("The organisation's SOR identifier.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
