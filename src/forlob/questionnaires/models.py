"""Questionnaires citizens fill in (spørgeskemaer): versions, questions, invitations, answers.

A questionnaire has numbered versions. Staff edit only a *draft*; publishing freezes it, and a
change after that is a new draft copied from a published version. Invitations and responses
point at the version the citizen saw, so an old answer keeps the meaning it had (the question
text, the options and which of them counted as positive).

A questionnaire with ``municipality`` unset is *shared*: the two shipped ones (migration 0002).
Staff may use them everywhere, but change only their own municipality's questionnaires (a shared
one is copied first), so one municipality's edits never change another's survey.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.models import Municipality, Team


class Purpose(models.TextChoices):
    SATISFACTION = "satisfaction", _("Citizen satisfaction")
    HEALTH_LITERACY = "health_literacy", _("Health literacy")
    OTHER = "other", _("Other")


class Questionnaire(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaires",
        verbose_name=_("municipality"),
        help_text=_("Empty for the shared questionnaires that come with Forløb."),
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=150)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive questionnaires cannot be sent.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="questionnaire_unique_code"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(municipality__isnull=True),
                name="questionnaire_unique_shared_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.municipality_id is None


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("questionnaire"),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("Shown to the citizen above the questions.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="questionnaireversion_unique_number"
            ),
            # One draft at a time: two drafts of the same questionnaire would compete.
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=Q(status="draft"),
                name="questionnaireversion_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    TEXT = "text", _("Free text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Question(models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("version"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("explanation"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Health literacy: the domain a rated question belongs to (scored per domain).
    domain = models.CharField(
        _("domain"),
        max_length=100,
        blank=True,
        help_text=_("Health literacy: rated questions with the same domain are scored together."),
    )
    scale_min = models.SmallIntegerField(_("scale from"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale to"), null=True, blank=True)
    scale_min_label = models.CharField(_("label at the lowest value"), max_length=100, blank=True)
    scale_max_label = models.CharField(_("label at the highest value"), max_length=100, blank=True)
    positive_from = models.SmallIntegerField(
        _("positive from"),
        null=True,
        blank=True,
        help_text=_("Scale: answers at or above this value count as positive (satisfaction)."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def scale_values(self) -> list[int]:
        if self.kind != QuestionKind.SCALE or self.scale_min is None or self.scale_max is None:
            return []
        return list(range(self.scale_min, self.scale_max + 1))

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS


class Option(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("answer"), max_length=200)
    value = models.SmallIntegerField(_("value"), default=0)
    is_positive = models.BooleanField(
        _("positive"), default=False, help_text=_("Counts as a positive answer (satisfaction).")
    )

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    TABLET = "tablet", _("Tablet in the clinic")
    LINK = "link", _("Link")


class Delivery(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    HANDED = "handed", _("Shown to staff")  # read out, written down or opened on the tablet


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    ANSWERED = "answered", _("Answered")


class Invitation(models.Model):
    """One citizen asked to answer one questionnaire version, through a one-time token.

    The token itself is never stored: only its SHA-256 hash (like API tokens). It works until
    ``expires_at`` and only until the citizen submits (single use).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    citizen = models.ForeignKey(
        Citizen,
        on_delete=models.PROTECT,
        related_name="questionnaire_invitations",
        verbose_name=_("citizen"),
    )
    pathway = models.ForeignKey(
        "pathways.Pathway",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaire_invitations",
        verbose_name=_("pathway"),
    )
    version = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("questionnaire version"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    delivery = models.CharField(_("delivered by"), max_length=10, choices=Delivery.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SENT,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    sent_at = models.DateTimeField(_("sent"), db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire invitation")
        verbose_name_plural = _("questionnaire invitations")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["municipality", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_channel_display()})"

    def is_expired(self, now: object = None) -> bool:
        return self.answered_at is None and self.expires_at <= (now or timezone.now())


class Response(models.Model):
    """The citizen's answers to one invitation, saved as they go; ``submitted_at`` when sent.

    ``positive`` (satisfaction) and ``result``/``scores`` (health literacy) are computed once, on
    submission, from the immutable version: see ``questionnaires/scoring.py``.
    """

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="response", verbose_name=_("invitation")
    )
    citizen = models.ForeignKey(
        Citizen,
        on_delete=models.PROTECT,
        related_name="questionnaire_responses",
        verbose_name=_("citizen"),
    )
    version = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("questionnaire version"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last saved"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    positive = models.BooleanField(_("positive"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, blank=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.version} – {self.started_at:%d.%m.%Y}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    options = models.ManyToManyField(
        Option, blank=True, related_name="answers", verbose_name=_("chosen options")
    )
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value if self.value is not None else self.text}"
