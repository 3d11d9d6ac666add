"""Measures recorded on a pathway, and the licensed wording a municipality may load."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forlob.measures.instruments import INSTRUMENTS, Instrument
from forlob.measures.instruments.base import shown


class TimePoint(models.TextChoices):
    START = "start", _("Start")
    MID = "mid", _("Midway")
    END = "end", _("End")
    FOLLOW_UP = "follow_up", _("Follow-up")


class SkipReason(models.TextChoices):
    DECLINED = "declined", _("Citizen declined")
    NOT_ABLE = "not_able", _("Citizen not able to take part")
    NOT_RELEVANT = "not_relevant", _("Not relevant for this citizen")
    OTHER = "other", _("Other reason")


def instrument_choices() -> list[tuple[str, object]]:
    return [(code, instrument.name) for code, instrument in INSTRUMENTS.items()]


class MeasureRecord(models.Model):
    """One instrument at one time point of a pathway: the values and scores, or a skip.

    ``values`` are the normalised answers (see ``measures.instruments``); ``primary_score``,
    ``secondary_score`` and ``details`` are what the instrument's scoring function computed when
    the record was made, stored so that reports never re-score old answers. A skipped record has
    no values or scores and says why. Records are never edited: a correction is a newer record
    for the same instrument and time point, and the newest counts.
    """

    citizen = models.ForeignKey(
        "citizens.Citizen",
        on_delete=models.PROTECT,
        related_name="measure_records",
        verbose_name=_("citizen"),
    )
    pathway = models.ForeignKey(
        "pathways.Pathway",
        on_delete=models.PROTECT,
        related_name="measure_records",
        verbose_name=_("pathway"),
    )
    instrument = models.CharField(_("instrument"), max_length=20, choices=instrument_choices)
    time_point = models.CharField(_("time point"), max_length=10, choices=TimePoint.choices)
    measured_on = models.DateField(_("measured on"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    values = models.JSONField(_("values"), default=dict, blank=True)
    primary_score = models.DecimalField(
        _("score"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    secondary_score = models.DecimalField(
        _("second score"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    skipped = models.BooleanField(_("skipped"), default=False)
    skip_reason = models.CharField(
        _("reason for skipping"), max_length=20, choices=SkipReason.choices, blank=True
    )
    skip_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["measured_on", "recorded_at", "id"]
        indexes = [models.Index(fields=["pathway", "instrument", "time_point"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(skipped=True, primary_score__isnull=True) & ~Q(skip_reason="")
                    | Q(skipped=False, primary_score__isnull=False, skip_reason="")
                ),
                name="measure_scored_or_skipped_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} ({self.get_time_point_display()})"

    @property
    def instrument_def(self) -> Instrument:
        return INSTRUMENTS[self.instrument]

    @property
    def summary(self) -> str:
        """The result in a few words ("performance 5.2 · satisfaction 4.8")."""
        if self.skipped:
            return ""
        definition = self.instrument_def
        secondary = definition.secondary
        return definition.summary(
            shown(self.primary_score, definition.primary.decimals),
            shown(self.secondary_score, secondary.decimals if secondary else 0),
            self.details,
        )


class InstrumentText(models.Model):
    """Licensed wording of an instrument item, loaded by a municipality that holds the licence.

    Forløb ships short descriptive labels of its own for COPM and EQ-5D (and the others); when a
    text is loaded here for an item key in the user's language, the forms show it instead.
    Loaded with ``forlob load-instrument-texts <file.json>``.
    """

    instrument = models.CharField(_("instrument"), max_length=20, choices=instrument_choices)
    item_key = models.CharField(_("item"), max_length=50)
    language = models.CharField(_("language"), max_length=10, default="da")
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("instrument text")
        verbose_name_plural = _("instrument texts")
        ordering = ["instrument", "language", "item_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "item_key", "language"], name="instrument_text_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.item_key} ({self.language})"
