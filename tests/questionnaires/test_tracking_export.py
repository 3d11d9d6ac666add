"""The tracking page's "Download as Excel": the same counts per questionnaire/team and month.

Uses the known month of test_tracking.py (May 2026: 4 satisfaction invitations for Team Ortopædi,
1 for Team Neurologi; June: 3 more). Counts only: the download names no citizen and is audited
as one export without a citizen.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from forlob.access.models import AccessLog
from tests.questionnaires.test_tracking import history, neuro  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("history")


def _tables(response) -> list[list[tuple]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    tables = []
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        blank = next(i for i, r in enumerate(rows) if all(c is None for c in r))
        tables.append(rows[blank + 2 :])  # below the headings
    return tables


def test_the_download_has_the_pages_rows(client_for, manager, org_a):
    c = client_for(manager)
    params = {"month": "2026-05"}
    page = c.get(reverse("questionnaires:tracking"), params).context
    before = AccessLog.objects.count()
    groups, months = _tables(c.get(reverse("questionnaires:tracking_xlsx"), params))
    assert [r[:6] for r in groups] == [
        (f.label, f.sent, f.opened, f.answered, f.expired, f.pending) for f in page["by_group"]
    ]
    ortho = next(g for g in groups if "Ortopædi" in g[0])
    assert sorted(g[1] for g in groups) == [1, 4]  # Team Neurologi, Team Ortopædi
    assert ortho[6] == pytest.approx(3 / 4)  # the response rate, as a number
    assert [r[1] for r in months] == [f.sent for f in page["by_month"]]
    assert len(months) == 12
    [log] = AccessLog.objects.order_by("pk")[before:]
    assert (log.operation, log.citizen_id, log.actor) == (
        "export_questionnaire_tracking",
        None,
        manager,
    )


def test_the_download_follows_the_team_filter_and_names_nobody(client_for, manager, neuro):  # noqa: F811
    response = client_for(manager).get(
        reverse("questionnaires:tracking_xlsx"), {"month": "2026-05", "team": neuro.pk}
    )
    body = b"".join(response.streaming_content)
    groups = _tables_from(body)[0]
    assert [(g[1], g[4]) for g in groups] == [(1, 1)]  # one sent, expired
    assert b"Hemmelig" not in body


def _tables_from(body: bytes) -> list[list[tuple]]:
    class R:
        status_code = 200
        streaming_content = [body]

    return _tables(R())
