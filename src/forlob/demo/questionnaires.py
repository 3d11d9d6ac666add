"""Demo questionnaires: a year of satisfaction surveys and health-literacy screenings.

* Every pathway completed in the year gets the satisfaction survey ("Borgertilfredshed"): on the
  tablet at the last session (40 %) or as a link handed over with the closing letter (60 %;
  demo citizens have no phone or e-mail, so nothing is "sent"). About 93 % of tablet surveys and
  62 % of links are answered (≈ 75 % overall), some links are opened and left; about nine in ten
  answers are satisfied, so the positive share lands around 90–95 %.
* About 30 % of pathways that started get the health-literacy conversation on the tablet in the
  first week; nearly all are answered, and the level (by the app's own scoring) is stored on the
  citizen with the date.

Rows are bulk-written like the rest of the demo. Answers are drawn per citizen profile and the
stored verdicts (positive, level) are computed by ``questionnaires.scoring`` from those answers,
so the figures on the tracking page follow from the data, not from the random draws.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from forlob.citizens.models import Citizen
from forlob.questionnaires.models import (
    Answer,
    Channel,
    Delivery,
    Invitation,
    InvitationStatus,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    VersionStatus,
)
from forlob.questionnaires.scoring import Item, health_literacy, response_positive
from forlob.questionnaires.shipped import HEALTH_LITERACY_CODE, SATISFACTION_CODE

TABLET_SHARE = 0.4
ANSWER_RATE = {Channel.TABLET: 0.93, Channel.LINK: 0.62}
OPENED_UNANSWERED = 0.35  # of links not answered: opened, then left
SATISFIED = 0.91  # citizens whose answers lean positive
SCREENED_SHARE = 0.30
SCREENING_ANSWERED = 0.96
COMMENTS = [
    "Tak for god behandling.",
    "Dejligt at træne sammen med andre.",
    "Det var svært at finde parkering.",
    "Jeg ville gerne have haft flere gange.",
    "Meget søde og dygtige medarbejdere.",
    "Tiderne passede ikke altid med min arbejdstid.",
]


class _Writer:
    def __init__(self, b: Any) -> None:
        self.b = b
        self.rng = b.rng
        self.invitations: list[Invitation] = []
        # per invitation (same index): None, or (started, submitted, [(question, value, options,
        # text)], positive, result, scores)
        self.outcomes: list[tuple | None] = []

    def token_hash(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def invite(
        self,
        *,
        pathway: Any,
        version: Any,
        channel: str,
        sent_at: datetime,
        answer: bool,
        answers: list[tuple[Question, int | None, list[int], str]] | None,
        positive: bool | None = None,
        result: str = "",
        scores: dict | None = None,
    ) -> None:
        cutoff = self.b.cutoff
        if channel == Channel.TABLET:
            expires = sent_at + timedelta(hours=settings.FORLOB_QUESTIONNAIRE_TABLET_HOURS)
            answered_at = sent_at + timedelta(minutes=self.rng.randint(4, 15))
        else:
            expires = sent_at + timedelta(days=settings.FORLOB_QUESTIONNAIRE_LINK_DAYS)
            answered_at = sent_at + timedelta(hours=self.rng.uniform(0.5, 24 * 9))
        if answered_at >= cutoff:
            answer = False  # would lie in the future: still open
        opened_at = None
        if answer:
            opened_at = answered_at - timedelta(minutes=self.rng.randint(3, 12))
        elif channel == Channel.LINK and self.rng.random() < OPENED_UNANSWERED:
            opened_at = min(sent_at + timedelta(hours=self.rng.uniform(1, 72)), expires)
            if opened_at >= cutoff:
                opened_at = None
        opened_at = max(opened_at, sent_at) if opened_at else None
        status = (
            InvitationStatus.ANSWERED
            if answer
            else InvitationStatus.OPENED
            if opened_at
            else InvitationStatus.SENT
        )
        self.invitations.append(
            Invitation(
                municipality=self.b.municipality,
                citizen_id=pathway.citizen_id,
                pathway=pathway,
                version=version,
                team_id=pathway.team_id,
                channel=channel,
                delivery=Delivery.HANDED,
                token_hash=self.token_hash(),
                status=status,
                created_at=sent_at,
                created_by_id=pathway.responsible_id,
                sent_at=sent_at,
                expires_at=expires,
                opened_at=opened_at,
                answered_at=answered_at if answer else None,
            )
        )
        self.outcomes.append(
            (opened_at, answered_at, answers, positive, result, scores or {}) if answer else None
        )

    def write(self) -> tuple[int, int]:
        Invitation.objects.bulk_create(self.invitations, batch_size=2000)
        responses, answer_rows, chosen = [], [], []
        for invitation, outcome in zip(self.invitations, self.outcomes, strict=True):
            if outcome is None:
                continue
            started, submitted, answers, positive, result, scores = outcome
            response = Response(
                invitation=invitation,
                citizen_id=invitation.citizen_id,
                version_id=invitation.version_id,
                started_at=started,
                updated_at=submitted,
                submitted_at=submitted,
                positive=positive,
                result=result,
                scores=scores,
            )
            responses.append(response)
            for question, value, options, text in answers:
                answer_rows.append(
                    Answer(
                        response=response,
                        question=question,
                        value=value,
                        text=text,
                        saved_at=submitted,
                    )
                )
                chosen.append(options)
        Response.objects.bulk_create(responses, batch_size=2000)
        for row in answer_rows:
            row.response_id = row.response.pk
        Answer.objects.bulk_create(answer_rows, batch_size=2000)
        Through = Answer.options.through
        Through.objects.bulk_create(
            (
                Through(answer_id=row.pk, option_id=option_id)
                for row, options in zip(answer_rows, chosen, strict=True)
                for option_id in options
            ),
            batch_size=5000,
        )
        return len(self.invitations), len(responses)


def _questions(version: Any) -> list[Question]:
    return list(version.questions.prefetch_related("options").order_by("order"))


def _satisfaction_answers(
    rng: Any, questions: list[Question]
) -> tuple[list[tuple[Question, int | None, list[int], str]], bool | None]:
    satisfied = rng.random() < SATISFIED
    answers, items = [], []
    for q in questions:
        options = list(q.options.all())
        if q.kind == QuestionKind.SINGLE:
            good = [o for o in options if o.is_positive]
            bad = [o for o in options if not o.is_positive]
            lean = 0.95 if satisfied else 0.3
            pick = rng.choice(good if good and rng.random() < lean else bad or options)
            answers.append((q, pick.value, [pick.pk], ""))
            items.append(Item(positive=pick.is_positive if good else None))
        elif q.kind == QuestionKind.SCALE:
            lo, hi = q.scale_min or 0, q.scale_max or 10
            value = rng.randint(max(lo, hi - 3), hi) if satisfied else rng.randint(lo, hi - 2)
            answers.append((q, value, [], ""))
            items.append(
                Item(positive=None if q.positive_from is None else value >= q.positive_from)
            )
        elif q.kind == QuestionKind.MULTIPLE:
            if rng.random() < 0.7:
                picks = rng.sample(options, rng.randint(1, min(3, len(options))))
                answers.append((q, None, [o.pk for o in picks], ""))
        elif q.kind == QuestionKind.TEXT and rng.random() < 0.12:
            answers.append((q, None, [], rng.choice(COMMENTS)))
    return answers, response_positive(items)


def _literacy_answers(
    rng: Any, questions: list[Question]
) -> tuple[list[tuple[Question, int | None, list[int], str]], Any]:
    # A latent ease per citizen (1 = very hard .. 4 = very easy), items scattered around it.
    latent = rng.choices([1.7, 2.6, 3.4], weights=[0.2, 0.35, 0.45])[0]
    answers, items, domains = [], [], []
    for q in questions:
        options = list(q.options.all())
        if q.kind == QuestionKind.SINGLE and q.domain:
            value = min(4, max(1, round(rng.gauss(latent, 0.6))))
            pick = next((o for o in options if o.value == value), options[0])
            values = [o.value for o in options]
            answers.append((q, pick.value, [pick.pk], ""))
            items.append(Item(domain=q.domain, value=pick.value, low=min(values), high=max(values)))
            if q.domain not in domains:
                domains.append(q.domain)
        elif q.kind == QuestionKind.TEXT and rng.random() < 0.1:
            answers.append((q, None, [], "Det hjælper, når jeg får det skrevet ned."))
    return answers, health_literacy(items, domains=domains)


def _published(code: str) -> Any:
    questionnaire = Questionnaire.objects.get(municipality__isnull=True, code=code)
    return questionnaire.versions.get(status=VersionStatus.PUBLISHED, number=1)


def extend(b: Any) -> dict[str, int]:
    rng = b.rng
    w = _Writer(b)
    satisfaction = _published(SATISFACTION_CODE)
    literacy = _published(HEALTH_LITERACY_CODE)
    sat_questions, lit_questions = _questions(satisfaction), _questions(literacy)
    levels: dict[int, tuple[datetime, str]] = {}

    for pathway in sorted(b.pathways, key=lambda p: p.pk):
        if pathway.status == "completed" and pathway.ended_at and pathway.ended_at < b.cutoff:
            channel = Channel.TABLET if rng.random() < TABLET_SHARE else Channel.LINK
            sent_at = (
                pathway.ended_at - timedelta(minutes=rng.randint(5, 30))
                if channel == Channel.TABLET
                else pathway.ended_at + timedelta(hours=rng.uniform(2, 30))
            )
            if sent_at < b.cutoff:
                answers, positive = _satisfaction_answers(rng, sat_questions)
                w.invite(
                    pathway=pathway,
                    version=satisfaction,
                    channel=channel,
                    sent_at=sent_at,
                    answer=rng.random() < ANSWER_RATE[channel],
                    answers=answers,
                    positive=positive,
                )
        if pathway.started_at and pathway.started_at < b.cutoff and rng.random() < SCREENED_SHARE:
            sent_at = pathway.started_at + timedelta(
                days=rng.randint(0, 7), minutes=rng.randint(5, 40)
            )
            if sent_at >= b.cutoff:
                continue
            answers, result = _literacy_answers(rng, lit_questions)
            answered = rng.random() < SCREENING_ANSWERED
            w.invite(
                pathway=pathway,
                version=literacy,
                channel=Channel.TABLET,
                sent_at=sent_at,
                answer=answered,
                answers=answers,
                result=result.level if result else "",
                scores=result.as_json() if result else {},
            )
            if answered and result is not None and w.outcomes[-1] is not None:
                submitted = w.outcomes[-1][1]
                if pathway.citizen_id not in levels or levels[pathway.citizen_id][0] < submitted:
                    levels[pathway.citizen_id] = (submitted, result.level)

    invitations, responses = w.write()
    citizens = list(Citizen.objects.filter(pk__in=levels))
    for citizen in citizens:
        submitted, level = levels[citizen.pk]
        citizen.health_literacy = level
        citizen.health_literacy_assessed_on = timezone.localdate(submitted)
    Citizen.objects.bulk_update(
        citizens, ["health_literacy", "health_literacy_assessed_on"], batch_size=2000
    )
    return {
        "questionnaire_invitations": invitations,
        "questionnaire_responses": responses,
        "health_literacy_screened": len(citizens),
    }
