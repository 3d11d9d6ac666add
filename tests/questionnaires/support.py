"""Helpers for the questionnaire tests: seeding the shipped questionnaires, and POST bodies that
answer them the way a citizen would."""

from __future__ import annotations

import importlib

from forlob.questionnaires.models import Invitation, Question, Questionnaire


def seed_shipped() -> dict[str, Questionnaire]:
    from django.apps import apps

    importlib.import_module("forlob.questionnaires.migrations.0002_seed_questionnaires").seed(
        apps, None
    )
    return {q.code: q for q in Questionnaire.objects.filter(municipality__isnull=True)}


def option_id(invitation: Invitation, number: int, label: str) -> str:
    """The option id (as the form sends it) of ``label`` in question ``number`` (1-based)."""
    question = list(invitation.version.questions.all())[number - 1]
    return str(question.options.get(label=label).pk)


def question_at(invitation: Invitation, number: int) -> Question:
    return list(invitation.version.questions.all())[number - 1]


def satisfaction_form(invitation: Invitation, *, positive: bool = True) -> dict[str, object]:
    """A complete, valid POST body for the shipped satisfaction survey."""
    q = [question_at(invitation, n) for n in range(1, 8)]
    if positive:
        picks = ["Meget tilfreds", "Ja, i høj grad", "Ja, i høj grad", "Ja, i nogen grad"]
        scale = "9"
    else:
        picks = ["Utilfreds", "Nej, kun i ringe grad", "Ja, i nogen grad", "Nej, slet ikke"]
        scale = "3"
    data: dict[str, object] = {
        f"q{q[i].pk}": str(q[i].options.get(label=picks[i]).pk) for i in range(4)
    }
    data[f"q{q[4].pk}"] = scale
    data[f"q{q[5].pk}"] = [
        str(q[5].options.get(label="Træningen").pk),
        str(q[5].options.get(label="Medarbejderne").pk),
    ]
    data[f"q{q[6].pk}"] = "Tak for hjælpen."
    return data


def literacy_form(invitation: Invitation, ratings: list[str]) -> dict[str, object]:
    """A POST body rating the ten health-literacy items with ``ratings`` (labels), in order."""
    questions = list(invitation.version.questions.all())
    data: dict[str, object] = {}
    for question, label in zip(questions[:10], ratings, strict=True):
        data[f"q{question.pk}"] = str(question.options.get(label=label).pk)
    return data


def raw(data: dict[str, object]) -> dict[int, list[str]]:
    """A POST body as the ``answers_save`` service takes it."""
    return {
        int(k[1:]): (v if isinstance(v, list) else [str(v)])
        for k, v in data.items()
        if k.startswith("q")
    }
