"""Writes of the questionnaires app, one function per use case.

* the builder: create a questionnaire, edit the questions of its draft, publish (freeze), start a
  new draft from a published version, copy a shared questionnaire to one's own municipality;
* invitations: a link (SMS, e-mail, or shown to staff) or a tablet session, with a one-time token
  stored hashed; the periodic job that invites citizens whose pathway just completed;
* the citizen's side: open, save answers as they go, submit (single use), with the scoring.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens.models import Citizen
from forlob.core.models import Team, User
from forlob.questionnaires.models import (
    Answer,
    Channel,
    Delivery,
    Invitation,
    InvitationStatus,
    Option,
    Purpose,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    VersionStatus,
)
from forlob.questionnaires.scoring import Item, health_literacy, response_positive

log = logging.getLogger(__name__)

# --- messages -------------------------------------------------------------------------------------

MESSAGE_NOT_DRAFT = gettext_noop(
    "This version is published and cannot be changed. Make a new draft to change it."
)
MESSAGE_SHARED = gettext_noop(
    "Shared questionnaires cannot be changed here. Make your own copy to change it."
)
MESSAGE_CODE_TAKEN = gettext_noop("A questionnaire with this code already exists.")
MESSAGE_CODE_INVALID = gettext_noop(
    "Use lower-case letters, digits and hyphens only, for example “tilfredshed-hold”."
)
MESSAGE_NAME_REQUIRED = gettext_noop("Give the questionnaire a name.")
MESSAGE_TEXT_REQUIRED = gettext_noop("Write the question.")
MESSAGE_OPTIONS_NEEDED = gettext_noop("A choice question needs at least two answer options.")
MESSAGE_OPTIONS_NOT_ALLOWED = gettext_noop("Only choice questions have answer options.")
MESSAGE_SCALE_RANGE = gettext_noop(
    "A scale goes from a lower to a higher whole number, between −10 and 10 (for example 0 to 10)."
)
MESSAGE_POSITIVE_FROM = gettext_noop("“Positive from” must lie within the scale.")
MESSAGE_DRAFT_EXISTS = gettext_noop("This questionnaire already has a draft. Edit that one.")
MESSAGE_EMPTY_VERSION = gettext_noop("Add at least one question before publishing.")
MESSAGE_SATISFACTION_UNSCORED = gettext_noop(
    "A satisfaction questionnaire needs at least one question with a positive answer defined "
    "(an option marked positive, or a scale with “positive from”)."
)
MESSAGE_HEALTH_LITERACY_UNRATED = gettext_noop(
    "A health-literacy questionnaire needs rated questions (single choice or scale) with a domain."
)
MESSAGE_NOT_PUBLISHED = gettext_noop("This questionnaire has no published version yet.")
MESSAGE_INACTIVE = gettext_noop("This questionnaire is not in use.")
MESSAGE_NOT_AVAILABLE = gettext_noop("Choose a questionnaire from the list.")
MESSAGE_PATHWAY_MISMATCH = gettext_noop("The pathway does not belong to this citizen.")
MESSAGE_NO_PHONE = gettext_noop("The citizen has no mobile number. Choose e-mail or show the link.")
MESSAGE_NO_EMAIL = gettext_noop("The citizen has no e-mail address. Choose SMS or show the link.")
MESSAGE_SMS_OPT_OUT = gettext_noop("The citizen has declined SMS. Choose another way.")
MESSAGE_EMAIL_OPT_OUT = gettext_noop("The citizen has declined e-mail. Choose another way.")
MESSAGE_CLOSED = gettext_noop("This questionnaire has already been answered or has expired.")
MESSAGE_CHOOSE_ONE = gettext_noop("Choose one of the answers.")
MESSAGE_SCALE_VALUE = gettext_noop("Choose a number from %(min)d to %(max)d.")
MESSAGE_TEXT_TOO_LONG = gettext_noop("Please keep the answer under %(max)d characters.")
MESSAGE_REQUIRED = gettext_noop("Please answer this question.")

MESSAGE_SMS_BODY = gettext_noop(
    "Hello %(first_name)s. %(sender)s would like to hear from you: %(name)s. "
    "Answer here: %(url)s (the link works until %(until)s)."
)
MESSAGE_EMAIL_SUBJECT = gettext_noop("A questionnaire from %(sender)s")

TEXT_MAX = 2000
SCALE_LIMIT = 10
TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters, short enough for an SMS
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


def hash_token(token: str) -> str:
    """The stored form of a token (SHA-256, hex). A random 192-bit token needs no salt."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _actor_or_anonymous(actor: User | None) -> User | AnonymousUser:
    return actor if actor is not None else AnonymousUser()


# --- the builder ----------------------------------------------------------------------------------


def _require_own(actor: User, questionnaire: Questionnaire) -> None:
    if questionnaire.municipality_id is None or questionnaire.municipality_id != (
        actor.municipality_id
    ):
        raise ValidationError(_(MESSAGE_SHARED), code="shared")


def _require_draft(actor: User, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """The version, locked and read afresh (not a stale copy), if it is the actor's draft."""
    locked = (
        QuestionnaireVersion.objects.select_for_update()
        .select_related("questionnaire")
        .get(pk=version.pk)
    )
    _require_own(actor, locked.questionnaire)
    if locked.status != VersionStatus.DRAFT:
        raise ValidationError(_(MESSAGE_NOT_DRAFT), code="not_draft")
    return locked


@transaction.atomic
def questionnaire_create(
    *, actor: User, code: str, name: str, purpose: str, intro: str = ""
) -> Questionnaire:
    """A new questionnaire of the actor's municipality, with an empty draft (version 1)."""
    code = (code or "").strip().lower()
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not CODE_RE.match(code):
        errors["code"] = _(MESSAGE_CODE_INVALID)
    elif Questionnaire.objects.filter(
        Q(municipality_id=actor.municipality_id) | Q(municipality__isnull=True), code=code
    ).exists():
        errors["code"] = _(MESSAGE_CODE_TAKEN)
    if not name:
        errors["name"] = _(MESSAGE_NAME_REQUIRED)
    if purpose not in Purpose.values:
        errors["purpose"] = _(MESSAGE_NOT_AVAILABLE)
    if errors:
        raise ValidationError(errors)
    questionnaire = Questionnaire.objects.create(
        municipality_id=actor.municipality_id, code=code, name=name[:150], purpose=purpose
    )
    QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=1, intro=intro.strip(), created_by=actor
    )
    return questionnaire


def _copy_questions(source: QuestionnaireVersion, target: QuestionnaireVersion) -> None:
    for question in source.questions.prefetch_related("options"):
        options = list(question.options.all())
        question.pk = None
        question.version = target
        question.save()
        Option.objects.bulk_create(
            Option(
                question=question,
                order=o.order,
                label=o.label,
                value=o.value,
                is_positive=o.is_positive,
            )
            for o in options
        )


def latest_published(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return questionnaire.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


@transaction.atomic
def questionnaire_copy(*, actor: User, questionnaire: Questionnaire) -> Questionnaire:
    """The actor's municipality's own copy of a (shared) questionnaire, as a draft to change."""
    source = latest_published(questionnaire) or questionnaire.versions.order_by("-number").first()
    taken = set(
        Questionnaire.objects.filter(
            Q(municipality_id=actor.municipality_id) | Q(municipality__isnull=True)
        ).values_list("code", flat=True)
    )
    base = f"{questionnaire.code[:40]}-egen"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    name = questionnaire.name
    if questionnaire.is_shared and actor.municipality is not None:
        # Beside the shared one in every list: tell them apart.
        name = f"{name} ({actor.municipality.name})"
    copy = Questionnaire.objects.create(
        municipality_id=actor.municipality_id,
        code=code,
        name=name[:150],
        purpose=questionnaire.purpose,
    )
    draft = QuestionnaireVersion.objects.create(
        questionnaire=copy, number=1, intro=source.intro if source else "", created_by=actor
    )
    if source is not None:
        _copy_questions(source, draft)
    return copy


@transaction.atomic
def questionnaire_set_active(
    *, actor: User, questionnaire: Questionnaire, active: bool
) -> Questionnaire:
    """Take a questionnaire out of use (no new invitations) or back in; answers stay."""
    _require_own(actor, questionnaire)
    questionnaire.is_active = active
    questionnaire.save(update_fields=["is_active"])
    return questionnaire


@transaction.atomic
def version_set_intro(
    *, actor: User, version: QuestionnaireVersion, intro: str
) -> QuestionnaireVersion:
    version = _require_draft(actor, version)
    version.intro = (intro or "").strip()
    version.save(update_fields=["intro"])
    return version


@dataclass(frozen=True)
class OptionData:
    label: str
    value: int
    is_positive: bool = False


@dataclass(frozen=True)
class QuestionData:
    kind: str
    text: str
    help_text: str = ""
    required: bool = True
    domain: str = ""
    scale_min: int | None = None
    scale_max: int | None = None
    scale_min_label: str = ""
    scale_max_label: str = ""
    positive_from: int | None = None
    options: Sequence[OptionData] = field(default_factory=tuple)


def _validate_question(data: QuestionData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.text.strip():
        errors["text"] = _(MESSAGE_TEXT_REQUIRED)
    if data.kind not in QuestionKind.values:
        errors["kind"] = _(MESSAGE_NOT_AVAILABLE)
        return errors
    options = [o for o in data.options if o.label.strip()]
    if data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            errors["options"] = _(MESSAGE_OPTIONS_NEEDED)
    elif options:
        errors["options"] = _(MESSAGE_OPTIONS_NOT_ALLOWED)
    if data.kind == QuestionKind.SCALE:
        lo, hi = data.scale_min, data.scale_max
        if lo is None or hi is None or not -SCALE_LIMIT <= lo < hi <= SCALE_LIMIT:
            errors["scale_min"] = _(MESSAGE_SCALE_RANGE)
        elif data.positive_from is not None and not lo <= data.positive_from <= hi:
            errors["positive_from"] = _(MESSAGE_POSITIVE_FROM)
    return errors


def _question_fields(data: QuestionData) -> dict[str, object]:
    scale = data.kind == QuestionKind.SCALE
    return {
        "kind": data.kind,
        "text": data.text.strip()[:500],
        "help_text": data.help_text.strip()[:500],
        "required": data.required,
        "domain": data.domain.strip()[:100],
        "scale_min": data.scale_min if scale else None,
        "scale_max": data.scale_max if scale else None,
        "scale_min_label": data.scale_min_label.strip()[:100] if scale else "",
        "scale_max_label": data.scale_max_label.strip()[:100] if scale else "",
        "positive_from": data.positive_from if scale else None,
    }


def _write_options(question: Question, data: QuestionData) -> None:
    question.options.all().delete()  # a draft: nobody has answered it
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        Option.objects.bulk_create(
            Option(
                question=question,
                order=i,
                label=o.label.strip()[:200],
                value=o.value,
                is_positive=o.is_positive,
            )
            for i, o in enumerate(o for o in data.options if o.label.strip())
        )


def _renumber(version: QuestionnaireVersion) -> None:
    for i, question in enumerate(version.questions.order_by("order", "id"), start=1):
        if question.order != i:
            Question.objects.filter(pk=question.pk).update(order=i)


@transaction.atomic
def question_add(*, actor: User, version: QuestionnaireVersion, data: QuestionData) -> Question:
    """Add a question at the end of a draft."""
    version = _require_draft(actor, version)
    errors = _validate_question(data)
    if errors:
        raise ValidationError(errors)
    last = version.questions.aggregate(m=Max("order"))["m"] or 0
    question = Question.objects.create(version=version, order=last + 1, **_question_fields(data))
    _write_options(question, data)
    return question


@transaction.atomic
def question_update(*, actor: User, question: Question, data: QuestionData) -> Question:
    _require_draft(actor, question.version)
    errors = _validate_question(data)
    if errors:
        raise ValidationError(errors)
    for name, value in _question_fields(data).items():
        setattr(question, name, value)
    question.save()
    _write_options(question, data)
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    version = _require_draft(actor, question.version)
    question.delete()
    _renumber(version)


@transaction.atomic
def question_move(*, actor: User, question: Question, up: bool) -> None:
    """Swap a draft question with its neighbour above (``up``) or below."""
    version = _require_draft(actor, question.version)
    _renumber(version)
    ordered = list(version.questions.order_by("order", "id"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    a, b = ordered[index], ordered[other]
    Question.objects.filter(pk=a.pk).update(order=b.order)
    Question.objects.filter(pk=b.pk).update(order=a.order)


def _is_scored(question: Question) -> bool:
    if question.kind == QuestionKind.SCALE:
        return question.positive_from is not None
    if question.kind == QuestionKind.SINGLE:
        return any(o.is_positive for o in question.options.all())
    return False


def _is_rated(question: Question) -> bool:
    return bool(question.domain) and question.kind in (QuestionKind.SINGLE, QuestionKind.SCALE)


@transaction.atomic
def version_publish(
    *, actor: User, version: QuestionnaireVersion, now: datetime | None = None
) -> QuestionnaireVersion:
    """Freeze a draft: from now on it can be sent, and it never changes again."""
    version = _require_draft(actor, version)
    questions = list(version.questions.prefetch_related("options"))
    if not questions:
        raise ValidationError(_(MESSAGE_EMPTY_VERSION), code="empty")
    purpose = version.questionnaire.purpose
    if purpose == Purpose.SATISFACTION and not any(_is_scored(q) for q in questions):
        raise ValidationError(_(MESSAGE_SATISFACTION_UNSCORED), code="unscored")
    if purpose == Purpose.HEALTH_LITERACY and not any(_is_rated(q) for q in questions):
        raise ValidationError(_(MESSAGE_HEALTH_LITERACY_UNRATED), code="unrated")
    version.status = VersionStatus.PUBLISHED
    version.published_at = now or timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by"])
    return version


@transaction.atomic
def version_new_draft(*, actor: User, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new draft (next number) with the questions of ``version``, to change and publish."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=version.questionnaire_id)
    _require_own(actor, questionnaire)
    if questionnaire.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError(_(MESSAGE_DRAFT_EXISTS), code="draft_exists")
    number = (questionnaire.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=number, intro=version.intro, created_by=actor
    )
    _copy_questions(version, draft)
    return draft


# --- invitations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # shown or sent once; only its hash is stored

    @property
    def path(self) -> str:
        return reverse("public_questionnaire:answer", args=[self.token])


def questionnaire_available(questionnaire: Questionnaire, municipality_id: int) -> bool:
    return questionnaire.municipality_id in (None, municipality_id)


def _link_message(invitation: Invitation, url: str) -> tuple[str, str]:
    citizen = invitation.citizen
    with translation.override("da"):
        until = timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y")
        values = {
            "first_name": citizen.first_name,
            "sender": invitation.municipality.name,
            "name": invitation.version.questionnaire.name,
            "url": url,
            "until": until,
        }
        return _(MESSAGE_SMS_BODY) % values, _(MESSAGE_EMAIL_SUBJECT) % values


def _deliver(invitation: Invitation, token: str, base_url: str) -> None:
    """Queue the SMS or e-mail with the link (the notifications app sends it)."""
    from forlob.notifications.services import message_queue

    url = base_url.rstrip("/") + reverse("public_questionnaire:answer", args=[token])
    body, subject = _link_message(invitation, url)
    message_queue(
        citizen=invitation.citizen,
        channel=invitation.delivery,
        body=body,
        subject=subject if invitation.delivery == Delivery.EMAIL else "",
        purpose="questionnaire",
        related_key=f"questionnaire_invitation:{invitation.pk}",
    )


def _check_delivery(citizen: Citizen, delivery: str) -> None:
    if delivery == Delivery.SMS:
        if not citizen.phone:
            raise ValidationError({"delivery": _(MESSAGE_NO_PHONE)})
        if citizen.sms_opt_out:
            raise ValidationError({"delivery": _(MESSAGE_SMS_OPT_OUT)})
    elif delivery == Delivery.EMAIL:
        if not citizen.email:
            raise ValidationError({"delivery": _(MESSAGE_NO_EMAIL)})
        if citizen.email_opt_out:
            raise ValidationError({"delivery": _(MESSAGE_EMAIL_OPT_OUT)})
    elif delivery != Delivery.HANDED:
        raise ValidationError({"delivery": _(MESSAGE_NOT_AVAILABLE)})


@transaction.atomic
def invitation_create(
    *,
    actor: User | None,
    citizen: Citizen,
    questionnaire: Questionnaire,
    channel: str,
    delivery: str = Delivery.HANDED,
    pathway: object | None = None,
    team: Team | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> NewInvitation:
    """Invite ``citizen`` to answer the latest published version of ``questionnaire``.

    ``channel`` tablet: answered now in the clinic (expires after
    ``FORLOB_QUESTIONNAIRE_TABLET_HOURS``). ``channel`` link: the link is sent by SMS or e-mail
    through the notifications app, or shown once to staff (``delivery`` "handed"); it expires
    after ``FORLOB_QUESTIONNAIRE_LINK_DAYS``. ``actor`` None: the system (the periodic job).
    """
    now = now or timezone.now()
    if not questionnaire_available(questionnaire, citizen.municipality_id):
        raise ValidationError({"questionnaire": _(MESSAGE_NOT_AVAILABLE)})
    if not questionnaire.is_active:
        raise ValidationError({"questionnaire": _(MESSAGE_INACTIVE)})
    version = latest_published(questionnaire)
    if version is None:
        raise ValidationError({"questionnaire": _(MESSAGE_NOT_PUBLISHED)})
    if pathway is not None and pathway.citizen_id != citizen.pk:  # type: ignore[attr-defined]
        raise ValidationError(_(MESSAGE_PATHWAY_MISMATCH), code="pathway")
    if channel == Channel.TABLET:
        delivery = Delivery.HANDED
        expires_at = now + timedelta(hours=settings.FORLOB_QUESTIONNAIRE_TABLET_HOURS)
    elif channel == Channel.LINK:
        expires_at = now + timedelta(days=settings.FORLOB_QUESTIONNAIRE_LINK_DAYS)
    else:
        raise ValidationError({"channel": _(MESSAGE_NOT_AVAILABLE)})
    _check_delivery(citizen, delivery)
    if team is None:
        team = getattr(pathway, "team", None) or (actor.team if actor is not None else None)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        municipality_id=citizen.municipality_id,
        citizen=citizen,
        pathway=pathway,
        version=version,
        team=team,
        channel=channel,
        delivery=delivery,
        token_hash=hash_token(token),
        created_at=now,
        created_by=actor,
        sent_at=now,
        expires_at=expires_at,
    )
    if delivery in (Delivery.SMS, Delivery.EMAIL):
        _deliver(invitation, token, base_url or settings.FORLOB_PUBLIC_URL)
    audit_record(
        actor=_actor_or_anonymous(actor),
        kind=AccessLog.Kind.WRITE,
        operation=f"questionnaire_invite:{channel}",
        citizen=citizen,
        obj=invitation,
        reason="" if actor is not None else "satisfaction survey after a completed pathway",
    )
    return NewInvitation(invitation=invitation, token=token)


def satisfaction_questionnaire_for(municipality_id: int) -> Questionnaire | None:
    """The satisfaction survey a municipality sends: its own active one with a published version
    (the newest), else the shared one."""
    candidates = Questionnaire.objects.filter(
        Q(municipality_id=municipality_id) | Q(municipality__isnull=True),
        purpose=Purpose.SATISFACTION,
        is_active=True,
        versions__status=VersionStatus.PUBLISHED,
    ).distinct()
    own = candidates.filter(municipality_id=municipality_id).order_by("-created_at", "-pk")
    return own.first() or candidates.filter(municipality__isnull=True).order_by("pk").first()


def invite_satisfaction_for_completed_pathways(
    *, now: datetime | None = None, days: int | None = None
) -> int:
    """Invite the satisfaction survey for pathways completed in the last ``days`` days.

    Idempotent: a pathway that already has a satisfaction invitation is skipped, so running it
    twice (or after a restart) sends nothing twice. The link goes by SMS, else e-mail; a citizen
    without either (or who declined both) is skipped. Returns the number of invitations made.
    """
    from forlob.pathways.models import Pathway, PathwayStatus

    now = now or timezone.now()
    days = settings.FORLOB_SATISFACTION_INVITE_DAYS if days is None else days
    invited = Invitation.objects.filter(version__questionnaire__purpose=Purpose.SATISFACTION)
    pathways = (
        Pathway.objects.filter(
            status=PathwayStatus.COMPLETED, ended_at__gte=now - timedelta(days=days)
        )
        .exclude(pk__in=invited.filter(pathway__isnull=False).values("pathway"))
        .select_related("citizen", "team")
        .order_by("ended_at", "pk")
    )
    made = 0
    surveys: dict[int, Questionnaire | None] = {}
    for pathway in pathways:
        citizen = pathway.citizen
        if pathway.municipality_id not in surveys:
            surveys[pathway.municipality_id] = satisfaction_questionnaire_for(
                pathway.municipality_id
            )
        survey = surveys[pathway.municipality_id]
        if survey is None:
            continue
        if citizen.phone and not citizen.sms_opt_out:
            delivery = Delivery.SMS
        elif citizen.email and not citizen.email_opt_out:
            delivery = Delivery.EMAIL
        else:
            continue
        with transaction.atomic():
            # Re-checked under the pathway's row lock: two workers never both invite.
            Pathway.objects.select_for_update().filter(pk=pathway.pk).first()
            if invited.filter(pathway=pathway).exists():
                continue
            invitation_create(
                actor=None,
                citizen=citizen,
                questionnaire=survey,
                channel=Channel.LINK,
                delivery=delivery,
                pathway=pathway,
                team=pathway.team,
                now=now,
            )
        made += 1
    if made:
        log.info("invited %d citizens to the satisfaction survey", made)
    return made


# --- the citizen's side ---------------------------------------------------------------------------


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a token opens (answered and expired ones included), or None."""
    if not TOKEN_RE.match(token or ""):
        return None
    return (
        Invitation.objects.select_related(
            "citizen", "municipality", "version", "version__questionnaire"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def is_open(invitation: Invitation, now: datetime | None = None) -> bool:
    return invitation.answered_at is None and invitation.expires_at > (now or timezone.now())


def invitation_open(*, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Record that the citizen opened the link (the first time only)."""
    now = now or timezone.now()
    if invitation.opened_at is None:
        updated = Invitation.objects.filter(
            pk=invitation.pk, opened_at__isnull=True, answered_at__isnull=True
        ).update(opened_at=now, status=InvitationStatus.OPENED)
        if updated:
            invitation.opened_at = now
            invitation.status = InvitationStatus.OPENED
    return invitation


def _closed() -> ValidationError:
    return ValidationError(_(MESSAGE_CLOSED), code="closed")


def _parse(question: Question, raw: list[str]) -> tuple[list[Option], int | None, str]:
    """Turn the submitted strings for one question into options / value / text; validate."""
    raw = [r for r in raw if r is not None]
    key = f"q{question.pk}"
    if question.kind == QuestionKind.TEXT:
        text = "\n".join(r.strip() for r in raw if r.strip()).strip()
        if len(text) > TEXT_MAX:
            raise ValidationError({key: _(MESSAGE_TEXT_TOO_LONG) % {"max": TEXT_MAX}})
        return [], None, text
    values = [r.strip() for r in raw if r.strip()]
    if question.kind == QuestionKind.SCALE:
        if not values:
            return [], None, ""
        lo, hi = question.scale_min or 0, question.scale_max or 0
        try:
            value = int(values[-1])
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi or len(values) > 1:
            raise ValidationError({key: _(MESSAGE_SCALE_VALUE) % {"min": lo, "max": hi}})
        return [], value, ""
    by_id = {str(o.pk): o for o in question.options.all()}
    chosen = []
    for v in dict.fromkeys(values):
        if v not in by_id:
            raise ValidationError({key: _(MESSAGE_CHOOSE_ONE)})
        chosen.append(by_id[v])
    if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
        raise ValidationError({key: _(MESSAGE_CHOOSE_ONE)})
    value = chosen[0].value if question.kind == QuestionKind.SINGLE and chosen else None
    return chosen, value, ""


def _lock_open(invitation: Invitation, now: datetime) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not is_open(locked, now):
        raise _closed()
    return locked


def _response_for(invitation: Invitation, now: datetime) -> Response:
    response, _created = Response.objects.get_or_create(
        invitation=invitation,
        defaults={
            "citizen_id": invitation.citizen_id,
            "version_id": invitation.version_id,
            "started_at": now,
            "updated_at": now,
        },
    )
    return response


@dataclass
class SaveResult:
    response: Response
    errors: dict[str, str] = field(default_factory=dict)  # "q<id>" -> message


@transaction.atomic
def answers_save(
    *,
    invitation: Invitation,
    raw: dict[int, list[str]],
    questions: Iterable[Question] | None = None,
    now: datetime | None = None,
) -> SaveResult:
    """Save the citizen's answers to ``questions`` (default: all) as they stand in ``raw``.

    ``raw`` maps question ids to the submitted strings (option ids, a scale number, text). A
    question in ``questions`` without a value in ``raw`` is cleared (the citizen unticked it).
    An invalid value (a tampered option id, a number off the scale) leaves that question's saved
    answer as it was and is returned in ``errors``; the valid answers are saved all the same, so
    nothing the citizen gave is lost. Raises ``ValidationError`` once submitted or expired.
    """
    now = now or timezone.now()
    locked = _lock_open(invitation, now)
    response = _response_for(locked, now)
    if questions is None:
        questions = locked.version.questions.prefetch_related("options")
    existing = {a.question_id: a for a in response.answers.all()}
    errors: dict[str, str] = {}
    for question in questions:
        if question.version_id != locked.version_id:
            continue
        try:
            options, value, text = _parse(question, raw.get(question.pk, []))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            continue
        answer = existing.get(question.pk)
        if not options and value is None and not text:
            if answer is not None:
                answer.delete()
            continue
        if answer is None:
            answer = Answer.objects.create(
                response=response, question=question, value=value, text=text, saved_at=now
            )
        else:
            answer.value, answer.text, answer.saved_at = value, text, now
            answer.save(update_fields=["value", "text", "saved_at"])
        answer.options.set(options)
    Response.objects.filter(pk=response.pk).update(updated_at=now)
    if locked.opened_at is None:
        Invitation.objects.filter(pk=locked.pk).update(
            opened_at=now, status=InvitationStatus.OPENED
        )
    return SaveResult(response=response, errors=errors)


def items_for(response: Response) -> list[Item]:
    """The response's answers as scoring items (every question of the version, answered or not)."""
    answers = {
        a.question_id: a for a in response.answers.prefetch_related("options").select_related()
    }
    items = []
    for question in response.version.questions.prefetch_related("options"):
        answer = answers.get(question.pk)
        options = list(question.options.all())
        if question.kind == QuestionKind.SCALE:
            low, high = question.scale_min, question.scale_max
            value = answer.value if answer else None
            positive = (
                None
                if value is None or question.positive_from is None
                else value >= question.positive_from
            )
        elif question.kind == QuestionKind.SINGLE:
            values = [o.value for o in options]
            low, high = (min(values), max(values)) if values else (None, None)
            chosen = list(answer.options.all()) if answer else []
            value = chosen[0].value if chosen else None
            scored = any(o.is_positive for o in options)
            positive = chosen[0].is_positive if chosen and scored else None
        else:
            continue
        items.append(
            Item(domain=question.domain, value=value, low=low, high=high, positive=positive)
        )
    return items


def response_domains(version: QuestionnaireVersion) -> list[str]:
    """The domains of a version's rated questions, in question order."""
    seen: list[str] = []
    for question in version.questions.all():
        if _is_rated(question) and question.domain not in seen:
            seen.append(question.domain)
    return seen


@transaction.atomic
def response_submit(*, invitation: Invitation, now: datetime | None = None) -> Response:
    """Submit the saved answers: check required questions, score, close the invitation.

    Satisfaction: stores whether the response is positive. Health literacy: stores the level
    and domain scores and writes the level with today's date on the citizen. After this the
    link answers "already answered" (single use).
    """
    now = now or timezone.now()
    locked = _lock_open(invitation, now)
    response = _response_for(locked, now)
    answered = set(response.answers.values_list("question_id", flat=True))
    missing = {
        f"q{q.pk}": _(MESSAGE_REQUIRED)
        for q in locked.version.questions.all()
        if q.required and q.pk not in answered
    }
    if missing:
        raise ValidationError(missing)
    purpose = locked.version.questionnaire.purpose
    items = items_for(response)
    response.submitted_at = now
    response.updated_at = now
    fields = ["submitted_at", "updated_at"]
    if purpose == Purpose.SATISFACTION:
        response.positive = response_positive(items)
        fields.append("positive")
    elif purpose == Purpose.HEALTH_LITERACY:
        result = health_literacy(items, domains=response_domains(locked.version))
        if result is not None:
            response.result = result.level
            response.scores = result.as_json()
            fields += ["result", "scores"]
            Citizen.objects.filter(pk=locked.citizen_id).update(
                health_literacy=result.level,
                health_literacy_assessed_on=timezone.localdate(now),
            )
    response.save(update_fields=fields)
    locked.answered_at = now
    locked.status = InvitationStatus.ANSWERED
    if locked.opened_at is None:
        locked.opened_at = now
    locked.save(update_fields=["answered_at", "status", "opened_at"])
    # The citizen wrote to their own record (answers, perhaps the health-literacy level).
    audit_record(
        actor=AnonymousUser(),
        kind=AccessLog.Kind.WRITE,
        operation=f"questionnaire_answered:{locked.channel}",
        citizen_id=locked.citizen_id,
        obj=response,
        reason="answered by the citizen",
    )
    return response
