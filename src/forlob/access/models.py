"""The audit log: one row per read or write of citizen data, allowed or denied."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Someone tried to change or remove an audit entry through the application.

    The log is evidence (Sundhedsloven: the citizen may ask who looked): rows are only ever added.
    Old rows leave only through ``forlob purge-audit`` (access/retention.py), which bypasses the
    ORM on purpose. The database refuses the same with triggers (migration 0004).
    """


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    """Reads and inserts as usual; bulk changes and deletes refuse."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("The access log is append-only: update() refused.")

    def bulk_update(self, objs: object, fields: object, batch_size: int | None = None) -> int:
        raise AppendOnlyError("The access log is append-only: bulk_update() refused.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            "The access log is append-only: delete() refused (old rows: forlob purge-audit)."
        )

    delete.queryset_only = True  # type: ignore[attr-defined]  # as Django's: not on the manager


class AccessLog(models.Model):
    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        DENIED = "denied", _("Denied")

    class Kind(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")
        SEARCH = "search", _("Search")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Snapshots: the log must still say who and in which role after a user changes or leaves.
    actor_name = models.CharField(_("user name"), max_length=200)
    actor_roles = models.CharField(_("roles"), max_length=200, blank=True)
    citizen = models.ForeignKey(
        "citizens.Citizen",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("citizen"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    operation = models.CharField(_("operation"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["citizen", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.operation} {self.outcome}"

    def save(self, *args: object, **kwargs: object) -> None:
        # A row that came from the database is never written back: no corrections, no updates.
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only: an entry cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log is append-only: an entry cannot be deleted.")


class BreakGlassAccess(models.Model):
    """An emergency read outside the user's current relations ("break the glass").

    Allowed for a limited time with a mandatory reason; every grant waits for review by an
    administrator, who confirms it was justified or marks it for follow-up.
    """

    class Review(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        JUSTIFIED = "justified", _("Justified")
        NOT_JUSTIFIED = "not_justified", _("Not justified")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="break_glass_grants",
        verbose_name=_("user"),
    )
    citizen = models.ForeignKey(
        "citizens.Citizen",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("citizen"),
    )
    reason = models.CharField(_("reason"), max_length=500)
    granted_at = models.DateTimeField(_("granted"), db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    review = models.CharField(
        _("review"), max_length=20, choices=Review.choices, default=Review.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["actor", "citizen", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.granted_at:%Y-%m-%d %H:%M} {self.actor_id} → {self.citizen_id}"
