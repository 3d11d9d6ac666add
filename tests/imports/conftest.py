"""Fixtures for the import tests: an administrator, a coordinator, files in every dialect."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pytest

from forlob.core.choices import Profession, Role
from tests.access.audit_support import make_admin
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    settings.FORLOB_IMPORTS_DIR = tmp_path / "imports"
    return settings.FORLOB_IMPORTS_DIR


@pytest.fixture
def admin(org_a):
    return make_admin(org_a)


@pytest.fixture
def coordinator(org_a):
    return UserFactory(
        municipality=org_a.municipality,
        team=org_a.team,
        roles=[Role.COORDINATOR],
        profession=Profession.NURSE,
        username="kirsten",
        first_name="Kirsten",
        last_name="Koordinator",
    )


def csv_bytes(
    rows: Sequence[Sequence[object]], *, delimiter: str = ";", encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else str(v) for v in row] for row in rows]
    )
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
