"""The citizen's page: ``/q/<token>/``, reached without login (a one-time link or the tablet).

What the page shows and does not show: the questionnaire, the municipality's name and the
citizen's first name. Never the CPR number, the last name, staff names or any menu; the same
page serves the tablet in the clinic, where a member of staff may still be logged in.

* An unknown token answers the site's ordinary 404 page, byte for byte (nothing says whether a
  link existed). After ``FORLOB_QUESTIONNAIRE_GUESS_LIMIT`` unknown tokens from one address in
  15 minutes, that address gets "too many attempts" (429) for every link until the window ends,
  so tokens cannot be guessed at speed (192 random bits make guessing hopeless anyway). The
  counter lives in Django's cache (per process with the default local-memory cache).
* An expired link says so (410); a submitted one says "already answered" (single use).
* Answers are saved as the citizen goes: with JavaScript each question is saved when changed
  (htmx, ``save/``); without it the "Save" button saves the page. Reloading shows what was saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from forlob.questionnaires.models import (
    Answer,
    Channel,
    Invitation,
    Question,
    QuestionKind,
    QuestionnaireVersion,
)
from forlob.questionnaires.services import (
    answers_save,
    invitation_for_token,
    invitation_open,
    is_open,
    response_submit,
)

GUESS_WINDOW_SECONDS = 15 * 60


def _client_key(request: HttpRequest) -> str:
    return "questionnaires:guesses:" + request.META.get("REMOTE_ADDR", "")


def _throttled(request: HttpRequest) -> bool:
    return cache.get(_client_key(request), 0) >= settings.FORLOB_QUESTIONNAIRE_GUESS_LIMIT


def _count_miss(request: HttpRequest) -> None:
    key = _client_key(request)
    cache.add(key, 0, timeout=GUESS_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=GUESS_WINDOW_SECONDS)


def _private(response: HttpResponse) -> HttpResponse:
    """No copies in caches, no search engine. The token never leaves in a Referer header: the
    site's ``Referrer-Policy: same-origin`` sends none to other sites, and the page links nowhere
    (``no-referrer`` would make browsers post ``Origin: null``, which CSRF rightly refuses)."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return _private(render(request, template, context, status=status))


def _with_invitation(
    view: Callable[[HttpRequest, Invitation], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Resolve the token (throttled, unknown → 404) and pass the invitation on."""

    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        if _throttled(request):
            return _page(request, "questionnaires/public/throttled.html", {}, status=429)
        invitation = invitation_for_token(token)
        if invitation is None:
            _count_miss(request)
            raise Http404
        return view(request, invitation)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def question_rows(
    version: QuestionnaireVersion, *, answers: dict[int, Answer], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """What the template needs per question: options with their checked state, the text, the
    error. Shared by the citizen's page and the builder's preview."""
    rows = []
    for number, question in enumerate(version.questions.prefetch_related("options"), start=1):
        answer = answers.get(question.pk)
        chosen = {o.pk for o in answer.options.all()} if answer else set()
        row: dict[str, Any] = {
            "question": question,
            "number": number,
            "name": f"q{question.pk}",
            "error": errors.get(f"q{question.pk}", ""),
            "text": answer.text if answer else "",
        }
        if question.kind == QuestionKind.SCALE:
            row["choices"] = [
                {"value": v, "label": str(v), "checked": answer is not None and answer.value == v}
                for v in question.scale_values
            ]
        else:
            row["choices"] = [
                {"value": o.pk, "label": o.label, "checked": o.pk in chosen}
                for o in question.options.all()
            ]
        rows.append(row)
    return rows


def _saved_answers(invitation: Invitation) -> dict[int, Answer]:
    response = getattr(invitation, "response", None)
    if response is None:
        return {}
    return {a.question_id: a for a in response.answers.prefetch_related("options")}


def _form_page(
    request: HttpRequest,
    invitation: Invitation,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    invitation.refresh_from_db()
    version = invitation.version
    return _page(
        request,
        "questionnaires/public/form.html",
        {
            "invitation": invitation,
            "questionnaire": version.questionnaire,
            "version": version,
            "first_name": invitation.citizen.first_name,
            "sender": invitation.municipality.name,
            "rows": question_rows(version, answers=_saved_answers(invitation), errors=errors or {}),
            "errors": errors or {},
            "saved": "gemt" in request.GET,
            "tablet": invitation.channel == Channel.TABLET,
        },
        status=status,
    )


def _closed_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    context = {
        "sender": invitation.municipality.name,
        "questionnaire": invitation.version.questionnaire,
        "tablet": invitation.channel == Channel.TABLET,
    }
    if invitation.answered_at is not None:
        state = "thanks" if "tak" in request.GET else "answered"
        return _page(request, "questionnaires/public/closed.html", {**context, "state": state})
    return _page(
        request, "questionnaires/public/closed.html", {**context, "state": "expired"}, status=410
    )


def _raw(request: HttpRequest, questions: list[Question]) -> dict[int, list[str]]:
    return {q.pk: request.POST.getlist(f"q{q.pk}") for q in questions}


@login_not_required
@require_http_methods(["GET", "POST"])
@_with_invitation
def answer(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The questionnaire; POST ``action=save`` saves, ``action=submit`` saves and submits."""
    now = timezone.now()
    if not is_open(invitation, now):
        return _closed_page(request, invitation)
    if request.method == "GET":
        invitation_open(invitation=invitation, now=now)
        return _form_page(request, invitation)
    questions = list(invitation.version.questions.prefetch_related("options"))
    try:
        result = answers_save(invitation=invitation, raw=_raw(request, questions), now=now)
    except ValidationError:
        invitation.refresh_from_db()
        return _closed_page(request, invitation)
    if result.errors:
        return _form_page(request, invitation, errors=result.errors, status=422)
    if request.POST.get("action") != "submit":
        return _private(HttpResponseRedirect(request.path + "?gemt=1#actions"))
    try:
        response_submit(invitation=invitation, now=now)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "closed":
            invitation.refresh_from_db()
            return _closed_page(request, invitation)
        errors = {k: v[0] for k, v in exc.message_dict.items()}
        return _form_page(request, invitation, errors=errors, status=422)
    return _private(HttpResponseRedirect(request.path + "?tak=1"))


@login_not_required
@require_POST
@_with_invitation
def save(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Save one question (htmx, on change); answers a small status text for that question."""
    question = invitation.version.questions.filter(pk=_int(request.POST.get("question"))).first()
    if question is None:
        raise Http404
    now = timezone.now()
    try:
        result = answers_save(
            invitation=invitation,
            raw={question.pk: request.POST.getlist(f"q{question.pk}")},
            questions=[question],
            now=now,
        )
    except ValidationError:
        # Submitted or expired meanwhile (another tab): reload to show it.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return _private(response)
    error = result.errors.get(f"q{question.pk}", "")
    return _page(
        request,
        "questionnaires/public/_saved.html",
        {"error": error, "at": timezone.localtime(now)},
    )


def _int(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


__all__ = ["answer", "question_rows", "save"]
