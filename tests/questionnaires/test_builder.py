"""The questionnaire builder: drafts, questions, publishing, versions; and who may use it.

The builder holds no citizen data, so it is exempt from the generic citizen-URL matrix
(tests/access/url_matrix.py); the negative tests run here: anonymous → login, roles without
ADMINISTER → 403, another municipality's questionnaire → 404 like a missing one, wrong method →
405, and a published version refuses every change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from forlob.questionnaires import services
from forlob.questionnaires.models import Option, Question, Questionnaire, QuestionnaireVersion
from tests.helpers import counts, flash, form_errors, tr

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def own(admin_a, satisfaction) -> Questionnaire:
    """Municipality A's own copy of the satisfaction survey: a draft with seven questions."""
    return services.questionnaire_copy(actor=admin_a, questionnaire=satisfaction)


def option_rows(*rows: tuple[str, str, bool], extra: int = 3) -> dict[str, object]:
    data: dict[str, object] = {
        "options-TOTAL_FORMS": str(len(rows) + extra),
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "20",
    }
    for i, (label, value, positive) in enumerate(rows):
        data[f"options-{i}-label"] = label
        data[f"options-{i}-value"] = value
        if positive:
            data[f"options-{i}-is_positive"] = "on"
    return data


def question_post(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {"kind": "single", "text": "", "required": "on"}
    data.update({k: v for k, v in fields.items() if k != "options"})
    data.update(fields.get("options") or option_rows())
    return data


# --- creating and editing -------------------------------------------------------------------------


def test_an_administrator_creates_a_questionnaire_as_a_draft(client_for, admin_a):
    c = client_for(admin_a)
    assert c.get(reverse("questionnaires:list")).status_code == 200
    response = c.post(
        reverse("questionnaires:list"),
        {"name": "Tilfredshed med holdtræning", "code": "hold", "purpose": "satisfaction"},
    )
    created = Questionnaire.objects.get(code="hold")
    assert response.status_code == 302
    assert response["Location"] == reverse("questionnaires:detail", args=[created.pk])
    assert created.municipality == admin_a.municipality
    [draft] = created.versions.all()
    assert (draft.number, draft.status) == (1, "draft")


@pytest.mark.parametrize(
    ("code", "field_message"),
    [
        ("Med mellemrum", services.MESSAGE_CODE_INVALID),
        ("borgertilfredshed", services.MESSAGE_CODE_TAKEN),  # a shared code
    ],
)
def test_a_bad_code_is_refused_and_the_form_keeps_what_was_typed(
    client_for, admin_a, satisfaction, code, field_message
):
    before = counts(Questionnaire, QuestionnaireVersion)
    response = client_for(admin_a).post(
        reverse("questionnaires:list"),
        {"name": "Mit skema", "code": code, "purpose": "other"},
    )
    assert response.status_code == 422
    assert form_errors(response)["code"] == [tr(field_message)]
    assert 'value="Mit skema"' in response.content.decode()
    assert counts(Questionnaire, QuestionnaireVersion) == before


def test_questions_of_every_kind_are_added_to_the_draft(client_for, admin_a):
    c = client_for(admin_a)
    questionnaire = services.questionnaire_create(
        actor=admin_a, code="ny", name="Nyt skema", purpose="satisfaction"
    )
    draft = questionnaire.versions.get()
    url = reverse("questionnaires:question_new", args=[draft.pk])
    assert c.get(url).status_code == 200
    posts = [
        question_post(
            text="Var tiderne gode?",
            options=option_rows(("Ja", "2", True), ("Nej", "1", False)),
        ),
        question_post(
            kind="multiple",
            text="Hvad brugte du?",
            options=option_rows(("Pjece", "", False), ("Video", "", False)),
        ),
        question_post(
            kind="scale",
            text="Hvor godt?",
            scale_min="1",
            scale_max="5",
            scale_min_label="Dårligt",
            scale_max_label="Godt",
            positive_from="4",
        ),
        question_post(kind="text", text="Kommentarer", required=""),
    ]
    for data in posts:
        response = c.post(url, data)
        assert response.status_code == 302, form_errors(response)
    questions = list(draft.questions.order_by("order"))
    assert [(q.order, q.kind) for q in questions] == [
        (1, "single"),
        (2, "multiple"),
        (3, "scale"),
        (4, "text"),
    ]
    assert [(o.label, o.value, o.is_positive) for o in questions[0].options.all()] == [
        ("Ja", 2, True),
        ("Nej", 1, False),
    ]
    assert [o.value for o in questions[1].options.all()] == [1, 2]  # position when left empty
    assert (questions[2].scale_min, questions[2].scale_max, questions[2].positive_from) == (
        1,
        5,
        4,
    )
    assert questions[3].required is False
    page = c.get(reverse("questionnaires:detail", args=[questionnaire.pk])).content.decode()
    assert page.count('data-testid="builder-question"') == 4


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            question_post(text="Kun ét svar?", options=option_rows(("Ja", "1", True))),
            "__all__",
            services.MESSAGE_OPTIONS_NEEDED,
        ),
        (
            question_post(kind="scale", text="Skala", scale_min="5", scale_max="5"),
            "scale_min",
            services.MESSAGE_SCALE_RANGE,
        ),
        (
            question_post(
                kind="scale", text="Skala", scale_min="0", scale_max="10", positive_from="11"
            ),
            "positive_from",
            services.MESSAGE_POSITIVE_FROM,
        ),
    ],
)
def test_an_invalid_question_is_refused_with_a_clear_message(
    client_for, admin_a, own, data, field, message
):
    draft = own.versions.get()
    before = counts(Question, Option)
    response = client_for(admin_a).post(
        reverse("questionnaires:question_new", args=[draft.pk]), data
    )
    assert response.status_code == 422
    assert tr(message) in form_errors(response).get(field, []) + form_errors(response).get(
        "__all__", []
    )
    assert counts(Question, Option) == before
    assert data["text"] in response.content.decode()  # what was typed is still there


def test_a_question_is_edited_moved_and_removed(client_for, admin_a, own):
    c = client_for(admin_a)
    draft = own.versions.get()
    first, second = draft.questions.order_by("order")[:2]
    edit = reverse("questionnaires:question_edit", args=[first.pk])
    page = c.get(edit).content.decode()
    assert "Meget tilfreds" in page  # the options are in the form
    response = c.post(
        edit,
        question_post(
            text="Hvor tilfreds var du?",
            options=option_rows(("Tilfreds", "2", True), ("Utilfreds", "1", False)),
        ),
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.text == "Hvor tilfreds var du?"
    assert list(first.options.values_list("label", flat=True)) == ["Tilfreds", "Utilfreds"]

    c.post(reverse("questionnaires:question_move", args=[second.pk, "up"]))
    assert list(draft.questions.order_by("order").values_list("pk", flat=True)[:2]) == [
        second.pk,
        first.pk,
    ]
    c.post(reverse("questionnaires:question_move", args=[second.pk, "up"]))  # already first
    assert draft.questions.order_by("order").first().pk == second.pk

    c.post(reverse("questionnaires:question_delete", args=[second.pk]))
    assert list(draft.questions.order_by("order").values_list("order", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert not Question.objects.filter(pk=second.pk).exists()


# --- publishing and versions ----------------------------------------------------------------------


def test_publishing_freezes_the_version(client_for, admin_a, own):
    c = client_for(admin_a)
    draft = own.versions.get()
    response = c.post(reverse("questionnaires:version_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_by == admin_a

    question = draft.questions.first()
    edit = reverse("questionnaires:question_edit", args=[question.pk])
    response = c.get(edit)
    assert response.status_code == 302
    assert tr(services.MESSAGE_NOT_DRAFT) in flash(response)
    response = c.post(edit, question_post(kind="text", text="Ændret"))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text != "Ændret"
    response = c.post(reverse("questionnaires:question_delete", args=[question.pk]))
    assert tr(services.MESSAGE_NOT_DRAFT) in flash(response)
    assert Question.objects.filter(pk=question.pk).exists()
    response = c.get(reverse("questionnaires:question_new", args=[draft.pk]))
    assert response.status_code == 302


def test_publishing_needs_questions_and_a_scored_satisfaction_question(client_for, admin_a):
    c = client_for(admin_a)
    q = services.questionnaire_create(actor=admin_a, code="tom", name="Tom", purpose="satisfaction")
    draft = q.versions.get()
    response = c.post(reverse("questionnaires:version_publish", args=[draft.pk]))
    assert tr(services.MESSAGE_EMPTY_VERSION) in flash(response)
    services.question_add(
        actor=admin_a, version=draft, data=services.QuestionData(kind="text", text="Noget?")
    )
    response = c.post(reverse("questionnaires:version_publish", args=[draft.pk]))
    assert tr(services.MESSAGE_SATISFACTION_UNSCORED) in flash(response)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_new_draft_copies_the_published_version_and_leaves_it_alone(client_for, admin_a, own):
    c = client_for(admin_a)
    v1 = own.versions.get()
    services.version_publish(actor=admin_a, version=v1)
    response = c.post(reverse("questionnaires:version_new_draft", args=[v1.pk]))
    assert response.status_code == 302
    v2 = own.versions.get(number=2)
    assert v2.status == "draft"
    assert list(v2.questions.values_list("text", flat=True)) == list(
        v1.questions.values_list("text", flat=True)
    )
    assert not set(v2.questions.values_list("pk", flat=True)) & set(
        v1.questions.values_list("pk", flat=True)
    )
    # Only one draft at a time.
    response = c.post(reverse("questionnaires:version_new_draft", args=[v1.pk]))
    assert tr(services.MESSAGE_DRAFT_EXISTS) in flash(response)
    assert own.versions.count() == 2

    c.post(
        reverse("questionnaires:question_edit", args=[v2.questions.first().pk]),
        question_post(kind="text", text="Helt nyt spørgsmål"),
    )
    old_preview = c.get(reverse("questionnaires:version_preview", args=[v1.pk])).content.decode()
    new_preview = c.get(reverse("questionnaires:version_preview", args=[v2.pk])).content.decode()
    assert "Hvor tilfreds er du samlet set" in old_preview
    assert "Helt nyt spørgsmål" not in old_preview
    assert "Helt nyt spørgsmål" in new_preview


def test_a_shared_questionnaire_is_copied_before_it_is_changed(client_for, admin_a, satisfaction):
    c = client_for(admin_a)
    page = c.get(reverse("questionnaires:detail", args=[satisfaction.pk])).content.decode()
    assert reverse("questionnaires:copy", args=[satisfaction.pk]) in page
    assert reverse("questionnaires:question_new", args=[satisfaction.versions.get().pk]) not in page
    response = c.post(reverse("questionnaires:copy", args=[satisfaction.pk]))
    copy = Questionnaire.objects.get(municipality=admin_a.municipality)
    assert response["Location"] == reverse("questionnaires:detail", args=[copy.pk])
    assert copy.name == "Borgertilfredshed (Randers Kommune)"
    assert copy.code == "borgertilfredshed-egen"
    assert copy.versions.get().questions.count() == 7
    # The shared one's draft-only actions answer 404: it is nobody's to change here.
    shared_version = satisfaction.versions.get()
    assert (
        c.post(reverse("questionnaires:version_new_draft", args=[shared_version.pk])).status_code
        == 404
    )


def test_a_questionnaire_is_taken_out_of_use_and_back(client_for, admin_a, own):
    c = client_for(admin_a)
    c.post(reverse("questionnaires:active", args=[own.pk]), {"active": "0"})
    own.refresh_from_db()
    assert own.is_active is False
    c.post(reverse("questionnaires:active", args=[own.pk]), {"active": "1"})
    own.refresh_from_db()
    assert own.is_active is True


def test_the_intro_of_a_draft_is_saved(client_for, admin_a, own):
    draft = own.versions.get()
    client_for(admin_a).post(
        reverse("questionnaires:version_intro", args=[draft.pk]), {"intro": "  Hej og tak.  "}
    )
    draft.refresh_from_db()
    assert draft.intro == "Hej og tak."


# --- who may use the builder ----------------------------------------------------------------------


@dataclass(frozen=True)
class BuilderUrl:
    name: str
    method: str
    target: str  # "questionnaire", "version", "question" or "" (no id)
    extra: tuple[str, ...] = ()


BUILDER_URLS = [
    BuilderUrl("questionnaires:list", "get", ""),
    BuilderUrl("questionnaires:list", "post", ""),
    BuilderUrl("questionnaires:detail", "get", "questionnaire"),
    BuilderUrl("questionnaires:copy", "post", "questionnaire"),
    BuilderUrl("questionnaires:active", "post", "questionnaire"),
    BuilderUrl("questionnaires:version_intro", "post", "version"),
    BuilderUrl("questionnaires:question_new", "get", "version"),
    BuilderUrl("questionnaires:question_new", "post", "version"),
    BuilderUrl("questionnaires:version_publish", "post", "version"),
    BuilderUrl("questionnaires:version_new_draft", "post", "version"),
    BuilderUrl("questionnaires:version_preview", "get", "version"),
    BuilderUrl("questionnaires:question_edit", "get", "question"),
    BuilderUrl("questionnaires:question_edit", "post", "question"),
    BuilderUrl("questionnaires:question_delete", "post", "question"),
    BuilderUrl("questionnaires:question_move", "post", "question", ("up",)),
]
WITH_ID = [u for u in BUILDER_URLS if u.target]


def url_of(u: BuilderUrl, own: Questionnaire, pk: object = None) -> str:
    version = own.versions.get()
    objects = {"questionnaire": own, "version": version, "question": version.questions.first()}
    if not u.target:
        return reverse(u.name)
    value = objects[u.target].pk if pk is None else pk
    return reverse(u.name, args=[value, *u.extra])


def builder_state(own: Questionnaire) -> tuple:
    version = own.versions.get()
    return (
        counts(Questionnaire, QuestionnaireVersion, Question, Option),
        version.status,
        version.intro,
        list(version.questions.order_by("order").values_list("pk", "text")),
        Questionnaire.objects.get(pk=own.pk).is_active,
    )


def ids(urls: list[BuilderUrl]) -> list[str]:
    return [f"{u.method.upper()} {u.name}" for u in urls]


@pytest.mark.parametrize("u", BUILDER_URLS, ids=ids(BUILDER_URLS))
def test_anonymous_is_sent_to_login(client_for, own, u):
    response = getattr(client_for(None), u.method)(url_of(u, own))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("u", BUILDER_URLS, ids=ids(BUILDER_URLS))
@pytest.mark.parametrize("who", ["manager", "assessor"])
def test_roles_without_administer_are_refused(client_for, own, u, who, request):
    before = builder_state(own)
    response = getattr(client_for(request.getfixturevalue(who)), u.method)(url_of(u, own))
    assert response.status_code == 403
    assert builder_state(own) == before


BUILD_ONLY = [u for u in BUILDER_URLS if u.name != "questionnaires:version_preview"]


@pytest.mark.parametrize("u", BUILD_ONLY, ids=ids(BUILD_ONLY))
def test_a_therapist_may_not_build(client_for, therapist, own, u):
    before = builder_state(own)
    assert getattr(client_for(therapist), u.method)(url_of(u, own)).status_code == 403
    assert builder_state(own) == before


def test_a_therapist_may_preview_what_they_send(client_for, therapist, satisfaction):
    version = satisfaction.versions.get()
    response = client_for(therapist).get(
        reverse("questionnaires:version_preview", args=[version.pk])
    )
    assert response.status_code == 200
    assert "disabled" in response.content.decode()


@pytest.mark.parametrize("u", WITH_ID, ids=ids(WITH_ID))
def test_another_municipalitys_questionnaire_is_not_there(client_for, admin_b, own, u):
    c = client_for(admin_b)
    before = builder_state(own)
    theirs = getattr(c, u.method)(url_of(u, own))
    missing = getattr(c, u.method)(url_of(u, own, 10**9))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert builder_state(own) == before


def test_another_municipalitys_questionnaires_are_not_listed(client_for, admin_b, own):
    page = client_for(admin_b).get(reverse("questionnaires:list")).content.decode()
    assert reverse("questionnaires:detail", args=[own.pk]) not in page
    assert "Borgertilfredshed" in page  # the shared one is everyone's


@pytest.mark.parametrize("u", WITH_ID, ids=ids(WITH_ID))
def test_wrong_method_and_malformed_ids(client_for, admin_a, own, u):
    c = client_for(admin_a)
    before = builder_state(own)
    for method in {"get", "post", "put", "delete", "patch"} - {u.method}:
        if method in ("get", "post") and (
            BuilderUrl(u.name, method, u.target, u.extra) in BUILDER_URLS
        ):
            continue
        assert getattr(c, method)(url_of(u, own)).status_code == 405, method
    placeholder = url_of(u, own, 987654321)
    for bad in ("abc", "-1", "1.5", "9" * 30):
        assert getattr(c, u.method)(placeholder.replace("987654321", bad)).status_code == 404
    assert builder_state(own) == before


def test_moving_in_an_unknown_direction_is_404(client_for, admin_a, own):
    question = own.versions.get().questions.first()
    response = client_for(admin_a).post(
        reverse("questionnaires:question_move", args=[question.pk, "sideways"])
    )
    assert response.status_code == 404
