"""The rows behind a key figure, shown as the user may see them.

A KPI's ``population`` gives every pathway (or, for the 7-day rule, every referral) behind the
number. This module decides, row by row, how much of each the user may see:

* a user with a care role sees the name and masked CPR of citizens within their care relations
  (``access.policy.citizens_in_scope``), and each such row is an audited read;
* a user who may see pseudonymised lists (managers, analysts) sees the others as a pseudonym,
  an age band and sex — never a name or a CPR number;
* anyone else sees only how many rows there are.

Another municipality's rows never reach here: every population is limited to the actor's
municipality.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can, citizens_in_scope
from forlob.access.services import audit_reads, audit_record
from forlob.core.models import User
from forlob.monitoring.filters import COPENHAGEN, Filters
from forlob.monitoring.kpis import DENOMINATOR, Kpi
from forlob.monitoring.pseudonyms import age_band, screen_pseudonym
from forlob.pathways.models import Pathway
from forlob.referrals.models import Referral

PAGE_SIZE = 100
EXPORT_MAX_ROWS = 100_000


@dataclass(frozen=True)
class DrillRow:
    kind: str  # "pathway" or "referral"
    pk: int
    citizen_id: int
    named: bool
    name: str
    cpr_masked: str
    url: str
    pseudonym: str
    age_band: str
    sex: str
    type_name: str
    subtype: str
    team: str
    responsible: str
    received: date | None
    discharged: date | None
    deadline: date | None
    first_offered: date | None
    within_deadline: bool | None
    status: str
    started: date | None
    ended: date | None
    dropout_reason: str


@dataclass(frozen=True)
class DrillPage:
    rows: list[DrillRow]
    total: int  # rows behind the figure
    visible: int  # rows the user may see (named or pseudonymised)
    hidden: int  # outside the user's relations, and no right to pseudonymised lists
    page: int
    pages: int
    named_mode: bool  # the user may see names (of related citizens)
    pseudonymised_mode: bool


def _local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(COPENHAGEN).date() if moment else None


def prepared(qs: QuerySet) -> QuerySet:
    """The population with everything a row shows, in a stable order."""
    if qs.model is Referral:
        return qs.select_related(
            "citizen",
            "referral_type",
            "team",
            "pathway",
            "pathway__team",
            "pathway__responsible",
            "pathway__dropout_reason",
        ).order_by("discharge_date", "received_date", "pk")
    return qs.select_related(
        "citizen", "pathway_type", "team", "responsible", "referral", "dropout_reason"
    ).order_by("created_at", "pk")


def _parts(obj: Model) -> tuple[Referral | None, Pathway | None]:
    if isinstance(obj, Referral):
        try:
            return obj, obj.pathway
        except Pathway.DoesNotExist:
            return obj, None
    assert isinstance(obj, Pathway)
    return obj.referral, obj


def make_row(obj: Model, *, named: bool) -> DrillRow:
    referral, pathway = _parts(obj)
    citizen = obj.citizen  # type: ignore[attr-defined]
    anchor = (
        referral.received_date
        if referral is not None
        else (_local_date(pathway.created_at) if pathway else None)
    ) or timezone.localdate()
    if pathway is not None:
        status = pathway.get_status_display()
        url = reverse("pathways:detail", args=[pathway.pk])
    else:
        assert referral is not None
        status = _("Referral: %(status)s") % {"status": referral.get_status_display()}
        url = reverse("referrals:detail", args=[referral.pk])
    type_name = (
        referral.referral_type.name if referral is not None else pathway.pathway_type.name  # type: ignore[union-attr]
    )
    return DrillRow(
        kind="referral" if isinstance(obj, Referral) else "pathway",
        pk=obj.pk,
        citizen_id=citizen.pk,
        named=named,
        name=citizen.full_name if named else "",
        cpr_masked=citizen.cpr_masked if named else "",
        url=url if named else "",
        pseudonym="" if named else screen_pseudonym(citizen.pk),
        age_band=age_band(citizen.birth_date, anchor),
        sex=citizen.get_sex_display(),
        type_name=type_name,
        subtype=referral.subtype_display if referral is not None else "",
        team=str(
            (pathway.team if pathway else None) or (referral.team if referral else None) or ""
        ),
        responsible=str(pathway.responsible or "") if pathway else "",
        received=referral.received_date if referral else None,
        discharged=referral.discharge_date if referral else None,
        deadline=(pathway.offer_deadline if pathway else None)
        or (referral.offer_deadline if referral else None),
        first_offered=_local_date(pathway.first_offered_start) if pathway else None,
        within_deadline=pathway.first_offer_within_deadline if pathway else None,
        status=str(status),
        started=_local_date(pathway.started_at) if pathway else None,
        ended=_local_date(pathway.ended_at) if pathway else None,
        dropout_reason=str(pathway.dropout_reason or "") if pathway else "",
    )


def visible_population(actor: User, qs: QuerySet) -> tuple[QuerySet, bool, bool]:
    """(rows the user may see, names shown?, pseudonyms shown?)."""
    named = can(actor, Action.VIEW_CITIZEN)
    pseudonymised = can(actor, Action.VIEW_PSEUDONYMISED)
    if pseudonymised:
        return qs, named, True
    if named:
        return qs.filter(citizen__in=citizens_in_scope(actor)), True, False
    return qs.none(), False, False


def _in_scope(actor: User, objs: list[Model]) -> set[int]:
    if not can(actor, Action.VIEW_CITIZEN) or not objs:
        return set()
    ids = {o.citizen_id for o in objs}  # type: ignore[attr-defined]
    return set(citizens_in_scope(actor).filter(pk__in=ids).values_list("pk", flat=True))


def rows_for(actor: User, objs: list[Model], *, operation: str) -> list[DrillRow]:
    """Rows for ``objs``, named where the user has a relation; audits what it shows.

    Each named row is a read of that citizen's data (one audit row each, like the intake
    inbox); a list with pseudonymised rows is recorded once, without naming anyone.
    """
    scope = _in_scope(actor, objs)
    rows = [make_row(o, named=o.citizen_id in scope) for o in objs]  # type: ignore[attr-defined]
    named_objs = [o for o in objs if o.citizen_id in scope]  # type: ignore[attr-defined]
    if named_objs:
        audit_reads(actor=actor, operation=operation, objects=named_objs)
    if len(named_objs) < len(objs):
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation=f"{operation}:pseudonymised",
            reason=f"{len(objs) - len(named_objs)} pseudonymised rows",
        )
    return rows


def drill_page(
    actor: User,
    kpi: Kpi,
    filters: Filters,
    *,
    part: str = DENOMINATOR,
    key: str = "",
    page: int = 1,
) -> DrillPage:
    assert kpi.population is not None
    population = prepared(kpi.population(actor, filters, part, key))
    visible_qs, named_mode, pseudo_mode = visible_population(actor, population)
    total = population.count()
    visible = visible_qs.count() if visible_qs is not population else total
    pages = max(1, -(-visible // PAGE_SIZE))
    page = min(max(page, 1), pages)
    objs = list(visible_qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return DrillPage(
        rows=rows_for(actor, objs, operation="monitoring_list"),
        total=total,
        visible=visible,
        hidden=total - visible,
        page=page,
        pages=pages,
        named_mode=named_mode,
        pseudonymised_mode=pseudo_mode,
    )


def drill_all(
    actor: User, kpi: Kpi, filters: Filters, *, part: str = DENOMINATOR, key: str = ""
) -> Iterator[DrillRow]:
    """Every visible row (for the Excel export), in chunks, audited as shown."""
    assert kpi.population is not None
    population = prepared(kpi.population(actor, filters, part, key))
    visible_qs, _named, _pseudo = visible_population(actor, population)
    chunk: list[Model] = []
    for obj in _limited(visible_qs, EXPORT_MAX_ROWS):
        chunk.append(obj)
        if len(chunk) == 1000:
            yield from rows_for(actor, chunk, operation="monitoring_list_export")
            chunk = []
    if chunk:
        yield from rows_for(actor, chunk, operation="monitoring_list_export")


def _limited(qs: QuerySet, limit: int) -> Iterable[Model]:
    return qs[:limit].iterator(chunk_size=1000)
