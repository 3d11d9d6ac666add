"""Recording and skipping through the pages, and the measures panel on the pathway page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format

from forlob.access.models import AccessLog
from forlob.measures import services
from forlob.measures.instruments import copm, fsiii
from forlob.measures.instruments.base import MESSAGE_REQUIRED, MESSAGE_WHOLE_NUMBER
from forlob.measures.models import InstrumentText, MeasureRecord
from forlob.pathways.models import PathwayStatus
from tests.helpers import TODAY, counts, flash, form_errors, tr
from tests.measures.post_data import BARTHEL, COPM_START, EQ5D, FSIII, with_date

pytestmark = pytest.mark.usefixtures("frozen")

D = Decimal


def url(name: str, pathway, instrument: str, time_point: str = "start") -> str:
    return reverse(f"measures:{name}", args=[pathway.pk, instrument, time_point])


def detail(pathway) -> str:
    return reverse("pathways:detail", args=[pathway.pk])


def measures_panel(response) -> dict:
    [panel] = [p for p in response.context["panels"] if p.template == "measures/panel.html"]
    return panel.context


# --- the panel ----------------------------------------------------------------------------------


def test_pathway_page_has_a_record_link_per_instrument_and_time_point(
    client_for, therapist, pathway
):
    html = client_for(therapist).get(detail(pathway)).content.decode()
    assert 'data-testid="measures-panel"' in html
    for code in ("copm", "barthel20", "eq5d5l", "chairstand30", "fsiii"):
        for point in ("start", "mid", "end", "follow_up"):
            assert url("record_form", pathway, code, point) in html


def test_a_read_only_role_sees_the_measures_but_no_record_links(
    client_for, therapist, assessor, pathway
):
    services.measure_record(
        actor=therapist, pathway=pathway, instrument="chairstand30", time_point="start",
        values={"count": 9},
    )  # fmt: skip
    html = client_for(assessor).get(detail(pathway)).content.decode()
    assert 'data-testid="cell-chairstand30-start"' in html
    assert "/measures/" not in html


def test_panel_shows_change_direction_and_meaningful_badge(client_for, therapist, pathway):
    c = client_for(therapist)
    c.post(url("record", pathway, "copm"), with_date(COPM_START, TODAY - timedelta(days=30)))
    end = {
        **COPM_START,
        "performance_1": "6",
        "satisfaction_1": "5",
        "performance_2": "6",
        "satisfaction_2": "4",
    }
    c.post(url("record", pathway, "copm", "end"), with_date(end))
    response = c.get(detail(pathway))
    [row] = measures_panel(response)["before_after"]
    performance, satisfaction = row.changes
    # performance (3+4)/2 = 3.5 → (6+6)/2 = 6.0: +2.5; satisfaction 2.5 → 4.5: +2.0; both ≥ 2
    assert (performance.change, performance.meaningful) == (D("2.5"), True)
    assert (satisfaction.change, satisfaction.meaningful) == (D("2.0"), True)
    html = response.content.decode()
    assert 'data-testid="change-copm-1"' in html
    assert html.count('data-testid="meaningful"') == 2
    assert f"+{number_format(D('2.5'))}" in html and f"+{number_format(D('2.0'))}" in html


def test_panel_without_a_citable_mid_shows_the_change_without_a_badge(
    client_for, therapist, pathway
):
    c = client_for(therapist)
    c.post(url("record", pathway, "fsiii"), with_date(FSIII, TODAY - timedelta(days=10)))
    c.post(url("record", pathway, "fsiii", "end"), with_date({**FSIII, "item_J3_8": "2"}))
    response = c.get(detail(pathway))
    [row] = measures_panel(response)["before_after"]
    # mean level (2+3+4)/3 = 3.0 → (2+3+2)/3 = 2.3: −0.7, better, no verdict
    assert (row.changes[0].change, row.changes[0].direction) == (D("-0.7"), "better")
    assert row.changes[0].meaningful is None
    html = response.content.decode()
    assert 'data-testid="change-fsiii-1"' in html
    assert number_format(D("-0.7")) in html
    assert 'data-testid="meaningful"' not in html
    assert 'data-testid="direction"' in html


# --- recording ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body", "primary"),
    [
        ("copm", COPM_START, "3.500"),
        ("barthel20", BARTHEL, "12.000"),
        ("eq5d5l", EQ5D, "9.000"),
        ("chairstand30", {"count": "9"}, "9.000"),
        ("fsiii", FSIII, "3.000"),
    ],
)
def test_each_form_shows_and_records(client_for, therapist, pathway, code, body, primary):
    c = client_for(therapist)
    page = c.get(url("record_form", pathway, code))
    assert page.status_code == 200
    assert 'data-testid="measure-form"' in page.content.decode()
    response = c.post(url("record", pathway, code), with_date(body))
    assert response.status_code == 302
    assert response["Location"] == detail(pathway)
    r = MeasureRecord.objects.get()
    assert (r.instrument, r.time_point, str(r.primary_score)) == (code, "start", primary)
    assert flash(response)


def test_eq5d_form_stores_the_profile(client_for, therapist, pathway):
    client_for(therapist).post(url("record", pathway, "eq5d5l"), with_date(EQ5D))
    r = MeasureRecord.objects.get()
    # 2,1,3,2,1: 1 − 0.041 − 0.040 − 0.048 = 0.871
    assert r.details == {"profile": "21321", "index_dk": "0.871"}
    assert r.secondary_score == 60


def test_copm_errors_reshow_what_was_typed_and_save_nothing(client_for, therapist, pathway):
    before = counts(MeasureRecord)
    body = {
        **COPM_START,
        "satisfaction_1": "",
        "performance_2": "11",
        "performance_3": "5",  # ratings without a named activity
    }
    response = client_for(therapist).post(url("record", pathway, "copm"), with_date(body))
    assert response.status_code == 422
    errors = form_errors(response)
    assert errors["satisfaction_1"] == [tr(MESSAGE_REQUIRED)]
    assert errors["performance_2"] == [tr(MESSAGE_WHOLE_NUMBER) % {"min": 1, "max": 10}]
    assert errors["activity_3"] == [tr(copm.MESSAGE_NAME_MISSING)]
    html = response.content.decode()
    assert 'value="Gå tur med hunden"' in html and 'value="11"' in html
    assert counts(MeasureRecord) == before


def test_copm_without_any_activity_says_so_above_the_form(client_for, therapist, pathway):
    response = client_for(therapist).post(url("record", pathway, "copm"), with_date({}))
    assert response.status_code == 422
    assert form_errors(response)["__all__"] == [tr(copm.MESSAGE_NO_ACTIVITY)]


def test_barthel_errors_per_item_and_the_chosen_options_stay_checked(
    client_for, therapist, pathway
):
    body = {**BARTHEL, "transfer": "", "grooming": "2"}
    response = client_for(therapist).post(url("record", pathway, "barthel20"), with_date(body))
    assert response.status_code == 422
    errors = form_errors(response)
    assert errors == {
        "transfer": [tr(MESSAGE_REQUIRED)],
        "grooming": [tr(MESSAGE_WHOLE_NUMBER) % {"min": 0, "max": 1}],
    }
    html = response.content.decode()
    assert 'name="bowels" value="2" id="id_bowels_2" checked' in html
    assert 'name="bowels" value="1" id="id_bowels_1">' in html
    assert not MeasureRecord.objects.exists()


def test_fsiii_bad_level_is_shown_on_its_row(client_for, therapist, pathway):
    body = {**FSIII, "item_J1_1": "7"}
    response = client_for(therapist).post(url("record", pathway, "fsiii"), with_date(body))
    assert response.status_code == 422
    assert form_errors(response) == {"item_J1_1": [tr(fsiii.MESSAGE_LEVEL)]}
    html = response.content.decode()
    assert 'name="item_J1_3" value="3"' in html  # the typed level is re-shown, checked
    assert 'value="3" id="id_item_J1_3_4" aria-label="J1.3: ' in html


def test_future_date_is_refused_on_the_date_field(client_for, therapist, pathway):
    body = with_date({"count": "9"}, TODAY + timedelta(days=1))
    response = client_for(therapist).post(url("record", pathway, "chairstand30"), body)
    assert response.status_code == 422
    assert form_errors(response) == {"measured_on": [tr(services.MESSAGE_FUTURE)]}


def test_copm_end_form_is_prefilled_with_the_start_activities(client_for, therapist, pathway):
    c = client_for(therapist)
    c.post(url("record", pathway, "copm"), with_date(COPM_START))
    form = c.get(url("record_form", pathway, "copm", "end")).context["form"]
    assert form.initial["activity_1"] == "Gå tur med hunden"
    assert form.initial["importance_2"] == 7
    assert "performance_1" not in form.initial
    # the start form itself starts empty
    assert "activity_1" not in c.get(url("record_form", pathway, "copm")).context["form"].initial


def test_unknown_instrument_or_time_point_is_404(client_for, therapist, pathway):
    c = client_for(therapist)
    assert c.get(url("record_form", pathway, "fim")).status_code == 404
    assert c.get(url("record_form", pathway, "copm", "later")).status_code == 404
    assert c.post(url("record", pathway, "fim"), {"count": 1}).status_code == 404
    assert not MeasureRecord.objects.exists()


def test_cancelled_pathway_refuses_with_a_message(client_for, therapist, pathway):
    pathway.status = PathwayStatus.CANCELLED
    pathway.ended_at = timezone.now()  # closed today: still within the access grace period
    pathway.save()
    response = client_for(therapist).post(
        url("record", pathway, "chairstand30"), with_date({"count": "9"})
    )
    assert response.status_code == 422
    assert form_errors(response)["__all__"] == [tr(services.MESSAGE_CANCELLED)]


def test_provider_staff_delivering_the_pathway_may_record(client_for, org_a, pathway):
    from forlob.core.choices import Role
    from forlob.core.models import Provider
    from tests.factories import UserFactory

    provider = Provider.objects.create(
        municipality=org_a.municipality, name="Privat Pleje", kind=Provider.Kind.PRIVATE
    )
    pathway.provider = provider
    pathway.save()
    worker = UserFactory(
        municipality=org_a.municipality, provider=provider, roles=[Role.HOMECARE_WORKER]
    )
    response = client_for(worker).post(url("record", pathway, "barthel20"), with_date(BARTHEL))
    assert response.status_code == 302
    assert MeasureRecord.objects.get().recorded_by == worker


# --- skipping -----------------------------------------------------------------------------------


def test_skip_other_needs_a_note_and_reshows_the_choice(client_for, therapist, pathway):
    c = client_for(therapist)
    assert c.get(url("skip_form", pathway, "copm", "end")).status_code == 200
    response = c.post(url("skip", pathway, "copm", "end"), with_date({"reason": "other"}))
    assert response.status_code == 422
    assert form_errors(response) == {"note": [tr(services.MESSAGE_SKIP_NOTE)]}
    assert 'value="other" required id="id_reason_3" checked' in response.content.decode()
    assert not MeasureRecord.objects.exists()

    response = c.post(
        url("skip", pathway, "copm", "end"),
        with_date({"reason": "other", "note": "Tolk ikke til stede"}),
    )
    assert response.status_code == 302
    r = MeasureRecord.objects.get()
    assert (r.skipped, r.skip_reason, r.skip_note, r.time_point) == (
        True,
        "other",
        "Tolk ikke til stede",
        "end",
    )
    html = c.get(detail(pathway)).content.decode()
    assert "Tolk ikke til stede" in html
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.REFERRED  # skipping never moves the pathway


# --- licensed wording ---------------------------------------------------------------------------


def test_loaded_instrument_texts_replace_the_short_labels(client_for, therapist, pathway):
    c = client_for(therapist)
    short = c.get(url("record_form", pathway, "eq5d5l")).content.decode()
    assert "Officiel tekst om gang" not in short
    InstrumentText.objects.create(
        instrument="eq5d5l", item_key="mobility", language="da", text="Officiel tekst om gang"
    )
    InstrumentText.objects.create(
        instrument="eq5d5l", item_key="mobility.3", language="da", text="Officielt niveau tre"
    )
    InstrumentText.objects.create(
        instrument="eq5d5l", item_key="vas", language="en", text="English only"
    )
    html = c.get(url("record_form", pathway, "eq5d5l")).content.decode()
    assert "Officiel tekst om gang" in html and "Officielt niveau tre" in html
    assert "English only" not in html


def test_reading_a_form_is_audited_once(client_for, therapist, pathway):
    before = AccessLog.objects.count()
    client_for(therapist).get(url("record_form", pathway, "copm"))
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.kind, log.operation, log.citizen_id) == ("read", "measure_form", pathway.citizen_id)
