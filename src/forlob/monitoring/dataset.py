"""The pseudonymised dataset for knowledge sharing between municipalities (Parquet + dictionary).

One row per pathway created in the year, with no CPR number, no name, no address and no exact
birth date: citizens and pathways appear as HMAC pseudonyms under the *export key* the
municipalities agree on (never stored, see pseudonyms.py), ages as ten-year bands, dates as
months. Small cells are suppressed so that a rare combination cannot point at one person:

1. Rows whose combination of age band, sex, pathway type and type detail (level, diagnosis area,
   disease, coordination area) occurs fewer than ``MIN_CELL`` times lose the age band, sex and
   type detail (set to null, ``generalised`` = true).
2. If fewer than ``MIN_CELL`` rows share even the pathway type, those rows are left out.

A second file counts pathways per start month, type and status; counts under ``MIN_CELL`` are
null (``suppressed`` = true). The data dictionary (Markdown and JSON) describes every column.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from forlob.core.models import Municipality
from forlob.monitoring.filters import COPENHAGEN, Period
from forlob.monitoring.pseudonyms import age_band, export_pseudonym
from forlob.pathways.models import Pathway
from forlob.scheduling.models import AppointmentStatus

MIN_CELL = 5
DATASET_VERSION = 1

# name, Polars type, description
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("citizen_pseudonym", "String", "HMAC-SHA256 of the citizen with the export key (20 hex)."),
    ("pathway_pseudonym", "String", "HMAC-SHA256 of the pathway with the export key (20 hex)."),
    ("municipality_code", "String", "The municipality's three-digit code."),
    ("year", "Int32", "The year of the dataset (the pathway was created in it)."),
    (
        "pathway_type",
        "String",
        "Referral type code: gop, free_physio, chronic, coordination, "
        "resource, concussion, everyday_rehab.",
    ),
    ("gop_level", "String", "GOP level: basal, advanced, specialised (GOP only)."),
    ("diagnosis_area", "String", "GOP diagnosis area: orthopaedic, medical, neurological."),
    (
        "chronic_disease",
        "String",
        "Chronic-disease programme: cancer, copd, cardiovascular, diabetes, low_back.",
    ),
    ("coordination_area", "String", "Care coordination: cancer, brain_injury, sick_listed."),
    ("age_band", "String", "Age when referred, in ten-year bands (0-17, 18-29, ..., 90+)."),
    ("sex", "String", "female or male."),
    (
        "health_literacy",
        "String",
        "Latest health-literacy screening: low, medium, high; null when not assessed.",
    ),
    ("provider_kind", "String", "municipal (own unit or municipal provider) or private."),
    ("start_month", "String", "Month the pathway was created (YYYY-MM)."),
    ("end_month", "String", "Month the pathway ended (YYYY-MM); null while open."),
    ("status", "String", "referred, booked, active, completed, dropped_out, cancelled."),
    ("dropout_reason", "String", "KL Gateway Rehab cancellation type code when dropped out."),
    (
        "days_to_first_offer",
        "Int32",
        "GOP: calendar days from discharge to the first time "
        "offered; other types: from the referral being received.",
    ),
    (
        "offered_within_deadline",
        "Boolean",
        "The first time offered lay on or before the offer deadline (types with a deadline).",
    ),
    ("duration_days", "Int32", "Days from creation to the end (null while open)."),
    ("appointments", "Int32", "Appointments booked in the pathway (any status)."),
    ("attended", "Int32", "Appointments the citizen attended."),
    ("no_shows", "Int32", "Appointments the citizen did not show up for."),
    (
        "generalised",
        "Boolean",
        f"Age band, sex and type detail removed: their combination "
        f"occurred fewer than {MIN_CELL} times.",
    ),
)
QUASI_IDENTIFIERS = (
    "age_band",
    "sex",
    "pathway_type",
    "gop_level",
    "diagnosis_area",
    "chronic_disease",
    "coordination_area",
)
GENERALISED = (
    "age_band",
    "sex",
    "gop_level",
    "diagnosis_area",
    "chronic_disease",
    "coordination_area",
)

COUNT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("municipality_code", "String", "The municipality's three-digit code."),
    ("start_month", "String", "Month the pathways were created (YYYY-MM)."),
    ("pathway_type", "String", "Referral type code."),
    ("status", "String", "Status at the time of export."),
    ("pathways", "Int32", f"Number of pathways; null when fewer than {MIN_CELL}."),
    ("suppressed", "Boolean", f"True when the count was under {MIN_CELL} and is left out."),
)


@dataclass(frozen=True)
class Dataset:
    municipality_code: str
    year: int
    pathways: Any  # polars.DataFrame
    counts: Any  # polars.DataFrame
    generalised_rows: int
    dropped_rows: int

    @property
    def stem(self) -> str:
        return f"forlob-{self.municipality_code}-{self.year}"


def _month(moment: Any) -> str | None:
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m") if moment else None


def _or_none(value: str) -> str | None:
    return value or None


def _rows(municipality: Municipality, year: int, key: str) -> list[dict[str, Any]]:
    period = Period.year(year)
    qs = (
        Pathway.objects.filter(municipality=municipality)
        .filter(period.datetime_q("created_at"))
        .select_related("citizen", "pathway_type", "referral", "provider", "dropout_reason")
        .annotate(
            n_appointments=Count("appointments"),
            n_attended=Count(
                "appointments", filter=Q(appointments__status=AppointmentStatus.ATTENDED)
            ),
            n_no_show=Count(
                "appointments", filter=Q(appointments__status=AppointmentStatus.NO_SHOW)
            ),
        )
        .order_by("pk")
    )
    rows = []
    for p in qs.iterator(chunk_size=2000):
        referral = p.referral
        created = p.created_at.astimezone(COPENHAGEN).date()
        anchor = referral.received_date if referral else created
        first_offer_days = None
        if p.first_offered_start and referral is not None:
            start = referral.discharge_date or referral.received_date
            first_offer_days = (p.first_offered_start.astimezone(COPENHAGEN).date() - start).days
        rows.append(
            {
                "citizen_pseudonym": export_pseudonym(key, "citizen", p.citizen_id),
                "pathway_pseudonym": export_pseudonym(key, "pathway", p.pk),
                "municipality_code": municipality.code,
                "year": year,
                "pathway_type": p.pathway_type.code,
                "gop_level": _or_none(referral.gop_level) if referral else None,
                "diagnosis_area": _or_none(referral.diagnosis_area) if referral else None,
                "chronic_disease": _or_none(referral.chronic_disease) if referral else None,
                "coordination_area": _or_none(referral.coordination_area) if referral else None,
                "age_band": age_band(p.citizen.birth_date, anchor),
                "sex": p.citizen.sex,
                "health_literacy": _or_none(p.citizen.health_literacy),
                "provider_kind": p.provider.kind if p.provider_id else "municipal",
                "start_month": _month(p.created_at),
                "end_month": _month(p.ended_at),
                "status": p.status,
                "dropout_reason": p.dropout_reason.code if p.dropout_reason_id else None,
                "days_to_first_offer": first_offer_days,
                "offered_within_deadline": p.first_offer_within_deadline,
                "duration_days": (p.ended_at.astimezone(COPENHAGEN).date() - created).days
                if p.ended_at
                else None,
                "appointments": p.n_appointments,
                "attended": p.n_attended,
                "no_shows": p.n_no_show,
                "generalised": False,
            }
        )
    return rows


def suppress(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """Apply the small-cell rules (module docstring); returns (rows, generalised, dropped)."""
    cells = Counter(tuple(r[c] for c in QUASI_IDENTIFIERS) for r in rows)
    generalised = 0
    for r in rows:
        if cells[tuple(r[c] for c in QUASI_IDENTIFIERS)] < MIN_CELL:
            for c in GENERALISED:
                r[c] = None
            r["generalised"] = True
            generalised += 1
    per_type = Counter(r["pathway_type"] for r in rows)
    kept = [r for r in rows if per_type[r["pathway_type"]] >= MIN_CELL]
    return kept, generalised, len(rows) - len(kept)


def _counts(rows: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    cells = Counter((r["start_month"], r["pathway_type"], r["status"]) for r in rows)
    return [
        {
            "municipality_code": code,
            "start_month": month,
            "pathway_type": kind,
            "status": status,
            "pathways": n if n >= MIN_CELL else None,
            "suppressed": n < MIN_CELL,
        }
        for (month, kind, status), n in sorted(cells.items())
    ]


def _schema(columns: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    import polars as pl

    return {name: getattr(pl, kind) for name, kind, _d in columns}


def build_dataset(*, municipality: Municipality, year: int, key: str) -> Dataset:
    """The dataset for ``municipality`` and ``year`` with pseudonyms under ``key``."""
    import polars as pl

    raw = _rows(municipality, year, key)
    counts = _counts(raw, municipality.code)  # counted before rows are left out
    rows, generalised, dropped = suppress(raw)
    return Dataset(
        municipality_code=municipality.code,
        year=year,
        pathways=pl.DataFrame(rows, schema=_schema(COLUMNS), orient="row"),
        counts=pl.DataFrame(counts, schema=_schema(COUNT_COLUMNS), orient="row"),
        generalised_rows=generalised,
        dropped_rows=dropped,
    )


def dictionary(dataset: Dataset) -> dict[str, Any]:
    """The data dictionary as data (written as JSON and as Markdown)."""
    return {
        "dataset": dataset.stem,
        "version": DATASET_VERSION,
        "created": timezone.localdate().isoformat(),
        "municipality_code": dataset.municipality_code,
        "year": dataset.year,
        "rows": dataset.pathways.height,
        "generalised_rows": dataset.generalised_rows,
        "left_out_rows": dataset.dropped_rows,
        "minimum_cell_size": MIN_CELL,
        "method": {
            "population": "Pathways created in the year (Copenhagen time), every status.",
            "pseudonyms": "HMAC-SHA256 of 'citizen:<internal id>' and 'pathway:<internal id>' "
            "with the export key given when exporting; the key is not stored. The same key "
            "gives the same pseudonyms in every export; another key gives unrelated ones.",
            "identifiers": "No CPR number, name, address, birth date or exact date is included. "
            "Ages are ten-year bands at referral; dates are months.",
            "suppression": f"Rows whose combination of {', '.join(QUASI_IDENTIFIERS)} occurs "
            f"fewer than {MIN_CELL} times have {', '.join(GENERALISED)} removed "
            f"(generalised = true). Pathway types with fewer than {MIN_CELL} rows are left "
            f"out. In the counts file, counts under {MIN_CELL} are null (suppressed = true).",
        },
        "files": {
            f"{dataset.stem}-pathways.parquet": [
                {"column": n, "type": t, "description": d} for n, t, d in COLUMNS
            ],
            f"{dataset.stem}-counts.parquet": [
                {"column": n, "type": t, "description": d} for n, t, d in COUNT_COLUMNS
            ],
        },
    }


def dictionary_markdown(info: dict[str, Any]) -> str:
    lines = [
        f"# Data dictionary: {info['dataset']}",
        "",
        f"Forløb pseudonymised dataset, version {info['version']}, made {info['created']}.",
        f"Municipality {info['municipality_code']}, year {info['year']}: {info['rows']} rows "
        f"({info['generalised_rows']} generalised, {info['left_out_rows']} left out).",
        "",
        "## Method",
        "",
    ]
    lines += [f"- **{k}**: {v}" for k, v in info["method"].items()]
    for name, columns in info["files"].items():
        lines += ["", f"## {name}", "", "| column | type | description |", "| --- | --- | --- |"]
        lines += [f"| {c['column']} | {c['type']} | {c['description']} |" for c in columns]
    return "\n".join(lines) + "\n"


def write_dataset(dataset: Dataset, out_dir: Path) -> list[Path]:
    """Write the two Parquet files and the dictionary (JSON, Markdown) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    info = dictionary(dataset)
    paths = [
        out_dir / f"{dataset.stem}-pathways.parquet",
        out_dir / f"{dataset.stem}-counts.parquet",
        out_dir / f"{dataset.stem}-data-dictionary.json",
        out_dir / f"{dataset.stem}-data-dictionary.md",
    ]
    dataset.pathways.write_parquet(paths[0])
    dataset.counts.write_parquet(paths[1])
    paths[2].write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    paths[3].write_text(dictionary_markdown(info), encoding="utf-8")
    return paths


def dataset_zip(dataset: Dataset) -> bytes:
    """The same four files in one zip (the download from the UI)."""
    info = dictionary(dataset)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, frame in (("pathways", dataset.pathways), ("counts", dataset.counts)):
            data = io.BytesIO()
            frame.write_parquet(data)
            z.writestr(f"{dataset.stem}-{name}.parquet", data.getvalue())
        z.writestr(
            f"{dataset.stem}-data-dictionary.json", json.dumps(info, indent=2, ensure_ascii=False)
        )
        z.writestr(f"{dataset.stem}-data-dictionary.md", dictionary_markdown(info))
    return buffer.getvalue()
