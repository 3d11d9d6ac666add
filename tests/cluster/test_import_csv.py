"""CSV import: a good file, bad rows (nothing imported, precise errors), idempotency, linking."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from forlob.access.models import AccessLog
from forlob.cluster import importing as imp
from forlob.cluster.models import FollowUpVisit, HospitalEvent, ImportBatch
from forlob.cluster.pseudonym import person_key
from forlob.cluster.services import hospital_events_import
from tests.cluster.helpers import cpr_aged, csv_bytes, csv_row
from tests.factories import CitizenFactory
from tests.helpers import counts, tr

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def run(content: bytes, actor):
    return hospital_events_import(actor=actor, content=content, filename="h.csv", today=TODAY)


def errors_of(content: bytes, actor) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        run(content, actor)
    return exc.value.messages


def nothing_changed(before: dict[str, int]) -> bool:
    return counts(HospitalEvent, ImportBatch, FollowUpVisit) == before


def test_a_good_file_is_imported_with_age_sex_and_preventable_group(analyst, org_a, org_b):
    cpr = cpr_aged(80, on=date(2026, 3, 2))
    rows = [
        csv_row(event_id="A1", encounter_id="S1", cpr=cpr, diagnosis_code="J18.9"),
        csv_row(
            event_id="D1",
            encounter_id="S1",
            activity_code="discharge-inpatient-home",
            event_date="06-03-2026",
            cpr=cpr,
            diagnosis_code="DJ189",
            follow_up_screened="ja",
            follow_up_consent="nej",
        ),
        csv_row(
            event_id="A2", municipality_code="0710", sector="psykiatrisk", diagnosis_code="DF32"
        ),
    ]
    result = run(csv_bytes(rows), analyst)
    assert (result.created, result.updated, result.unchanged, result.follow_ups) == (3, 0, 0, 1)
    a1 = HospitalEvent.objects.get(identifier="A1")
    assert (a1.age, a1.sex, a1.municipality, a1.citizen) == (80, "male", org_a.municipality, None)
    assert a1.person_key == person_key(cpr)
    assert a1.preventable_group.code == "lower_respiratory_infection"
    a2 = HospitalEvent.objects.get(identifier="A2")
    assert (a2.municipality, a2.sector, a2.preventable_group) == (
        org_b.municipality,
        "psychiatric",
        None,
    )
    visit = FollowUpVisit.objects.get()
    assert (visit.discharge.identifier, visit.screened, visit.consent) == ("D1", True, False)
    assert result.batch.imported_by == analyst
    # The CPR number is not stored anywhere in the event.
    stored = " ".join(str(v) for v in HospitalEvent.objects.values().first().values())
    assert cpr not in stored


def test_comma_separated_windows_1252_file_is_read(analyst):
    content = csv_bytes([csv_row(diagnosis_group="Lungebetændelse")], delimiter=",")
    result = run(content.decode().encode("cp1252"), analyst)
    assert result.created == 1
    assert HospitalEvent.objects.get().diagnosis_group == "Lungebetændelse"


def test_citizen_is_linked_only_in_the_events_municipality(analyst, org_a, org_b):
    citizen = CitizenFactory(municipality=org_a.municipality)
    rows = [
        csv_row(event_id="here", cpr=citizen.cpr),
        csv_row(event_id="there", cpr=citizen.cpr, municipality_code="710"),
    ]
    run(csv_bytes(rows), analyst)
    assert HospitalEvent.objects.get(identifier="here").citizen == citizen
    assert HospitalEvent.objects.get(identifier="there").citizen is None
    # The linked write is in the audit log, for the right citizen; no log row holds the number.
    logged = AccessLog.objects.filter(operation="hospital_event_import", citizen=citizen)
    assert logged.count() == 1
    for row in AccessLog.objects.values():
        assert citizen.cpr not in " ".join(str(v) for v in row.values())


def test_bad_rows_import_nothing_and_every_error_names_line_and_column(analyst, org_a):
    cpr = cpr_aged(80)
    rows = [
        csv_row(event_id="ok1", cpr=cpr),  # line 2: fine
        csv_row(event_id="bad", cpr="3102991234"),  # line 3: 31 Feb is no date
        csv_row(event_id="ok2", event_date="2026-13-01"),  # line 4
        csv_row(event_id="ok3", municipality_code="999"),  # line 5
        csv_row(event_id="ok4", activity_code="admit-somewhere"),  # line 6
        csv_row(event_id="", sector="tandlæge"),  # line 7: two errors
        csv_row(event_id="ok5", event_date="2026-06-02"),  # line 8: tomorrow
        csv_row(event_id="ok6", follow_up_screened="måske"),  # line 9
        csv_row(event_id="ok7", activity_code="cancel-admit-inpatient"),  # line 10
    ]
    before = counts(HospitalEvent, ImportBatch, FollowUpVisit)
    log_before = AccessLog.objects.count()
    messages = errors_of(csv_bytes(rows), analyst)
    assert nothing_changed(before)
    assert AccessLog.objects.count() == log_before

    def cell(line: int, column: str) -> str:
        return tr(imp.LOCATION_CELL) % {"line": line, "column": column}

    expected = [
        f"{cell(3, 'cpr')}: {tr(imp.MESSAGE_BAD_CPR)}",
        f"{cell(4, 'event_date')}: {tr(imp.MESSAGE_BAD_DATE)}",
        f"{cell(5, 'municipality_code')}: {tr(imp.MESSAGE_UNKNOWN_MUNICIPALITY)}",
        f"{cell(6, 'activity_code')}: "
        + tr(imp.MESSAGE_UNKNOWN_ACTIVITY) % {"codes": ", ".join(imp.IMPORTABLE_CODES)},
        f"{cell(7, 'event_id')}: {tr(imp.MESSAGE_REQUIRED)}",
        f"{cell(7, 'sector')}: {tr(imp.MESSAGE_BAD_SECTOR)}",
        f"{cell(8, 'event_date')}: {tr(imp.MESSAGE_FUTURE_DATE)}",
        f"{cell(9, 'follow_up_screened')}: {tr(imp.MESSAGE_BAD_YES_NO)}",
        f"{cell(10, 'activity_code')}: {tr(imp.MESSAGE_CANCEL)}",
    ]
    assert messages == expected
    # No value from the file is echoed (the CPR numbers above appear nowhere).
    text = "\n".join(messages)
    assert cpr not in text and "3102991234" not in text


def test_header_errors(analyst):
    assert errors_of(csv_bytes([csv_row()], header=["event_id", "cpr"]), analyst) == [
        f"{tr(imp.LOCATION_HEADER)}: " + tr(imp.MESSAGE_MISSING_COLUMN) % {"column": c}
        for c in ("activity_code", "event_date", "municipality_code")
    ]
    typo = [*imp.CSV_HEADER, "cpr_nr"]
    [message] = errors_of(csv_bytes([csv_row()], header=typo), analyst)
    assert message.endswith(tr(imp.MESSAGE_UNKNOWN_COLUMN) % {"column": "cpr_nr"})


def test_a_file_without_header_never_echoes_the_first_row(analyst):
    row = csv_row()
    content = ";".join(row[c] for c in imp.CSV_HEADER if c in row).encode()
    [message] = errors_of(content, analyst)
    assert message == f"{tr(imp.LOCATION_HEADER)}: {tr(imp.MESSAGE_NO_HEADER)}"
    assert row["cpr"] not in message


def test_empty_and_binary_files(analyst):
    assert errors_of(b"", analyst) == [f"{tr(imp.LOCATION_FILE)}: {tr(imp.MESSAGE_EMPTY)}"]
    header_only = csv_bytes([])
    assert errors_of(header_only, analyst) == [f"{tr(imp.LOCATION_FILE)}: {tr(imp.MESSAGE_EMPTY)}"]
    assert errors_of(b"\x00\x01\x02event_id", analyst) == [
        f"{tr(imp.LOCATION_FILE)}: {tr(imp.MESSAGE_NOT_TEXT)}"
    ]


def test_cross_row_errors(analyst):
    cpr = cpr_aged(70)
    rows = [
        csv_row(event_id="X", encounter_id="S9", event_date="2026-03-05", cpr=cpr),
        csv_row(event_id="X", cpr=cpr),  # line 3: duplicate id
        csv_row(  # line 4: discharged before admitted
            event_id="Y",
            encounter_id="S9",
            activity_code="discharge-inpatient-home",
            event_date="2026-03-04",
            cpr=cpr,
        ),
    ]
    messages = errors_of(csv_bytes(rows), analyst)
    location = tr(imp.LOCATION_LINE) % {"line": 2}
    assert messages == [
        tr(imp.LOCATION_CELL) % {"line": 3, "column": "event_id"}
        + ": "
        + tr(imp.MESSAGE_DUPLICATE_ID) % {"other": location},
        tr(imp.LOCATION_CELL) % {"line": 4, "column": "event_date"}
        + ": "
        + tr(imp.MESSAGE_DISCHARGE_BEFORE_ADMISSION),
    ]
    assert not HospitalEvent.objects.exists()


def test_a_discharge_before_an_earlier_imported_admission_is_refused(analyst):
    cpr = cpr_aged(70)
    run(
        csv_bytes([csv_row(event_id="A", encounter_id="S", event_date="2026-03-05", cpr=cpr)]),
        analyst,
    )
    discharge = csv_row(
        event_id="D",
        encounter_id="S",
        activity_code="discharge-inpatient-home",
        event_date="2026-03-01",
        cpr=cpr,
    )
    [message] = errors_of(csv_bytes([discharge]), analyst)
    assert message.endswith(tr(imp.MESSAGE_DISCHARGE_BEFORE_ADMISSION))


def test_importing_the_same_file_again_changes_nothing(analyst):
    rows = [
        csv_row(event_id="A", cpr=cpr_aged(85)),
        csv_row(event_id="D", activity_code="discharge-inpatient-home", cpr=cpr_aged(85)),
    ]
    content = csv_bytes(rows)
    first = run(content, analyst)
    snapshot = list(HospitalEvent.objects.values_list("identifier", "updated_at", "batch_id"))
    second = run(content, analyst)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert second.follow_ups == 0
    assert (
        list(HospitalEvent.objects.values_list("identifier", "updated_at", "batch_id")) == snapshot
    )
    assert (HospitalEvent.objects.count(), FollowUpVisit.objects.count()) == (2, 1)


def test_a_correction_updates_the_event_with_the_same_id(analyst):
    cpr = cpr_aged(85)
    run(csv_bytes([csv_row(event_id="A", cpr=cpr, diagnosis_code="DI219")]), analyst)
    fixed = csv_row(
        event_id="A", activity_code="revise-admit-inpatient", cpr=cpr, diagnosis_code="DE86"
    )
    result = run(csv_bytes([fixed]), analyst)
    assert (result.created, result.updated) == (0, 1)
    event = HospitalEvent.objects.get()
    assert (event.activity_code, event.preventable_group.code) == ("admit-inpatient", "dehydration")
    assert event.batch == result.batch


def test_an_event_id_cannot_move_to_another_person(analyst):
    run(csv_bytes([csv_row(event_id="A", cpr=cpr_aged(85))]), analyst)
    [message] = errors_of(csv_bytes([csv_row(event_id="A", cpr=cpr_aged(60))]), analyst)
    assert message.endswith(tr(imp.MESSAGE_OTHER_PERSON))


def test_screening_in_a_later_file_updates_the_follow_up(analyst):
    cpr = cpr_aged(85)
    row = csv_row(event_id="D", activity_code="discharge-inpatient-home", cpr=cpr)
    run(csv_bytes([row]), analyst)
    assert FollowUpVisit.objects.get().screened is None
    run(csv_bytes([{**row, "follow_up_screened": "ja", "follow_up_consent": "ja"}]), analyst)
    visit = FollowUpVisit.objects.get()
    assert (visit.screened, visit.consent) == (True, True)


def test_consent_without_screening_is_refused(analyst):
    row = csv_row(activity_code="discharge-inpatient-home", follow_up_consent="ja")
    [message] = errors_of(csv_bytes([row]), analyst)
    assert message.endswith(tr(imp.MESSAGE_CONSENT_WITHOUT_SCREENING))


def test_too_many_errors_are_cut_with_a_count(analyst):
    rows = [csv_row(cpr="x") for _ in range(imp.MAX_ERRORS + 7)]
    messages = errors_of(csv_bytes(rows), analyst)
    assert len(messages) == imp.MAX_ERRORS + 1
    assert messages[-1] == tr(imp.MESSAGE_MORE_ERRORS) % {"count": 7}
