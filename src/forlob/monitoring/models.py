"""Monitoring's own data: targets a municipality sets, and the annual reports it has asked for."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Municipality, Unit

DEFAULT_COMPLETION_UPLIFT_PERCENT = 10
DEFAULT_VOLUME_GROWTH_PERCENT = 5


class KpiSettings(models.Model):
    """The targets behind the key figures that a municipality decides itself.

    Without a row the defaults apply: completion target = the previous year's completion rate
    + 10 % (relative), volume expected to grow 5 % a year (the rehabilitation unit's agreement).
    """

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="kpi_settings",
        verbose_name=_("municipality"),
    )
    completion_baseline_year = models.PositiveSmallIntegerField(
        _("baseline year for completion"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The completion rate of this year is the baseline. Empty: the previous year."),
    )
    completion_uplift_percent = models.PositiveSmallIntegerField(
        _("completion target: increase over baseline (%)"),
        default=DEFAULT_COMPLETION_UPLIFT_PERCENT,
        validators=[MaxValueValidator(100)],
        help_text=_("Relative increase: 10 means a baseline of 70 % gives a target of 77 %."),
    )
    volume_growth_percent = models.PositiveSmallIntegerField(
        _("expected growth in pathways a year (%)"),
        default=DEFAULT_VOLUME_GROWTH_PERCENT,
        validators=[MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("key figure targets")
        verbose_name_plural = _("key figure targets")

    def __str__(self) -> str:
        return str(self.municipality)


class ReportRun(models.Model):
    """One annual (or quarterly) report asked for: made in the background, downloaded after.

    The PDF is written under ``FORLOB_REPORTS_DIR`` (default ``var/reports``), never under a
    public URL: the download view checks the user's municipality and records the export.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        from forlob.monitoring.filters import Period

        period = (
            Period.year(self.year)
            if self.quarter is None
            else Period.quarter(self.year, self.quarter)
        )
        unit = f" – {self.unit.name}" if self.unit_id and self.unit else ""
        return f"{period.label()}{unit}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
