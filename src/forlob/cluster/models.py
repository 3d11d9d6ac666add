"""Cross-sector data of the cluster (klynge): hospital events, follow-up home visits, audits.

The hospital sends admissions and discharges (MedCom HospitalNotification activity codes) for the
citizens of every municipality in the cluster. We keep one row per event. The CPR number is used
only while importing: to link the event to a citizen of the municipality when one matches, to
derive age and sex, and to compute ``person_key`` — a keyed hash (HMAC) that lets readmissions and
repeated admissions of the same person be counted without storing the number (see
``cluster/pseudonym.py``). Everything here is described in ``cluster/README.md``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forlob.citizens.models import Citizen
from forlob.core.models import Municipality


class ActivityCode(models.TextChoices):
    """MedCom HospitalNotification activity codes (medcom-messaging-activityCodes).

    Only the events a municipality needs for the overview are kept; corrections ("revise-…")
    are imported as the event they correct, cancellations are refused (see the README).
    """

    ADMIT_INPATIENT = "admit-inpatient", _("Admitted (inpatient)")
    ADMIT_EMERGENCY = "admit-emergency", _("Acute ambulatory stay started")
    START_LEAVE = "start-leave-inpatient", _("Leave started")
    END_LEAVE = "end-leave-inpatient", _("Leave ended")
    DISCHARGE_INPATIENT_HOME = "discharge-inpatient-home", _("Discharged home (inpatient)")
    DISCHARGE_EMERGENCY_HOME = "discharge-emergency-home", _("Acute ambulatory stay ended")


# What the figures count: inpatient admissions and discharges. Acute ambulatory stays and leave
# are kept (they are part of the hospital's message flow) but are not admissions.
ADMISSION_CODES = (ActivityCode.ADMIT_INPATIENT,)
DISCHARGE_CODES = (ActivityCode.DISCHARGE_INPATIENT_HOME,)


class Sector(models.TextChoices):
    SOMATIC = "somatic", _("Somatic")
    PSYCHIATRIC = "psychiatric", _("Psychiatric")


class PreventableDiagnosisGroup(models.Model):
    """A diagnosis group counted as a *preventable admission* (forebyggelig indlæggelse).

    A managed list, seeded (migrations 0002, 0003) with ``diagnoses.PREVENTABLE_GROUPS``: the
    groups of the Danish national indicator "forebyggelige indlæggelser blandt ældre"
    (Sundhedsdatastyrelsen, eSundhed.dk) — dehydration, constipation, lower respiratory
    infection, urinary tract infection, gastroenteritis, fractures, social and illness-related
    nutritional deficiency, nutritional anaemia, pressure ulcers, social and care conditions.
    ``icd10_codes`` holds SKS/ICD-10 code prefixes (``DJ18`` matches ``DJ189``). The sources and
    what is our reading are in ``cluster/diagnoses.py``.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    icd10_codes = models.CharField(
        _("ICD-10 codes"),
        max_length=500,
        help_text=_(
            "SKS/ICD-10 code prefixes separated by commas, e.g. DJ12, DJ18, DN390. "
            "A diagnosis counts when its code starts with one of them."
        ),
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("preventable diagnosis group")
        verbose_name_plural = _("preventable diagnosis groups")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefixes(self) -> list[str]:
        from forlob.cluster.diagnoses import normalise_code

        return [p for p in (normalise_code(c) for c in self.icd10_codes.split(",")) if p]


class PopulationFigure(models.Model):
    """Citizens aged 65 or more living in a municipality on 1 January of a year.

    The denominator of "preventable admissions per 1,000 citizens 65+". Entered by hand (or from
    Danmarks Statistik's table FOLK1A) in the administration; seeded for the demo only.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="population_figures",
        verbose_name=_("municipality"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population_65_plus = models.PositiveIntegerField(_("citizens aged 65+"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("population 65+")
        verbose_name_plural = _("population 65+")
        ordering = ["municipality__name", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="populationfigure_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.population_65_plus}"


class ImportBatch(models.Model):
    """One successful import of a file (a failed import leaves nothing, not even a batch)."""

    class Source(models.TextChoices):
        CSV = "csv", _("CSV file")
        FHIR = "fhir", _("FHIR Encounter bundle")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    created = models.PositiveIntegerField(_("new events"), default=0)
    updated = models.PositiveIntegerField(_("changed events"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged events"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.imported_at:%d.%m.%Y %H:%M}"


class HospitalEvent(models.Model):
    """One admission, discharge or leave event from the hospital (a HospitalNotification)."""

    identifier = models.CharField(_("event id"), max_length=100, unique=True)
    encounter_identifier = models.CharField(
        _("hospital stay id"), max_length=100, blank=True, db_index=True
    )
    activity_code = models.CharField(_("activity"), max_length=40, choices=ActivityCode.choices)
    event_date = models.DateField(_("date"))
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="hospital_events",
        verbose_name=_("municipality"),
    )
    citizen = models.ForeignKey(
        Citizen,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hospital_events",
        verbose_name=_("citizen"),
    )
    # HMAC of the CPR number: the same person gets the same key, the number is not kept.
    person_key = models.CharField(_("person key"), max_length=64, db_index=True)
    age = models.PositiveSmallIntegerField(_("age"))
    sex = models.CharField(_("sex"), max_length=10, choices=Citizen.Sex.choices)
    sector = models.CharField(
        _("sector"), max_length=20, choices=Sector.choices, default=Sector.SOMATIC
    )
    diagnosis_code = models.CharField(_("diagnosis code"), max_length=12, blank=True)
    diagnosis_group = models.CharField(_("diagnosis group"), max_length=100, blank=True)
    preventable_group = models.ForeignKey(
        PreventableDiagnosisGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preventable diagnosis group"),
    )
    source = models.CharField(_("source"), max_length=10, choices=ImportBatch.Source.choices)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="events", verbose_name=_("import")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("hospital event")
        verbose_name_plural = _("hospital events")
        ordering = ["event_date", "id"]
        indexes = [
            models.Index(fields=["municipality", "event_date", "activity_code"]),
            models.Index(fields=["person_key", "event_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_code_display()} {self.event_date:%d.%m.%Y}"

    @property
    def is_admission(self) -> bool:
        return self.activity_code in ADMISSION_CODES

    @property
    def is_discharge(self) -> bool:
        return self.activity_code in DISCHARGE_CODES


FOLLOW_UP_MIN_AGE = 78  # the cluster's agreement: discharged citizens aged 78+ are screened


class FollowUpVisit(models.Model):
    """Follow-up home visit (opfølgende hjemmebesøg) after the discharge of a citizen aged 78+.

    The hospital screens the citizen and asks for consent; the municipality and the GP agree a
    visit and carry it out. Made by the import for every inpatient discharge of a person aged 78+;
    the screening and consent may come in the file, the rest is registered in the list.
    """

    discharge = models.OneToOneField(
        HospitalEvent,
        on_delete=models.CASCADE,
        related_name="follow_up",
        verbose_name=_("discharge"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    citizen = models.ForeignKey(
        Citizen,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_visits",
        verbose_name=_("citizen"),
    )
    screened = models.BooleanField(_("screened"), null=True, blank=True)
    consent = models.BooleanField(_("consent"), null=True, blank=True)
    visit_agreed_on = models.DateField(_("visit agreed on"), null=True, blank=True)
    visit_done_on = models.DateField(_("visit done on"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("follow-up home visit")
        verbose_name_plural = _("follow-up home visits")
        ordering = ["-discharge__event_date", "id"]

    def __str__(self) -> str:
        return f"{self.discharge}"


class ImprovementTheme(models.Model):
    """A theme of improvement found in cross-sector audits (managed list, seeded)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("improvement theme")
        verbose_name_plural = _("improvement themes")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class AuditCase(models.Model):
    """A person drawn for the cross-sector audit of a quarter: more than 3 admissions in it.

    Five per municipality and quarter, drawn with a seeded random generator so the same data
    gives the same sample (``services.audit_sample_draw``). The audit's findings are recorded
    on the case: improvement themes from the managed list and free text.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    period_start = models.DateField(_("quarter"))
    preventable_only = models.BooleanField(_("preventable diagnoses only"), default=False)
    rank = models.PositiveSmallIntegerField(_("number"))
    person_key = models.CharField(_("person key"), max_length=64)
    citizen = models.ForeignKey(
        Citizen,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("citizen"),
    )
    age = models.PositiveSmallIntegerField(_("age"))
    sex = models.CharField(_("sex"), max_length=10, choices=Citizen.Sex.choices)
    admissions = models.PositiveSmallIntegerField(_("admissions in the quarter"))
    themes = models.ManyToManyField(
        ImprovementTheme, blank=True, related_name="+", verbose_name=_("improvement themes")
    )
    findings = models.TextField(_("findings and suggestions"), blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit case")
        verbose_name_plural = _("audit cases")
        ordering = ["municipality", "-period_start", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "period_start", "preventable_only", "person_key"],
                name="auditcase_unique_person",
            ),
            models.UniqueConstraint(
                fields=["municipality", "period_start", "preventable_only", "rank"],
                name="auditcase_unique_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y}-K{(self.period_start.month - 1) // 3 + 1} #{self.rank}"

    @property
    def label(self) -> str:
        return str(self)
