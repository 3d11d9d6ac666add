"""Staff: create and update users by user name, roles and competencies, and what is refused."""

from __future__ import annotations

from forlob.access.models import AccessLog
from forlob.core.choices import Role
from forlob.core.models import User
from forlob.imports.kinds import staff as kind
from forlob.imports.parsing import CHANGED, NEW, UNCHANGED
from tests.factories import TeamFactory, UnitFactory, UserFactory
from tests.helpers import tr
from tests.imports.conftest import csv_bytes
from tests.imports.helpers import check, problems, run

HEADER = ["brugernavn", "fornavn", "efternavn", "e-mail", "roller", "faggruppe", "team",
          "kompetencer", "maks_nye_pr_dag"]  # fmt: skip
TOVE = ["tove.t", "Tove", "Terapeut", "tove@example.org", "terapeut", "fysioterapeut",
        "Team Ortopædi", "ortopædkirurgisk:specialiseret, medicinsk:basal", "4"]  # fmt: skip
KIRSTEN = ["kirsten.k", "Kirsten", "Koordinator", "", "Forløbskoordinator, terapeut",
           "sygeplejerske", "", "", ""]  # fmt: skip


def test_new_users_get_roles_team_and_competencies_but_no_password(org_a, admin):
    result, counts = run("staff", csv_bytes([HEADER, TOVE, KIRSTEN]), org_a, actor=admin)
    assert problems(result) == []
    assert counts == {NEW: 2, CHANGED: 0, UNCHANGED: 0}
    tove = User.objects.get(username="tove.t")
    assert tove.municipality == org_a.municipality and tove.team == org_a.team
    assert tove.role_codes == {Role.THERAPIST}
    assert tove.profession == "physiotherapist" and tove.max_new_citizens_per_day == 4
    assert {(c.diagnosis_area, c.max_level) for c in tove.competencies.all()} == {
        ("orthopaedic", "specialised"),
        ("medical", "basal"),
    }
    assert not tove.has_usable_password()
    kirsten = User.objects.get(username="kirsten.k")
    assert kirsten.role_codes == {Role.COORDINATOR, Role.THERAPIST}
    assert kirsten.max_new_citizens_per_day == 3 and kirsten.team is None
    assert AccessLog.objects.filter(operation="import_staff_create", actor=admin).count() == 2


def test_the_same_file_again_changes_nothing_and_a_changed_row_updates(org_a, admin):
    run("staff", csv_bytes([HEADER, TOVE, KIRSTEN]), org_a, actor=admin)
    _result, counts = run("staff", csv_bytes([HEADER, TOVE, KIRSTEN]), org_a, actor=admin)
    assert counts == {NEW: 0, CHANGED: 0, UNCHANGED: 2}
    promoted = [*TOVE[:4], "leder", *TOVE[5:7], "", "4"]
    _result, counts = run("staff", csv_bytes([HEADER, promoted, KIRSTEN]), org_a, actor=admin)
    assert counts == {NEW: 0, CHANGED: 1, UNCHANGED: 1}
    tove = User.objects.get(username="tove.t")
    assert tove.role_codes == {Role.MANAGER}  # roles are set to exactly the row's
    assert not tove.competencies.exists()  # an empty cell clears
    assert AccessLog.objects.filter(operation="import_staff_update").count() == 1


def test_a_column_left_out_leaves_the_value_alone(org_a, admin):
    run("staff", csv_bytes([HEADER, TOVE]), org_a, actor=admin)
    short = ["brugernavn", "fornavn", "efternavn", "roller"]
    _result, counts = run(
        "staff", csv_bytes([short, ["tove.t", "Tove", "Hansen", "terapeut"]]), org_a, actor=admin
    )
    assert counts[CHANGED] == 1
    tove = User.objects.get(username="tove.t")
    assert tove.last_name == "Hansen"
    assert tove.team == org_a.team and tove.competencies.count() == 2
    assert tove.email == "tove@example.org"


def test_errors_name_row_and_column(org_a, org_b, admin):
    UserFactory(username="ulla.b", municipality=org_b.municipality)
    UserFactory(username="root", municipality=org_a.municipality, is_superuser=True)
    rows = [
        HEADER,
        [*TOVE[:4], "kok", *TOVE[5:]],  # 2: unknown role
        [*TOVE[:3], "ikke-en-mail", *TOVE[4:]],  # 3
        [*TOVE[:6], "Team Ukendt", *TOVE[7:]],  # 4
        [*TOVE[:7], "ortopædkirurgisk", "4"],  # 5: no level
        [*TOVE[:8], "99"],  # 6
        ["ulla.b", *TOVE[1:]],  # 7: another municipality's user
        [admin.username, *TOVE[1:]],  # 8: own user
        ["root", *TOVE[1:]],  # 9: a superuser
        ["tove.t", *TOVE[1:]],  # 10: fine
        ["tove.t", *TOVE[1:]],  # 11: twice
        ["blank plads", *TOVE[1:4], "", *TOVE[5:]],  # 12: bad user name, no role
    ]
    result = check("staff", csv_bytes(rows), org_a, actor=admin)
    assert [(r, letter, column) for r, letter, column, _m in problems(result)] == [
        (2, "E", "roller"),
        (3, "D", "e-mail"),
        (4, "G", "team"),
        (5, "H", "kompetencer"),
        (6, "I", "maks_nye_pr_dag"),
        (12, "A", "brugernavn"),
        (12, "E", "roller"),
        (11, "A", "brugernavn"),
        (7, "A", "brugernavn"),
        (8, "A", "brugernavn"),
        (9, "A", "brugernavn"),
    ]
    messages = [m for *_, m in problems(result)]
    assert messages[-3:] == [
        tr(kind.MESSAGE_USER_ELSEWHERE),
        tr(kind.MESSAGE_OWN_USER),
        tr(kind.MESSAGE_SUPERUSER),
    ]
    assert messages[7] == tr(kind.MESSAGE_DUPLICATE_USERNAME) % {"other": 10}
    assert [i.row for i in result.items] == [10]


def test_a_team_name_two_units_share_needs_the_unit(org_a, admin):
    other_unit = UnitFactory(municipality=org_a.municipality, name="Sundhedshuset")
    TeamFactory(unit=other_unit, name="Team Ortopædi")
    result = check("staff", csv_bytes([HEADER, TOVE]), org_a, actor=admin)
    assert problems(result) == [(2, "G", "team", tr(kind.MESSAGE_AMBIGUOUS_TEAM))]
    header = [*HEADER, "enhed"]
    result, counts = run("staff", csv_bytes([header, [*TOVE, "Sundhedshuset"]]), org_a, actor=admin)
    assert counts[NEW] == 1
    assert User.objects.get(username="tove.t").team.unit == other_unit


def test_deactivating_a_user(org_a, admin):
    run("staff", csv_bytes([HEADER, TOVE]), org_a, actor=admin)
    header = [*HEADER, "aktiv"]
    run("staff", csv_bytes([header, [*TOVE, "nej"]]), org_a, actor=admin)
    assert not User.objects.get(username="tove.t").is_active
