"""Questionnaire (a published version) and QuestionnaireResponse (a citizen's answers).

A Questionnaire is one published ``QuestionnaireVersion`` (id = the version's id), canonical
``url`` ``https://forlob.dk/fhir/Questionnaire/<code>`` for the shared ones and
``…/Questionnaire/<municipality code>/<code>`` for a municipality's own, ``version`` its number.
Status ``active`` for the newest published version of an active questionnaire, else
``retired`` (kept because old answers refer to it). Questions are items with ``linkId``
``q<question id>`` (as on the citizen's form): single and multiple choice are ``choice`` with
``answerOption`` Codings (code = the option's id, system ``<url>/option``, the option's value
in the ``ordinalValue`` extension), a scale ``integer`` with ``minValue``/``maxValue``, free text
``text``. No citizen data: any account that may see citizens or key figures reads the shared
questionnaires and its own municipality's.

A QuestionnaireResponse points at its version as ``<url>|<version>``; ``completed`` once the
citizen submitted it, else ``in-progress``; items carry the answers (``valueCoding`` of the
options chosen, ``valueInteger``, ``valueString``). It is citizen data: ``view_record``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, Q, Subquery

from forlob.access.policy import Action
from forlob.fhir import codes
from forlob.fhir.build import coding, instant, patient_ref, ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.fhir.resources.observation import EXT_PATHWAY
from forlob.questionnaires.models import (
    Answer,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    Response,
    VersionStatus,
)

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_CODES = "http://hl7.org/fhir/questionnaire-item-control"
ITEM_TYPE = {
    QuestionKind.SINGLE: "choice",
    QuestionKind.MULTIPLE: "choice",
    QuestionKind.SCALE: "integer",
    QuestionKind.TEXT: "text",
}


def canonical(version: QuestionnaireVersion) -> str:
    questionnaire = version.questionnaire
    if questionnaire.municipality_id is None:
        return f"{codes.LOCAL_QUESTIONNAIRE}/{questionnaire.code}"
    return f"{codes.LOCAL_QUESTIONNAIRE}/{questionnaire.municipality.code}/{questionnaire.code}"


def link_id(question: Question) -> str:
    return f"q{question.pk}"


def option_coding(version: QuestionnaireVersion, option: Any) -> dict[str, Any]:
    return coding(f"{canonical(version)}/option", str(option.pk), option.label)


def _computable_name(code: str) -> str:
    name = "".join(part.capitalize() for part in code.replace("-", "_").split("_") if part)
    return name if name[:1].isalpha() else f"Q{name}"


def _help(question: Question) -> str:
    parts = [question.help_text] if question.help_text else []
    if question.kind == QuestionKind.SCALE and (
        question.scale_min_label or question.scale_max_label
    ):
        parts.append(
            f"{question.scale_min} = {question.scale_min_label}, "
            f"{question.scale_max} = {question.scale_max_label}"
        )
    return " ".join(parts)


def _item(version: QuestionnaireVersion, question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": link_id(question),
        "text": question.text,
        "type": ITEM_TYPE[question.kind],
        "required": question.required,
    }
    if question.kind == QuestionKind.MULTIPLE:
        item["repeats"] = True
    if question.is_choice:
        item["answerOption"] = [
            {
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                "valueCoding": option_coding(version, option),
            }
            for option in question.options.all()
        ]
    if question.kind == QuestionKind.SCALE and question.scale_values:
        item["extension"] = [
            {"url": MIN_VALUE, "valueInteger": question.scale_min},
            {"url": MAX_VALUE, "valueInteger": question.scale_max},
        ]
    help_text = _help(question)
    if help_text:
        item["item"] = [
            {
                "linkId": f"{link_id(question)}-help",
                "type": "display",
                "text": help_text,
                "extension": [
                    {
                        "url": ITEM_CONTROL,
                        "valueCodeableConcept": {
                            "coding": [coding(ITEM_CONTROL_CODES, "help", "Help-Button")]
                        },
                    }
                ],
            }
        ]
    return item


def questionnaire_to_fhir(version: QuestionnaireVersion, ctx: Context) -> dict[str, Any]:
    questionnaire = version.questionnaire
    newest = version.number == version.latest_number
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": str(version.pk),
        "url": canonical(version),
        "version": str(version.number),
        "name": _computable_name(questionnaire.code),
        "title": questionnaire.name,
        "status": "active" if questionnaire.is_active and newest else "retired",
        "subjectType": ["Patient"],
        "publisher": questionnaire.municipality.name if questionnaire.municipality_id else "Forløb",
        "code": [
            coding(
                f"{codes.LOCAL}/CodeSystem/questionnaire-purpose",
                questionnaire.purpose,
                questionnaire.get_purpose_display(),
            )
        ],
        "item": [_item(version, q) for q in version.questions.all()],
    }
    if version.published_at:
        resource["date"] = instant(version.published_at)
    if version.intro:
        resource["description"] = version.intro
    if not resource["item"]:
        del resource["item"]
    return resource


def _visible_questionnaires(actor: Any, qs: Any) -> Any:
    """The shared questionnaires and the actor's own municipality's."""
    return qs.filter(
        Q(questionnaire__municipality__isnull=True)
        | Q(questionnaire__municipality_id=actor.municipality_id)
    )


def _versions() -> Any:
    newest = (
        QuestionnaireVersion.objects.filter(
            questionnaire=OuterRef("questionnaire"), status=VersionStatus.PUBLISHED
        )
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("questionnaire__municipality")
        .annotate(latest_number=Subquery(newest))
        .prefetch_related(
            Prefetch("questions", queryset=Question.objects.prefetch_related("options"))
        )
    )


register(
    ResourceType(
        name="Questionnaire",
        queryset=_versions,
        to_fhir=questionnaire_to_fhir,
        documentation=(
            "A published questionnaire version (url https://forlob.dk/fhir/Questionnaire/"
            "[<municipality>/]<code>, version = its number). No citizen data."
        ),
        action=(Action.VIEW_CITIZEN, Action.VIEW_AGGREGATES),
        citizen=None,
        patient=None,
        sender=lambda actor: Q(),
        narrow=_visible_questionnaires,
        date="published_at",
        ordering=("questionnaire__name", "-number", "pk"),
    )
)


# --- responses ------------------------------------------------------------------------------------


def _answer(version: QuestionnaireVersion, answer: Answer) -> list[dict[str, Any]]:
    kind = answer.question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [{"valueCoding": option_coding(version, o)} for o in answer.options.all()]
    if kind == QuestionKind.SCALE:
        return [] if answer.value is None else [{"valueInteger": answer.value}]
    return [{"valueString": answer.text}] if answer.text else []


def response_to_fhir(response: Response, ctx: Context) -> dict[str, Any]:
    version = response.version
    items = []
    for answer in sorted(response.answers.all(), key=lambda a: (a.question.order, a.question_id)):
        values = _answer(version, answer)
        if values:
            items.append(
                {"linkId": link_id(answer.question), "text": answer.question.text, "answer": values}
            )
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": f"{canonical(version)}|{version.number}",
        "status": "completed" if response.submitted_at else "in-progress",
        "subject": patient_ref(response.citizen_id),
        "authored": instant(response.submitted_at or response.updated_at),
        "author": patient_ref(response.citizen_id),
        "source": patient_ref(response.citizen_id),
    }
    if response.invitation.pathway_id:
        resource["extension"] = [
            {
                "url": EXT_PATHWAY,
                "valueReference": ref("EpisodeOfCare", response.invitation.pathway_id),
            }
        ]
    if items:
        resource["item"] = items
    return resource


register(
    ResourceType(
        name="QuestionnaireResponse",
        queryset=lambda: Response.objects.select_related(
            "invitation", "version__questionnaire__municipality"
        ).prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("question").prefetch_related("options"),
            )
        ),
        to_fhir=response_to_fhir,
        documentation=(
            "A citizen's answers to a questionnaire version (questionnaire = <url>|<version>); "
            "completed once submitted."
        ),
        date="started_at",
        ordering=("started_at", "pk"),
    )
)
