"""The pseudonymised dataset: readable Parquet, no CPR numbers or names, stable pseudonyms per
key, age bands, small cells suppressed; from the command line and from the page, audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen
from forlob.monitoring.dataset import MIN_CELL, build_dataset, suppress
from forlob.monitoring.forms import MESSAGE_KEY_TOO_SHORT
from forlob.monitoring.pseudonyms import age_band, export_pseudonym
from tests.factories import CitizenFactory, make_cpr
from tests.helpers import form_errors, tr
from tests.monitoring.support import S, day, pathway

pytestmark = pytest.mark.django_db

KEY = "fælles-nøgle-for-klyngen-2026"


@pytest.fixture
def year_2025(org_a, org_b):
    """Eight pathways in 2025: six alike (GOP, women 70-79), two rare ones; others elsewhere."""
    m = org_a.municipality
    made = []
    for i in range(6):
        citizen = CitizenFactory(
            municipality=m,
            cpr=make_cpr(date(1950, 3, 1 + i), serial=200 + i, male=False),
            first_name=f"Ingeborg{i}",
            last_name="Særnavn",
        )
        made.append(
            pathway(
                m,
                created=day(2025, 3, 1 + i),
                status=S.COMPLETED,
                ended=day(2025, 4, 1 + i),
                referral__citizen=citizen,
                referral__received_date=date(2025, 3, 1),
            )
        )
    for i in range(2):  # a rare combination: chronic COPD, men in their 20s
        citizen = CitizenFactory(
            municipality=m,
            cpr=make_cpr(date(2000, 5, 1 + i), serial=300 + i, male=True),
            first_name=f"Rasmus{i}",
            last_name="Sjældensen",
        )
        made.append(
            pathway(m, created=day(2025, 6, 1 + i), type_code="chronic", referral__citizen=citizen)
        )
    pathway(m, created=day(2024, 12, 31))  # another year
    pathway(org_b.municipality, created=day(2025, 3, 3))  # another municipality
    return made


def test_dataset_rows_pseudonyms_and_bands(org_a, year_2025):
    data = build_dataset(municipality=org_a.municipality, year=2025, key=KEY)
    frame = data.pathways
    # The two chronic rows are a type with fewer than 5 rows: left out altogether.
    assert (frame.height, data.generalised_rows, data.dropped_rows) == (6, 2, 2)
    first = year_2025[0]
    row = frame.filter(frame["pathway_pseudonym"] == export_pseudonym(KEY, "pathway", first.pk))
    assert row["citizen_pseudonym"][0] == export_pseudonym(KEY, "citizen", first.citizen_id)
    assert row["age_band"][0] == "70-79" == age_band(date(1950, 3, 1), date(2025, 3, 1))
    assert (row["sex"][0], row["pathway_type"][0], row["status"][0]) == (
        "female",
        "gop",
        "completed",
    )
    assert (row["start_month"][0], row["end_month"][0], row["duration_days"][0]) == (
        "2025-03",
        "2025-04",
        31,
    )
    assert set(frame["municipality_code"]) == {"730"}


def test_same_key_same_pseudonyms_other_key_unrelated(org_a, year_2025):
    a = build_dataset(municipality=org_a.municipality, year=2025, key=KEY).pathways
    b = build_dataset(municipality=org_a.municipality, year=2025, key=KEY).pathways
    c = build_dataset(municipality=org_a.municipality, year=2025, key=KEY + "x").pathways
    assert a["citizen_pseudonym"].to_list() == b["citizen_pseudonym"].to_list()
    assert not set(a["citizen_pseudonym"]) & set(c["citizen_pseudonym"])


def test_small_cells_are_generalised_then_left_out():
    rows = [
        {"age_band": "70-79", "sex": "female", "pathway_type": "gop", "gop_level": "basal",
         "diagnosis_area": "medical", "chronic_disease": None, "coordination_area": None,
         "generalised": False}
        for _ in range(MIN_CELL)
    ]  # fmt: skip
    rare = {**rows[0], "age_band": "90+", "sex": "male"}
    tiny_type = {**rows[0], "pathway_type": "concussion"}
    kept, generalised, dropped = suppress([*[dict(r) for r in rows], dict(rare), dict(tiny_type)])
    assert (len(kept), generalised, dropped) == (6, 2, 1)
    the_rare = [r for r in kept if r["generalised"]]
    assert the_rare == [
        {**rare, "age_band": None, "sex": None, "gop_level": None, "diagnosis_area": None,
         "generalised": True}
    ]  # fmt: skip


def _all_text(paths) -> str:
    text = []
    for path in paths:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            text += [str(v) for col in table.columns for v in col.to_pylist()]
        else:
            text.append(path.read_text(encoding="utf-8"))
    return "\n".join(text)


def test_command_writes_readable_parquet_without_identifiers(org_a, year_2025, tmp_path):
    out = tmp_path / "export"
    call_command("export_dataset", key=KEY, year=2025, out=out, municipality="730")
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [
        "forlob-730-2025-counts.parquet",
        "forlob-730-2025-data-dictionary.json",
        "forlob-730-2025-data-dictionary.md",
        "forlob-730-2025-pathways.parquet",
    ]
    pathways = pq.read_table(out / "forlob-730-2025-pathways.parquet")
    assert pathways.num_rows == 6
    counts = pq.read_table(out / "forlob-730-2025-counts.parquet").to_pylist()
    assert all((c["pathways"] is None) == c["suppressed"] for c in counts)
    assert all(c["pathways"] is None or c["pathways"] >= MIN_CELL for c in counts)
    assert any(c["suppressed"] for c in counts)  # the two chronic pathways
    text = _all_text(files)
    for citizen in Citizen.objects.all():
        assert citizen.cpr not in text and citizen.cpr[:6] not in text
        assert citizen.first_name not in text and citizen.last_name not in text
    assert KEY not in text  # the key is never written
    info = json.loads((out / "forlob-730-2025-data-dictionary.json").read_text())
    columns = {c["column"] for c in info["files"]["forlob-730-2025-pathways.parquet"]}
    assert columns == set(pathways.column_names)
    log = AccessLog.objects.get(operation="export_dataset")
    assert log.actor is None and log.actor_name.startswith("command line")
    assert log.citizen_id is None and "730 2025: 6 rows" in log.reason


def test_command_refuses_short_keys_and_unknown_users(org_a, tmp_path, manager):
    with pytest.raises(CommandError, match="at least"):
        call_command("export_dataset", key="short", year=2025, out=tmp_path)
    with pytest.raises(CommandError, match="allowed to export"):
        call_command("export_dataset", key=KEY, year=2025, out=tmp_path, user=manager.username)
    assert not AccessLog.objects.filter(operation="export_dataset").exists()


def test_command_as_a_user_audits_the_user(org_a, analyst, tmp_path, year_2025):
    call_command("export_dataset", key=KEY, year=2025, out=tmp_path, user=analyst.username)
    assert AccessLog.objects.get(operation="export_dataset").actor == analyst


# --- the page ---------------------------------------------------------------------------------


URL = reverse("monitoring:dataset")


def test_only_users_who_may_export_reach_the_page(client_for, manager, therapist, analyst):
    assert client_for(manager).get(URL).status_code == 403
    assert client_for(therapist).post(URL, {"year": 2025, "key": KEY}).status_code == 403
    assert client_for(analyst).get(URL).status_code == 200
    assert client_for(None).get(URL).status_code == 302
    assert client_for(analyst).put(URL).status_code == 405


def test_page_downloads_a_zip_and_audits(client_for, analyst, year_2025):
    response = client_for(analyst).post(URL, {"year": 2025, "key": KEY})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(z.namelist()) == [
        "forlob-730-2025-counts.parquet",
        "forlob-730-2025-data-dictionary.json",
        "forlob-730-2025-data-dictionary.md",
        "forlob-730-2025-pathways.parquet",
    ]
    table = pq.read_table(io.BytesIO(z.read("forlob-730-2025-pathways.parquet")))
    assert table.num_rows == 6
    log = AccessLog.objects.get(operation="export_dataset")
    assert (log.actor, log.citizen_id) == (analyst, None)
    assert KEY not in log.reason


def test_page_refuses_a_short_key_and_does_not_echo_it(client_for, analyst):
    response = client_for(analyst).post(URL, {"year": "2025", "key": "kort"})
    assert response.status_code == 200
    assert form_errors(response)["key"] == [tr(MESSAGE_KEY_TOO_SHORT) % {"min": 12}]
    assert 'value="kort"' not in response.content.decode()
    assert not AccessLog.objects.filter(operation="export_dataset").exists()
