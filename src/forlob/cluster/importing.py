"""Reading hospital event files: CSV (schema in cluster/README.md) and FHIR R4 Encounter bundles.

Parsing never writes: it turns a file into ``ParsedEvent``s and a list of errors, each naming a
line and column (CSV) or an entry and field path (FHIR). ``services.hospital_events_import``
refuses the whole file when there is a single error. No message ever contains a value from the
file — a misplaced column could otherwise echo a CPR number into the page or a log.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from forlob.citizens import cpr as cprlib
from forlob.cluster.models import ActivityCode, ImportBatch, Sector
from forlob.core.cells import decode, parse_date, yes_no
from forlob.core.models import Municipality

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MAX_ROWS = 100_000
MAX_ERRORS = 100

# --- messages (English msgids, Danish in the catalogue) -------------------------------------------

MESSAGE_REQUIRED = gettext_noop("a value is required")
MESSAGE_TOO_LONG = gettext_noop("at most %(max)d characters")
MESSAGE_BAD_DATE = gettext_noop("not a date (write YYYY-MM-DD or DD-MM-YYYY)")
MESSAGE_FUTURE_DATE = gettext_noop("the date lies in the future")
MESSAGE_BAD_CPR = gettext_noop("not a valid CPR number (10 digits, DDMMYY-SSSS)")
MESSAGE_BORN_AFTER = gettext_noop("the date of birth in the CPR number lies after the event")
MESSAGE_UNKNOWN_MUNICIPALITY = gettext_noop(
    "unknown municipality code (a municipality must be created in the administration first)"
)
MESSAGE_UNKNOWN_ACTIVITY = gettext_noop("unknown activity code; use one of: %(codes)s")
MESSAGE_CANCEL = gettext_noop(
    "cancellations cannot be imported; import the corrected event with the same event id"
)
MESSAGE_BAD_SECTOR = gettext_noop("write somatic or psychiatric (somatisk or psykiatrisk)")
MESSAGE_BAD_YES_NO = gettext_noop("write yes or no (ja or nej), or leave it empty")
MESSAGE_CONSENT_WITHOUT_SCREENING = gettext_noop("consent requires that the citizen was screened")
MESSAGE_DUPLICATE_ID = gettext_noop(
    "the event id occurs more than once in the file (also %(other)s)"
)
MESSAGE_DISCHARGE_BEFORE_ADMISSION = gettext_noop(
    "the discharge lies before the admission of the same hospital stay"
)
MESSAGE_OTHER_PERSON = gettext_noop("this event id was imported before for another person")
MESSAGE_MISSING_COLUMN = gettext_noop("the column %(column)s is missing")
MESSAGE_UNKNOWN_COLUMN = gettext_noop("unknown column %(column)s")
MESSAGE_NO_HEADER = gettext_noop("the first line must be the header with the column names")
MESSAGE_EMPTY = gettext_noop("the file holds no events")
MESSAGE_TOO_MANY_ROWS = gettext_noop("the file has more than %(max)d rows; split it")
MESSAGE_NOT_TEXT = gettext_noop("the file could not be read as text; save it as CSV (UTF-8)")
MESSAGE_NOT_JSON = gettext_noop("the file is not valid JSON")
MESSAGE_NOT_BUNDLE = gettext_noop("the JSON is not a FHIR Bundle")
MESSAGE_FHIR_MISSING = gettext_noop("required field missing")
MESSAGE_FHIR_INVALID = gettext_noop("invalid value")
MESSAGE_NO_ENCOUNTERS = gettext_noop("the bundle holds no Encounter")
MESSAGE_NO_IDENTIFIER = gettext_noop("the encounter needs an identifier with a value")
MESSAGE_CLASS = gettext_noop(
    "the class must be IMP (inpatient) or EMER (acute ambulatory) from "
    "http://terminology.hl7.org/CodeSystem/v3-ActCode"
)
MESSAGE_STATUS = gettext_noop("the status must be in-progress, onleave or finished")
MESSAGE_NO_END = gettext_noop("a finished encounter needs period.end")
MESSAGE_END_BEFORE_START = gettext_noop("period.end lies before period.start")
MESSAGE_NO_SUBJECT = gettext_noop("the subject must refer to a Patient in the bundle")
MESSAGE_NO_CPR = gettext_noop(
    "the patient needs a valid CPR number as identifier (system urn:oid:1.2.208.176.1.2)"
)
MESSAGE_NO_MUNICIPALITY = gettext_noop(
    "the patient's address needs a known municipality code (extension dk-core-municipalityCodes)"
)
MESSAGE_SECTOR_CODE = gettext_noop("unknown sector code; use somatic or psychiatric")
MESSAGE_ACTIVITY_CODE = gettext_noop(
    "not a MedCom HospitalNotification activity code, or one that cannot be imported"
)
MESSAGE_ACTIVITY_MISMATCH = gettext_noop(
    "the activity code does not match the status of the encounters in the bundle"
)

LOCATION_CELL = gettext_noop("Line %(line)d, column %(column)s")
LOCATION_LINE = gettext_noop("Line %(line)d")
LOCATION_HEADER = gettext_noop("Header line")
LOCATION_FILE = gettext_noop("File")
LOCATION_ENTRY = gettext_noop("Entry %(index)d (%(path)s)")
MESSAGE_MORE_ERRORS = gettext_noop("… and %(count)d more errors")

# --- the CSV schema -------------------------------------------------------------------------------

# (column, required, description) — the README and the downloadable template are made from this.
CSV_COLUMNS: tuple[tuple[str, bool, Promise], ...] = (
    ("event_id", True, _l("The hospital's unique id of this event (max 100 characters).")),
    (
        "encounter_id",
        False,
        _l("The id of the hospital stay; the same on its admission and discharge."),
    ),
    ("activity_code", True, _l("MedCom HospitalNotification activity code, see below.")),
    ("event_date", True, _l("Date of the event: YYYY-MM-DD (also DD-MM-YYYY, DD.MM.YYYY).")),
    (
        "municipality_code",
        True,
        _l("The citizen's municipality code (3 or 4 digits: 730 or 0730)."),
    ),
    ("cpr", True, _l("CPR number, 10 digits, with or without dash. Used only while importing.")),
    ("sector", False, _l("somatic or psychiatric (also somatisk/psykiatrisk); empty = somatic.")),
    ("diagnosis_code", False, _l("Action diagnosis, SKS or ICD-10 (DJ189 or J18.9).")),
    ("diagnosis_group", False, _l("Free text, or a preventable group's code or name.")),
    (
        "follow_up_screened",
        False,
        _l("Discharges 78+: screened for a follow-up home visit (ja/nej)."),
    ),
    (
        "follow_up_consent",
        False,
        _l("Discharges 78+: the citizen consented to the visit (ja/nej)."),
    ),
)
CSV_HEADER = [c for c, _r, _d in CSV_COLUMNS]
CSV_REQUIRED = [c for c, r, _d in CSV_COLUMNS if r]

IMPORTABLE_CODES = [c.value for c in ActivityCode]
SECTORS = {
    "somatic": Sector.SOMATIC,
    "somatisk": Sector.SOMATIC,
    "somatik": Sector.SOMATIC,
    "psychiatric": Sector.PSYCHIATRIC,
    "psykiatrisk": Sector.PSYCHIATRIC,
    "psykiatri": Sector.PSYCHIATRIC,
}

# --- FHIR systems we read -------------------------------------------------------------------------

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
MUNICIPALITY_EXTENSION = "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes"
MEDCOM_ACTIVITY_SYSTEMS = {
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes",
    "http://medcomfhir.dk/fhir/core/1.0/CodeSystem/medcom-messaging-activityCodes",
}
# Our own small code system for Encounter.serviceType (documented in the README).
SECTOR_SYSTEM = "https://forlob.dk/fhir/CodeSystem/hospital-sector"
DIAGNOSIS_SYSTEMS = {"urn:oid:1.2.208.176.2.4", "http://hl7.org/fhir/sid/icd-10"}
ENCOUNTER_CLASSES = {
    "IMP": (ActivityCode.ADMIT_INPATIENT, ActivityCode.DISCHARGE_INPATIENT_HOME),
    "EMER": (ActivityCode.ADMIT_EMERGENCY, ActivityCode.DISCHARGE_EMERGENCY_HOME),
}
ENCOUNTER_STATUSES = {"in-progress", "onleave", "finished"}


@dataclass
class ParsedEvent:
    """One event read from a file. ``cpr`` lives only in memory during the import."""

    location: str  # how errors name the row ("Linje 4", "Entry 2 (entry[2].resource)")
    identifier: str
    activity_code: str
    event_date: date
    municipality: Municipality
    cpr: str
    encounter_identifier: str = ""
    sector: str = Sector.SOMATIC
    diagnosis_code: str = ""
    diagnosis_group: str = ""
    screened: bool | None = None
    consent: bool | None = None
    # Locations of single fields, for errors found after parsing.
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def birth_date(self) -> date:
        return cprlib.parse(self.cpr).birth_date

    @property
    def is_male(self) -> bool:
        return cprlib.parse(self.cpr).is_male


@dataclass
class Parsed:
    source: str
    events: list[ParsedEvent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def error(self, location: str, message: str) -> None:
        self.errors.append(f"{location}: {message}")


def parse_file(content: bytes, *, today: date) -> Parsed:
    """A CSV file or a FHIR bundle (JSON), told apart by the first character."""
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return parse_fhir(content, today=today)
    return parse_csv(content, today=today)


def _municipalities() -> dict[str, Municipality]:
    """Municipality by code, also without leading zeros ("0730" and "730")."""
    return {m.code.lstrip("0"): m for m in Municipality.objects.all()}


def _find_municipality(code: str, by_code: dict[str, Municipality]) -> Municipality | None:
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 4:
        return None
    return by_code.get(code.lstrip("0"))


def _parse_cpr(value: str) -> str | None:
    try:
        return cprlib.parse(value).digits
    except Exception:  # ValidationError or anything odd: the message must not echo the value
        return None


# --- CSV ------------------------------------------------------------------------------------------


def parse_csv(content: bytes, *, today: date) -> Parsed:
    """Read a CSV file (``;`` or ``,`` separated, UTF-8 or Windows-1252) into events."""
    parsed = Parsed(source=ImportBatch.Source.CSV)
    text = decode(content)
    if text is None or "\x00" in text:
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NOT_TEXT))
        return parsed
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        parsed.error(_(LOCATION_FILE), _(MESSAGE_EMPTY))
        return parsed
    first = lines[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().casefold() for h in next(reader)]
    except (csv.Error, StopIteration):
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NOT_TEXT))
        return parsed
    if any(re.search(r"\d{4,}", h) for h in header):
        # Data where the header should be: never echo it (it may hold a CPR number).
        parsed.error(_(LOCATION_HEADER), _(MESSAGE_NO_HEADER))
        return parsed
    for column in CSV_REQUIRED:
        if column not in header:
            parsed.error(_(LOCATION_HEADER), _(MESSAGE_MISSING_COLUMN) % {"column": column})
    for column in header:
        if column and column not in CSV_HEADER:
            parsed.error(_(LOCATION_HEADER), _(MESSAGE_UNKNOWN_COLUMN) % {"column": column[:40]})
    if parsed.errors:
        return parsed

    by_code = _municipalities()
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if number - 1 > MAX_ROWS:
                parsed.errors = [_(MESSAGE_TOO_MANY_ROWS) % {"max": MAX_ROWS}]
                return parsed
            row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
            event = _csv_row(parsed, number, row, by_code, today)
            if event is not None:
                parsed.events.append(event)
    except csv.Error:
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NOT_TEXT))
        return parsed
    if not parsed.events and not parsed.errors:
        parsed.error(_(LOCATION_FILE), _(MESSAGE_EMPTY))
    return parsed


def _csv_row(
    parsed: Parsed,
    line: int,
    row: dict[str, str],
    by_code: dict[str, Municipality],
    today: date,
) -> ParsedEvent | None:
    before = len(parsed.errors)

    def cell(column: str) -> str:
        return _(LOCATION_CELL) % {"line": line, "column": column}

    def text(column: str, max_length: int, *, required: bool = False) -> str:
        value = row.get(column, "")
        if required and not value:
            parsed.error(cell(column), _(MESSAGE_REQUIRED))
        elif len(value) > max_length:
            parsed.error(cell(column), _(MESSAGE_TOO_LONG) % {"max": max_length})
        return value

    identifier = text("event_id", 100, required=True)
    encounter = text("encounter_id", 100)
    code = row.get("activity_code", "").strip().casefold()
    if not code:
        parsed.error(cell("activity_code"), _(MESSAGE_REQUIRED))
    elif code.startswith("cancel-"):
        parsed.error(cell("activity_code"), _(MESSAGE_CANCEL))
    else:
        code = code.removeprefix("revise-")  # a correction is the event it corrects
        if code not in IMPORTABLE_CODES:
            parsed.error(
                cell("activity_code"),
                _(MESSAGE_UNKNOWN_ACTIVITY) % {"codes": ", ".join(IMPORTABLE_CODES)},
            )
    raw_date = row.get("event_date", "")
    event_date = parse_date(raw_date) if raw_date else None
    if not raw_date:
        parsed.error(cell("event_date"), _(MESSAGE_REQUIRED))
    elif event_date is None:
        parsed.error(cell("event_date"), _(MESSAGE_BAD_DATE))
    elif event_date > today:
        parsed.error(cell("event_date"), _(MESSAGE_FUTURE_DATE))
    raw_municipality = row.get("municipality_code", "")
    municipality = _find_municipality(raw_municipality, by_code)
    if not raw_municipality:
        parsed.error(cell("municipality_code"), _(MESSAGE_REQUIRED))
    elif municipality is None:
        parsed.error(cell("municipality_code"), _(MESSAGE_UNKNOWN_MUNICIPALITY))
    raw_cpr = row.get("cpr", "")
    cpr = _parse_cpr(raw_cpr) if raw_cpr else None
    if not raw_cpr:
        parsed.error(cell("cpr"), _(MESSAGE_REQUIRED))
    elif cpr is None:
        parsed.error(cell("cpr"), _(MESSAGE_BAD_CPR))
    elif event_date is not None and cprlib.parse(cpr).birth_date > event_date:
        parsed.error(cell("cpr"), _(MESSAGE_BORN_AFTER))
    raw_sector = row.get("sector", "").strip().casefold()
    sector = SECTORS.get(raw_sector, Sector.SOMATIC) if raw_sector else Sector.SOMATIC
    if raw_sector and raw_sector not in SECTORS:
        parsed.error(cell("sector"), _(MESSAGE_BAD_SECTOR))
    diagnosis_code = text("diagnosis_code", 12)
    diagnosis_group = text("diagnosis_group", 100)
    screened, ok_s = yes_no(row.get("follow_up_screened", ""))
    if not ok_s:
        parsed.error(cell("follow_up_screened"), _(MESSAGE_BAD_YES_NO))
    consent, ok_c = yes_no(row.get("follow_up_consent", ""))
    if not ok_c:
        parsed.error(cell("follow_up_consent"), _(MESSAGE_BAD_YES_NO))
    elif consent and screened is not True and ok_s:
        parsed.error(cell("follow_up_consent"), _(MESSAGE_CONSENT_WITHOUT_SCREENING))

    if len(parsed.errors) > before:
        return None
    assert event_date is not None and municipality is not None and cpr is not None
    return ParsedEvent(
        location=_(LOCATION_LINE) % {"line": line},
        identifier=identifier,
        encounter_identifier=encounter,
        activity_code=code,
        event_date=event_date,
        municipality=municipality,
        cpr=cpr,
        sector=sector,
        diagnosis_code=diagnosis_code,
        diagnosis_group=diagnosis_group,
        screened=screened,
        consent=consent,
        fields={
            "event_id": cell("event_id"),
            "event_date": cell("event_date"),
            "cpr": cell("cpr"),
        },
    )


# --- FHIR -----------------------------------------------------------------------------------------


def _path(loc: tuple[Any, ...]) -> str:
    """pydantic's error location as a FHIR path: ("entry", 0, "resource", "class") → entry[0]…"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and str(part)[0].isupper():
            continue  # a union member's class name, not a field
        else:
            name = str(part).removesuffix("__ext")
            name = "class" if name == "class_fhir" else name
            out += f".{name}" if out else name
    return out or "Bundle"


def _entry_index(loc: tuple[Any, ...]) -> int | None:
    if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int):
        return loc[1]
    return None


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(COPENHAGEN).date()
        return value.date()
    return value


def parse_fhir(content: bytes, *, today: date) -> Parsed:
    """Read a FHIR R4 Bundle of Encounters (with their Patients) into admission/discharge events.

    Structure is validated with fhir.resources (R4B models, which read R4 Encounters); the codes
    we rely on are checked here, since the models accept any string as a code:

    * ``Encounter.identifier[0].value`` — the hospital stay; the events get the ids
      ``<value>#admit`` and ``<value>#discharge`` (so a re-sent, now finished encounter adds its
      discharge and changes nothing else);
    * ``Encounter.class`` — v3-ActCode ``IMP`` (inpatient) or ``EMER`` (acute ambulatory);
    * ``Encounter.status`` — ``in-progress``/``onleave`` (admitted) or ``finished`` (discharged,
      then ``period.end`` is required);
    * ``Encounter.period.start``/``end`` — the admission and discharge dates (Copenhagen time);
    * ``Encounter.subject`` → a Patient in the bundle with a CPR identifier
      (``urn:oid:1.2.208.176.1.2``) and the DK-core municipality-code extension on an address;
    * ``Encounter.serviceType`` with system ``https://forlob.dk/fhir/CodeSystem/hospital-sector``
      (``somatic``/``psychiatric``; missing = somatic);
    * ``Encounter.reasonCode`` with an SKS (``urn:oid:1.2.208.176.2.4``) or ICD-10 code;
    * MedCom message bundles: every ``Provenance.activity`` code must be a HospitalNotification
      activity code we can import; a discharge code needs a finished encounter.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError as PydanticError

    parsed = Parsed(source=ImportBatch.Source.FHIR)
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NOT_JSON))
        return parsed
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NOT_BUNDLE))
        return parsed
    try:
        bundle = Bundle.model_validate(data)
    except PydanticError as exc:
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            message = (
                _(MESSAGE_FHIR_MISSING) if err.get("type") == "missing" else _(MESSAGE_FHIR_INVALID)
            )
            parsed.error(_entry_location(loc), message)
        return parsed
    except (ValueError, TypeError):
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NOT_BUNDLE))
        return parsed

    entries = list(bundle.entry or [])
    resources: dict[str, Any] = {}
    for entry in entries:
        res = entry.resource
        if res is None:
            continue
        if entry.fullUrl:
            resources[str(entry.fullUrl)] = res
        if getattr(res, "id", None):
            resources[f"{res.get_resource_type()}/{res.id}"] = res

    by_code = _municipalities()
    encounter_statuses: set[str] = set()
    provenances: list[tuple[int, Any]] = []
    seen_encounter = False
    for index, entry in enumerate(entries):
        res = entry.resource
        if res is None:
            continue
        kind = res.get_resource_type()
        if kind == "Provenance":
            provenances.append((index, res))
        elif kind == "Encounter":
            seen_encounter = True
            encounter_statuses.add(str(res.status))
            parsed.events.extend(_encounter_events(parsed, index, res, resources, by_code, today))
    if not seen_encounter:
        parsed.error(_(LOCATION_FILE), _(MESSAGE_NO_ENCOUNTERS))
    for index, provenance in provenances:
        _check_provenance(parsed, index, provenance, encounter_statuses)
    return parsed


def _entry_location(loc: tuple[Any, ...]) -> str:
    index = _entry_index(loc)
    if index is None:
        return _(LOCATION_ENTRY) % {"index": 0, "path": _path(loc)} if loc else _(LOCATION_FILE)
    return _(LOCATION_ENTRY) % {"index": index, "path": _path(loc)}


def _at(index: int, path: str) -> str:
    return _(LOCATION_ENTRY) % {"index": index, "path": f"entry[{index}].resource.{path}"}


def _encounter_events(
    parsed: Parsed,
    index: int,
    enc: Any,
    resources: dict[str, Any],
    by_code: dict[str, Municipality],
    today: date,
) -> list[ParsedEvent]:
    before = len(parsed.errors)
    identifier = next((i.value for i in enc.identifier or [] if i.value), None)
    if not identifier:
        parsed.error(_at(index, "identifier"), _(MESSAGE_NO_IDENTIFIER))
    elif len(identifier) > 90:
        parsed.error(_at(index, "identifier"), _(MESSAGE_TOO_LONG) % {"max": 90})
    klass = enc.class_fhir
    codes = None
    if klass is not None and klass.system == ACT_CODE_SYSTEM:
        codes = ENCOUNTER_CLASSES.get(str(klass.code))
    if codes is None:
        parsed.error(_at(index, "class"), _(MESSAGE_CLASS))
    status = str(enc.status)
    if status not in ENCOUNTER_STATUSES:
        parsed.error(_at(index, "status"), _(MESSAGE_STATUS))
    period = enc.period
    start = period.start if period is not None else None
    end = period.end if period is not None else None
    if start is None:
        parsed.error(_at(index, "period.start"), _(MESSAGE_FHIR_MISSING))
    elif _local_date(start) > today:
        parsed.error(_at(index, "period.start"), _(MESSAGE_FUTURE_DATE))
    if status == "finished" and end is None:
        parsed.error(_at(index, "period.end"), _(MESSAGE_NO_END))
    if end is not None and start is not None:
        if _local_date(end) < _local_date(start):
            parsed.error(_at(index, "period.end"), _(MESSAGE_END_BEFORE_START))
        elif _local_date(end) > today:
            parsed.error(_at(index, "period.end"), _(MESSAGE_FUTURE_DATE))

    patient = None
    reference = enc.subject.reference if enc.subject is not None else None
    if reference:
        patient = resources.get(str(reference))
    if patient is None or patient.get_resource_type() != "Patient":
        parsed.error(_at(index, "subject"), _(MESSAGE_NO_SUBJECT))
        patient = None
    cpr = None
    municipality = None
    if patient is not None:
        for ident in patient.identifier or []:
            if ident.system == CPR_SYSTEM and ident.value:
                cpr = _parse_cpr(str(ident.value))
                break
        if cpr is None:
            parsed.error(_at(index, "subject"), _(MESSAGE_NO_CPR))
        elif start is not None and cprlib.parse(cpr).birth_date > _local_date(start):
            parsed.error(_at(index, "subject"), _(MESSAGE_BORN_AFTER))
        for address in patient.address or []:
            for ext in address.extension or []:
                if ext.url == MUNICIPALITY_EXTENSION and ext.valueCodeableConcept is not None:
                    for coding in ext.valueCodeableConcept.coding or []:
                        municipality = municipality or _find_municipality(
                            str(coding.code or ""), by_code
                        )
        if municipality is None:
            parsed.error(_at(index, "subject"), _(MESSAGE_NO_MUNICIPALITY))

    sector = Sector.SOMATIC
    for concept in [enc.serviceType] if enc.serviceType is not None else []:
        for coding in concept.coding or []:
            if coding.system == SECTOR_SYSTEM:
                if coding.code in (Sector.SOMATIC, Sector.PSYCHIATRIC):
                    sector = str(coding.code)
                else:
                    parsed.error(_at(index, "serviceType"), _(MESSAGE_SECTOR_CODE))
    diagnosis_code, diagnosis_group = "", ""
    for concept in enc.reasonCode or []:
        for coding in concept.coding or []:
            if coding.system in DIAGNOSIS_SYSTEMS and coding.code and not diagnosis_code:
                diagnosis_code = str(coding.code)[:12]
                diagnosis_group = str(coding.display or concept.text or "")[:100]
    if len(parsed.errors) > before:
        return []
    assert identifier and codes and start is not None and cpr and municipality
    common = {
        "encounter_identifier": identifier,
        "municipality": municipality,
        "cpr": cpr,
        "sector": sector,
        "diagnosis_code": diagnosis_code,
        "diagnosis_group": diagnosis_group,
    }
    location = _(LOCATION_ENTRY) % {"index": index, "path": f"entry[{index}].resource"}
    events = [
        ParsedEvent(
            location=location,
            identifier=f"{identifier}#admit",
            activity_code=codes[0],
            event_date=_local_date(start),
            **common,
        )
    ]
    if status == "finished" and end is not None:
        events.append(
            ParsedEvent(
                location=location,
                identifier=f"{identifier}#discharge",
                activity_code=codes[1],
                event_date=_local_date(end),
                **common,
            )
        )
    return events


def _check_provenance(parsed: Parsed, index: int, provenance: Any, statuses: set[str]) -> None:
    activity = provenance.activity
    for coding in activity.coding or [] if activity is not None else []:
        if coding.system not in MEDCOM_ACTIVITY_SYSTEMS:
            continue
        code = str(coding.code or "").removeprefix("revise-")
        where = _at(index, "activity")
        if code not in IMPORTABLE_CODES:
            parsed.error(where, _(MESSAGE_ACTIVITY_CODE))
        elif code.startswith("discharge-") and "finished" not in statuses:
            # (An admission code may appear in a discharge message's history: not checked.)
            parsed.error(where, _(MESSAGE_ACTIVITY_MISMATCH))
