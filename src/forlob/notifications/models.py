"""Messages to citizens (SMS and e-mail): reminder settings, the outbox, attempts, the call list.

An ``OutboundMessage`` is one text to one citizen on one channel. It is written when the message
is decided (a reminder planned, a questionnaire link sent), sent later by the task worker, and
kept as the record of what was sent when, or why not. Bodies carry the minimum of health
information and never a CPR number; ``last_error`` holds a reason a member of staff can act on.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.models import Municipality

DEFAULT_OFFSETS_MINUTES = (2 * 24 * 60, 2 * 60)  # 2 days and 2 hours before
MAX_OFFSET_MINUTES = 14 * 24 * 60


def validate_offsets(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(
            _("Give at least one offset, as a list of minutes, e.g. [2880, 120].")
        )
    for item in value:
        if (
            not isinstance(item, int)
            or isinstance(item, bool)
            or not 0 < item <= MAX_OFFSET_MINUTES
        ):
            raise ValidationError(
                _("Each offset must be a whole number of minutes between 1 and %(max)d.")
                % {"max": MAX_OFFSET_MINUTES}
            )
    if len(set(value)) != len(value):
        raise ValidationError(_("The same offset is given twice."))


def default_offsets() -> list[int]:
    return list(DEFAULT_OFFSETS_MINUTES)


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ReminderSetting(models.Model):
    """How one municipality reminds its citizens. Without a row the defaults apply."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="reminder_setting",
        verbose_name=_("municipality"),
    )
    enabled = models.BooleanField(_("send reminders"), default=True)
    offsets_minutes = models.JSONField(
        _("offsets (minutes before)"),
        default=default_offsets,
        validators=[validate_offsets],
        help_text=_(
            "When to remind, in minutes before the start: [2880, 120] is 2 days and 2 hours."
        ),
    )
    sms = models.BooleanField(_("by SMS"), default=True)
    email = models.BooleanField(_("by e-mail"), default=False)
    quiet_start = models.TimeField(
        _("no SMS from"),
        default=time(21, 0),
        help_text=_("SMS reminders due in the quiet hours are sent before they begin."),
    )
    quiet_end = models.TimeField(_("no SMS until"), default=time(8, 0))
    contact_phone = models.CharField(
        _("phone for cancellations"),
        max_length=20,
        blank=True,
        help_text=_("Shown in the reminder: where the citizen calls if they cannot come."),
    )

    class Meta:
        verbose_name = _("reminder setting")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(self.municipality)

    @classmethod
    def for_municipality(cls, municipality_id: int) -> ReminderSetting:
        """The municipality's setting, or the defaults (unsaved) when it has none."""
        found = cls.objects.filter(municipality_id=municipality_id).first()
        return found or cls(municipality_id=municipality_id)

    @property
    def channels(self) -> list[str]:
        return [c for c, on in ((Channel.SMS, self.sms), (Channel.EMAIL, self.email)) if on]


class OutboundMessage(models.Model):
    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED_OPT_OUT = "skipped_opt_out", _("Not sent (declined)")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="messages", verbose_name=_("citizen")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(
        _("to"), max_length=254, blank=True, help_text=_("Mobile number or e-mail address.")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # What the message is about, e.g. "appointment:12"; with event_start and offset_minutes it
    # makes planning a reminder idempotent.
    related_key = models.CharField(_("about"), max_length=100, blank=True, db_index=True)
    event_start = models.DateTimeField(_("event start"), null=True, blank=True)
    offset_minutes = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A reason staff can act on. Known reasons are stored as English message ids and translated
    # when shown (``last_error_display``); gateway answers are stored as they came. Never a CPR.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    gateway_message_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-due_at", "-id"]
        indexes = [models.Index(fields=["citizen", "due_at"])]
        constraints = [
            # The planner runs every minute and after restarts: one reminder per event, time,
            # offset and channel, whatever happens. A moved appointment has a new start and so
            # gets its own reminders (the old ones are cancelled).
            models.UniqueConstraint(
                fields=["related_key", "event_start", "offset_minutes", "channel"],
                condition=models.Q(purpose="reminder"),
                name="outboundmessage_one_reminder_per_event_offset_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose="reminder", event_start__isnull=False)
                | ~models.Q(purpose="reminder"),
                name="outboundmessage_reminder_has_event_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.due_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def last_error_display(self) -> str:
        return gettext(self.last_error) if self.last_error else ""

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def may_retry(self) -> bool:
        """Whether sending again could work now (``services.message_retry`` decides for real):
        failed, the citizen has a number/address and has not declined, the event still ahead."""
        from django.utils import timezone

        from forlob.notifications.rules import msisdn

        if self.status != self.Status.FAILED:
            return False
        if self.purpose == self.Purpose.REMINDER and (
            self.event_start is None or self.event_start <= timezone.now()
        ):
            return False
        citizen = self.citizen
        if self.channel == Channel.SMS:
            return not citizen.sms_opt_out and msisdn(citizen.phone) is not None
        return not citizen.email_opt_out and bool(citizen.email)

    @property
    def status_badge(self) -> str:
        """The CSS badge variant for the status."""
        return {
            self.Status.SENT: "ok",
            self.Status.FAILED: "alert",
            self.Status.SENDING: "warn",
        }.get(self.status, "")


class DeliveryAttempt(models.Model):
    """One try at handing a message to the gateway, with what came back."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        TRANSIENT = "transient", _("Temporary error")
        PERMANENT = "permanent", _("Permanent error")

    message = models.ForeignKey(
        OutboundMessage,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("message"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    gateway = models.CharField(_("gateway"), max_length=30, blank=True)
    gateway_message_id = models.CharField(_("gateway message id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "number"]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number} {self.outcome}"


class CallListEntry(models.Model):
    """A proactive phone call to a citizen with low health literacy before an event."""

    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="+", verbose_name=_("citizen")
    )
    event_key = models.CharField(_("event"), max_length=100)
    event_start = models.DateTimeField(_("event start"))
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("called by"),
    )
    called_at = models.DateTimeField(_("called"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-called_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "event_key", "event_start"], name="calllistentry_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.event_key} {self.called_at:%Y-%m-%d %H:%M}"
