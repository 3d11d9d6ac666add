"""Enumerations shared by several apps (the diagnosis areas and levels of the §140 GOP).

They live here, below every domain app, so that staff competencies (core), referrals and the
optimiser can speak about them without importing each other.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DiagnosisArea(models.TextChoices):
    ORTHOPAEDIC = "orthopaedic", _("Orthopaedic")
    MEDICAL = "medical", _("Medical")
    NEUROLOGICAL = "neurological", _("Neurological")


class GopLevel(models.TextChoices):
    """Level of a hospital re-training plan (genoptræningsplan) under Health Act §140."""

    BASAL = "basal", _("Basal")
    ADVANCED = "advanced", _("Advanced")
    SPECIALISED = "specialised", _("Specialised")


# Higher number = more demanding. A therapist competent at a level may take every lower level.
GOP_LEVEL_RANK = {GopLevel.BASAL: 1, GopLevel.ADVANCED: 2, GopLevel.SPECIALISED: 3}


class Role(models.TextChoices):
    THERAPIST = "therapist", _("Therapist")
    NURSE = "nurse", _("Nurse")
    COORDINATOR = "coordinator", _("Care coordinator")
    ASSESSOR = "assessor", _("Assessor")
    HOMECARE_WORKER = "homecare_worker", _("Home-care worker")
    PROVIDER_STAFF = "provider_staff", _("Provider staff")
    MANAGER = "manager", _("Manager")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")
    # A machine account: a hospital's or GP's system sending referrals over FHIR (issue #8).
    REFERRING_SYSTEM = "referring_system", _("Referring system (hospital, GP)")


class Profession(models.TextChoices):
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    OCCUPATIONAL_THERAPIST = "occupational_therapist", _("Occupational therapist")
    NURSE = "nurse", _("Nurse")
    NEUROPSYCHOLOGIST = "neuropsychologist", _("Neuropsychologist")
    SOCIAL_HEALTH_ASSISTANT = "social_health_assistant", _("Social and health care assistant")
    ASSESSOR = "assessor", _("Assessor")
    ADMINISTRATIVE = "administrative", _("Administrative staff")
    OTHER = "other", _("Other")
