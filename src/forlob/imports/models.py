"""One bulk import (referrals, staff or calendars): the uploaded file, its check and its import.

The file is kept on disk under ``FORLOB_IMPORTS_DIR`` (default ``var/imports``), never under a
public URL, only while it waits to be imported: it is deleted when the import is done, fails, is
discarded or has errors, and an upload nobody imported is removed after a day
(``services.import_jobs_expire``). The preview keeps at most the first rows, with CPR numbers
masked; it is cleared when the job ends. Errors name rows and columns, never a value.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Municipality


class ImportKind(models.TextChoices):
    REFERRALS = "referrals", _("Referrals")
    STAFF = "staff", _("Staff")
    CALENDARS = "calendars", _("Calendars (working hours and absences)")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PARSE_QUEUED = "parse_queued", _("Waiting to be checked")
        PARSING = "parsing", _("Being checked")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        COMMIT_QUEUED = "commit_queued", _("Waiting to be imported")
        COMMITTING = "committing", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    RUNNING = (Status.PARSE_QUEUED, Status.PARSING, Status.COMMIT_QUEUED, Status.COMMITTING)

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    file_name = models.CharField(_("stored file"), max_length=100, blank=True)
    file_size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PARSE_QUEUED
    )
    # Progress of the current step (the check, or the check before the import).
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    # [{"row": 4, "column": "cpr", "letter": "B", "message": "..."}], at most MAX_PROBLEMS.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    # The first rows: [{"row": 2, "status": "new", "cells": [...], "note": "..."}].
    preview = models.JSONField(_("preview"), default=list, blank=True)
    # {"new": 3, "changed": 1, "unchanged": 0, "removed": 0}
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def may_commit(self) -> bool:
        return self.status == self.Status.READY and self.error_count == 0
