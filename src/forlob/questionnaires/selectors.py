"""Reads of the questionnaires app: what staff may pick and build, and the response KPIs.

KPIs (one function each, docstring = definition) count invitations of the actor's municipality.
The *period* of every KPI is the month the invitation was **sent** (Europe/Copenhagen), so the
sent, opened and answered counts and the rates of a month describe the same citizens. They
return counts only, never a citizen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from forlob.core.models import Team, User
from forlob.questionnaires.models import (
    Invitation,
    Purpose,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    VersionStatus,
)

# Targets from DOMAIN.md ("Rules and targets").
SATISFACTION_RESPONSE_TARGET = 0.75
SATISFACTION_POSITIVE_TARGET = 0.95
QUESTIONNAIRE_RESPONSE_TARGET = 0.90


# --- the builder and the staff forms --------------------------------------------------------------


def questionnaires_visible(*, actor: User) -> QuerySet[Questionnaire]:
    """Shared questionnaires and those of the actor's municipality."""
    return Questionnaire.objects.filter(
        Q(municipality__isnull=True) | Q(municipality_id=actor.municipality_id)
    )


def questionnaires_editable(*, actor: User) -> QuerySet[Questionnaire]:
    """Only the actor's municipality's own questionnaires may be changed."""
    if actor.municipality_id is None:
        return Questionnaire.objects.none()
    return Questionnaire.objects.filter(municipality_id=actor.municipality_id)


def questionnaires_sendable(*, municipality_id: int) -> QuerySet[Questionnaire]:
    """Active questionnaires with a published version that staff of the municipality may send."""
    published = QuestionnaireVersion.objects.filter(
        questionnaire=OuterRef("pk"), status=VersionStatus.PUBLISHED
    )
    return (
        Questionnaire.objects.filter(
            Q(municipality__isnull=True) | Q(municipality_id=municipality_id), is_active=True
        )
        .filter(Exists(published))
        .order_by("name", "pk")
    )


def invitations_of_citizen(*, citizen_id: int, pathway_id: int | None = None) -> list[Invitation]:
    """A citizen's invitations, newest first, with their responses (for the page panels)."""
    rows = Invitation.objects.filter(citizen_id=citizen_id).select_related(
        "version__questionnaire", "team", "created_by", "response"
    )
    if pathway_id is not None:
        rows = rows.filter(pathway_id=pathway_id)
    return list(rows.order_by("-sent_at", "-pk")[:20])


def response_answers(response: Response) -> list[dict[str, object]]:
    """Question and the answer as text, in question order (the health-literacy details)."""
    answers = {a.question_id: a for a in response.answers.prefetch_related("options")}
    rows = []
    for question in response.version.questions.all():
        answer = answers.get(question.pk)
        if answer is None:
            shown = ""
        elif answer.text:
            shown = answer.text
        elif answer.options.exists():
            shown = ", ".join(o.label for o in answer.options.all())
        else:
            shown = "" if answer.value is None else str(answer.value)
        rows.append({"question": question, "answer": shown})
    return rows


# --- KPIs -----------------------------------------------------------------------------------------


def month_bounds(month_start: date) -> tuple[datetime, datetime]:
    """The month beginning ``month_start`` as aware instants [start, end) in Copenhagen."""
    tz = ZoneInfo(settings.TIME_ZONE)
    first = month_start.replace(day=1)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return datetime.combine(first, time(), tzinfo=tz), datetime.combine(nxt, time(), tzinfo=tz)


def previous_months(month_start: date, count: int) -> list[date]:
    """``count`` month starts ending with ``month_start``'s month, oldest first."""
    months = [month_start.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(months))


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    target: float

    @property
    def share(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    @property
    def target_percent(self) -> int:
        return round(self.target * 100)

    @property
    def meets_target(self) -> bool | None:
        share = self.share
        return None if share is None else share >= self.target


def _invitations(
    *,
    actor: User,
    month_start: date | None,
    questionnaire_id: int | None = None,
    team_id: int | None = None,
    purpose: str | None = None,
) -> QuerySet[Invitation]:
    rows = Invitation.objects.filter(municipality_id=actor.municipality_id)
    if actor.municipality_id is None:
        return Invitation.objects.none()
    if month_start is not None:
        start, end = month_bounds(month_start)
        rows = rows.filter(sent_at__gte=start, sent_at__lt=end)
    if questionnaire_id is not None:
        rows = rows.filter(version__questionnaire_id=questionnaire_id)
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    if purpose is not None:
        rows = rows.filter(version__questionnaire__purpose=purpose)
    return rows


def _counts(now: datetime) -> dict[str, Count]:
    answered = Q(answered_at__isnull=False)
    decided = answered | Q(expires_at__lte=now)
    return {
        "sent": Count("pk"),
        "opened": Count("pk", filter=Q(opened_at__isnull=False)),
        "answered": Count("pk", filter=answered),
        "decided": Count("pk", filter=decided),
        "expired": Count("pk", filter=~answered & Q(expires_at__lte=now)),
        "positive": Count("pk", filter=answered & Q(response__positive=True)),
        "scored": Count("pk", filter=answered & Q(response__positive__isnull=False)),
    }


def response_rate(
    *,
    actor: User,
    month_start: date,
    purpose: str | None = None,
    questionnaire_id: int | None = None,
    team_id: int | None = None,
    now: datetime | None = None,
) -> Rate:
    """Response rate of questionnaires (target 90 %; satisfaction survey: 75 %).

    Population: invitations of the actor's municipality (links and tablet sessions) sent in the
    month beginning ``month_start``, optionally of one purpose, questionnaire or team.
    Numerator: those answered (submitted).
    Denominator: those *decided*: answered, or expired unanswered (``expires_at`` passed at
    ``now``). Invitations still open are pending and counted in neither.
    """
    now = now or timezone.now()
    row = _invitations(
        actor=actor,
        month_start=month_start,
        questionnaire_id=questionnaire_id,
        team_id=team_id,
        purpose=purpose,
    ).aggregate(**_counts(now))
    target = (
        SATISFACTION_RESPONSE_TARGET
        if purpose == Purpose.SATISFACTION
        else QUESTIONNAIRE_RESPONSE_TARGET
    )
    return Rate(numerator=row["answered"], denominator=row["decided"], target=target)


def satisfaction_response_rate(
    *, actor: User, month_start: date, team_id: int | None = None, now: datetime | None = None
) -> Rate:
    """Response rate of the citizen satisfaction survey (target 75 %).

    As ``response_rate`` restricted to questionnaires whose purpose is satisfaction:
    numerator answered, denominator answered or expired, invitations sent in the month.
    """
    return response_rate(
        actor=actor,
        month_start=month_start,
        purpose=Purpose.SATISFACTION,
        team_id=team_id,
        now=now,
    )


def satisfaction_positive_share(
    *,
    actor: User,
    month_start: date,
    questionnaire_id: int | None = None,
    team_id: int | None = None,
) -> Rate:
    """Share of positive satisfaction answers (target 95 %).

    Population: answered satisfaction invitations of the actor's municipality sent in the month
    beginning ``month_start`` (optionally one questionnaire or team).
    Numerator: responses that are positive (more than half of their answered scored questions
    positive; the rule is ``questionnaires.scoring.response_positive``).
    Denominator: responses with a verdict (at least one scored question answered).
    """
    row = _invitations(
        actor=actor,
        month_start=month_start,
        questionnaire_id=questionnaire_id,
        team_id=team_id,
        purpose=Purpose.SATISFACTION,
    ).aggregate(**_counts(timezone.now()))
    return Rate(
        numerator=row["positive"], denominator=row["scored"], target=SATISFACTION_POSITIVE_TARGET
    )


@dataclass(frozen=True)
class Funnel:
    """Sent, opened and answered invitations of one group, with the rates."""

    label: str
    sent: int
    opened: int
    answered: int
    expired: int  # expired unanswered
    pending: int  # neither answered nor expired
    response: Rate
    positive: Rate | None  # satisfaction only
    key: object = None


def _funnel(label: str, row: dict[str, int], *, satisfaction: bool, key: object = None) -> Funnel:
    target = SATISFACTION_RESPONSE_TARGET if satisfaction else QUESTIONNAIRE_RESPONSE_TARGET
    return Funnel(
        label=label,
        sent=row["sent"],
        opened=row["opened"],
        answered=row["answered"],
        expired=row["expired"],
        pending=row["sent"] - row["decided"],
        response=Rate(row["answered"], row["decided"], target),
        positive=Rate(row["positive"], row["scored"], SATISFACTION_POSITIVE_TARGET)
        if satisfaction
        else None,
        key=key,
    )


def invitation_funnel(
    *,
    actor: User,
    month_start: date,
    questionnaire_id: int | None = None,
    team_id: int | None = None,
    now: datetime | None = None,
) -> list[Funnel]:
    """Sent / opened / answered per questionnaire and team in one month.

    Population: invitations of the actor's municipality sent in the month beginning
    ``month_start``. Per (questionnaire, team): sent = all of them; opened = those whose link or
    tablet page was opened; answered = submitted; expired = not answered and past ``expires_at``;
    pending = the rest. Response rate = answered / (answered + expired). Satisfaction rows also
    carry the positive share (positive / responses with a verdict).
    """
    now = now or timezone.now()
    rows = (
        _invitations(
            actor=actor,
            month_start=month_start,
            questionnaire_id=questionnaire_id,
            team_id=team_id,
        )
        .values(
            "version__questionnaire_id",
            "version__questionnaire__name",
            "version__questionnaire__purpose",
            "team_id",
            "team__name",
        )
        .annotate(**_counts(now))
        .order_by("version__questionnaire__name", "team__name")
    )
    return [
        _funnel(
            f"{r['version__questionnaire__name']} · {r['team__name'] or '–'}",
            r,
            satisfaction=r["version__questionnaire__purpose"] == Purpose.SATISFACTION,
            key=(r["version__questionnaire_id"], r["team_id"]),
        )
        for r in rows
    ]


def invitation_funnel_by_month(
    *,
    actor: User,
    last_month: date,
    months: int = 12,
    questionnaire_id: int | None = None,
    team_id: int | None = None,
    now: datetime | None = None,
) -> list[Funnel]:
    """Sent / opened / answered per month for ``months`` months ending with ``last_month``.

    Same definitions as ``invitation_funnel``, one row per month the invitations were sent in.
    The positive share is given when the selection is satisfaction invitations only (a
    satisfaction questionnaire chosen) or over all satisfaction invitations otherwise.
    """
    now = now or timezone.now()
    result = []
    for month in previous_months(last_month, months):
        base = _invitations(
            actor=actor, month_start=month, questionnaire_id=questionnaire_id, team_id=team_id
        )
        row = base.aggregate(**_counts(now))
        sat = base.filter(version__questionnaire__purpose=Purpose.SATISFACTION).aggregate(
            **_counts(now)
        )
        funnel = _funnel(str(month), row, satisfaction=False, key=month)
        result.append(
            Funnel(
                **{
                    **funnel.__dict__,
                    "positive": Rate(sat["positive"], sat["scored"], SATISFACTION_POSITIVE_TARGET),
                }
            )
        )
    return result


def teams_of(*, actor: User) -> QuerySet[Team]:
    return Team.objects.filter(unit__municipality_id=actor.municipality_id).order_by("name")


@dataclass(frozen=True)
class Tile:
    label: str
    rate: Rate
    testid: str


def home_tiles(*, actor: User, today: date, now: datetime | None = None) -> list[Tile]:
    """The start page's two response-rate tiles for the current month (vs 75 % and 90 %)."""
    from django.utils.translation import gettext as _

    month = today.replace(day=1)
    return [
        Tile(
            _("satisfaction survey response rate"),
            satisfaction_response_rate(actor=actor, month_start=month, now=now),
            "satisfaction-response-rate",
        ),
        Tile(
            _("questionnaire response rate"),
            response_rate(actor=actor, month_start=month, now=now),
            "questionnaire-response-rate",
        ),
    ]
