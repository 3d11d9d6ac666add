"""Referrals: one row per referral, registered through ``referrals.services.referral_register``.

The deadline, the type-specific rules and the audit rows are the referral service's; this module
only reads the file. A citizen is recognised by CPR number within the importing user's
municipality; an unknown number is registered first (then the row needs a name); a number
registered in another municipality is refused without saying where, as in the referral form.

Idempotence: a row with an ``external_id`` that was imported before (same municipality, same
citizen) is left alone ("unchanged"), so the same file can be sent twice. Rows without an
external id are always new referrals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from forlob.citizens.models import Citizen
from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.core.models import Team
from forlob.imports.models import ImportKind
from forlob.imports.parsing import (
    NEW,
    UNCHANGED,
    Context,
    Item,
    Kind,
    Progress,
    Row,
    choices,
    saving,
)
from forlob.imports.tabular import Column, normalise
from forlob.referrals import rules
from forlob.referrals.models import ChronicDisease, CoordinationArea, Referral, ReferralType
from forlob.referrals.services import (
    MESSAGE_CPR_ELSEWHERE,
    MESSAGE_NAME_FOR_NEW_CITIZEN,
    referral_register_by_cpr,
    referral_validate,
)

MESSAGE_DUPLICATE_EXTERNAL_ID = gettext_noop(
    "The external id occurs more than once in the file (also row %(other)d)."
)
MESSAGE_EXTERNAL_ID_TAKEN = gettext_noop(
    "This external id belongs to another referral (another citizen or municipality)."
)
MESSAGE_UNKNOWN_TEAM = gettext_noop("No team of your municipality has this name.")
MESSAGE_AMBIGUOUS_TEAM = gettext_noop(
    "Several teams of your municipality have this name; rename one in the administration."
)
NOTE_DEADLINE = gettext_noop("Deadline %(date)s")
NOTE_NEW_CITIZEN = gettext_noop("new citizen")
NOTE_ALREADY = gettext_noop("Already imported")

CHUNK = 500


def gop_levels() -> dict[str, str]:
    return choices(GopLevel.choices, avanceret="advanced", specialiseret="specialised")


COLUMNS = (
    Column(
        "external_id",
        "ekstern_id",
        False,
        _l(
            "The sending system's id of the referral (max 200 characters). A row whose id was "
            "imported before is skipped, so a file can be sent again."
        ),
        aliases=("eksternt_id", "external_identifier"),
        example=("EPJ-2026-000101", "EPJ-2026-000102"),
    ),
    Column(
        "cpr",
        "cpr",
        True,
        _l("The citizen's CPR number, 10 digits, with or without dash."),
        aliases=("cpr_nummer", "cpr_nr", "personnummer"),
        cpr=True,
        example=("0101401234", "0202502345"),
    ),
    Column(
        "first_name",
        "fornavn",
        False,
        _l("Required when the citizen is not registered yet; otherwise not used."),
        example=("Karen", "Jens"),
    ),
    Column(
        "last_name",
        "efternavn",
        False,
        _l("Required when the citizen is not registered yet; otherwise not used."),
        example=("Hansen", "Jensen"),
    ),
    Column(
        "phone",
        "telefon",
        False,
        _l("Mobile number of a new citizen (for reminders)."),
        aliases=("mobil", "tlf"),
    ),
    Column(
        "referral_type",
        "henvisningstype",
        True,
        _l("The type's code (gop, free_physio, chronic, …) or its name, see below."),
        aliases=("type",),
        example=("gop", "chronic"),
    ),
    Column(
        "received_date",
        "modtaget",
        True,
        _l("The day the referral was received: YYYY-MM-DD (also DD-MM-YYYY, DD.MM.YYYY)."),
        aliases=("modtaget_dato", "modtagelsesdato", "received"),
        example=("2026-05-29", "2026-05-29"),
    ),
    Column(
        "discharge_date",
        "udskrevet",
        False,
        _l("Discharge from hospital. Required for a GOP: the 7-day rule counts from it."),
        aliases=("udskrivelsesdato", "udskrivningsdato", "discharged"),
        example=("2026-05-28", ""),
    ),
    Column(
        "gop_level",
        "niveau",
        False,
        _l("GOP: basal, avanceret or specialiseret (basal, advanced, specialised)."),
        aliases=("gop_niveau", "level"),
        example=("basal", ""),
    ),
    Column(
        "diagnosis_area",
        "diagnoseområde",
        False,
        _l("GOP, free physiotherapy: ortopædkirurgisk, medicinsk or neurologisk."),
        example=("ortopædkirurgisk", ""),
    ),
    Column(
        "chronic_disease",
        "sygdom",
        False,
        _l("Chronic disease programme: kræft, KOL, hjerte-kar-sygdom, diabetes or lænderyg."),
        example=("", "KOL"),
    ),
    Column(
        "coordination_area",
        "koordinationsområde",
        False,
        _l("Care coordination: cancer, brain_injury or sick_listed (or the Danish names)."),
    ),
    Column(
        "diagnosis_text",
        "diagnose",
        False,
        _l("Diagnosis as free text (max 200 characters)."),
        example=("Hoftealloplastik", ""),
    ),
    Column(
        "sender",
        "afsender",
        False,
        _l("Hospital department or GP (max 200 characters)."),
        example=("Regionshospitalet Randers, Ortopædkirurgi", "Lægehuset Vestergade"),
    ),
    Column(
        "team",
        "team",
        False,
        _l("The team of your municipality the referral goes to, by name; empty = the intake."),
    ),
    Column(
        "note",
        "note",
        False,
        _l("A note on the referral (max 2000 characters)."),
        aliases=("bemærkning",),
    ),
)


@dataclass
class ReferralRow:
    cpr: str
    referral_type: ReferralType
    received_date: date
    external_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    sender: str = ""
    diagnosis_text: str = ""
    note: str = ""
    team: Team | None = None
    specific: dict[str, object] = field(default_factory=dict)
    new_citizen: bool = False


class ReferralsKind(Kind):
    key = ImportKind.REFERRALS
    columns = COLUMNS
    preview_columns = (
        "external_id",
        "cpr",
        "first_name",
        "last_name",
        "referral_type",
        "received_date",
        "discharge_date",
    )

    def start(self, ctx: Context) -> None:
        types = list(ReferralType.objects.filter(is_active=True))
        ctx.state["types"] = choices([(t.code, t.name) for t in types])
        ctx.state["type_codes"] = [t.code for t in types]
        ctx.state["type_by_code"] = {t.code: t for t in types}
        teams: dict[str, list[Team]] = defaultdict(list)
        for team in Team.objects.filter(unit__municipality=ctx.municipality):
            teams[normalise(team.name)].append(team)
        ctx.state["teams"] = teams
        ctx.state["levels"] = gop_levels()
        ctx.state["areas"] = choices(DiagnosisArea.choices, ortopaedisk="orthopaedic")
        ctx.state["diseases"] = choices(ChronicDisease.choices, hjertekarsygdom="cardiovascular")
        ctx.state["coordination"] = choices(CoordinationArea.choices)

    def row(self, ctx: Context, row: Row) -> Item | None:
        s = ctx.state
        external_id = row.text("external_id", 200)
        cpr = row.cpr("cpr")
        first_name = row.text("first_name", 100)
        last_name = row.text("last_name", 100)
        phone = row.text("phone", 20)
        code = row.choice("referral_type", s["types"], shown=s["type_codes"], required=True)
        received = row.date("received_date", required=True)
        specific: dict[str, object] = {
            "discharge_date": row.date("discharge_date"),
            "gop_level": row.choice("gop_level", s["levels"], shown=GopLevel.values) or "",
            "diagnosis_area": row.choice("diagnosis_area", s["areas"], shown=DiagnosisArea.values)
            or "",
            "chronic_disease": row.choice(
                "chronic_disease", s["diseases"], shown=ChronicDisease.values
            )
            or "",
            "coordination_area": row.choice(
                "coordination_area", s["coordination"], shown=CoordinationArea.values
            )
            or "",
        }
        team = None
        if row.raw("team"):
            found = s["teams"].get(normalise(row.raw("team")), [])
            if len(found) == 1:
                team = found[0]
            else:
                row.error("team", _(MESSAGE_AMBIGUOUS_TEAM if found else MESSAGE_UNKNOWN_TEAM))
        data = ReferralRow(
            cpr=cpr or "",
            referral_type=s["type_by_code"].get(code),  # type: ignore[arg-type]
            received_date=received,  # type: ignore[arg-type]
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            sender=row.text("sender", 200),
            diagnosis_text=row.text("diagnosis_text", 200),
            note=row.text("note", 2000),
            team=team,
            specific=specific,
        )
        if row.failed:
            return None
        try:
            # The referral service's own rules (required fields per type, dates): the same
            # check the form gets, here before anything is written.
            cleaned = referral_validate(
                referral_type=data.referral_type,
                received_date=data.received_date,
                today=ctx.today,
                **specific,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row.error(name, messages[0])
            return None
        deadline = rules.offer_deadline(
            target_days=data.referral_type.target_days,
            counts_from_discharge=data.referral_type.deadline_from
            == ReferralType.DeadlineFrom.DISCHARGE,
            received_date=data.received_date,
            discharge_date=cleaned["discharge_date"],  # type: ignore[arg-type]
        )
        note = _(NOTE_DEADLINE) % {"date": f"{deadline:%d.%m.%Y}"} if deadline else ""
        return Item(row=row.number, data=data, note=note)

    def finish(self, ctx: Context) -> None:
        items = ctx.result.items
        first_row: dict[str, int] = {}
        for item in items:
            eid = item.data.external_id
            if not eid:
                continue
            if eid in first_row:
                ctx.error(
                    item.row,
                    "external_id",
                    _(MESSAGE_DUPLICATE_EXTERNAL_ID) % {"other": first_row[eid]},
                )
            else:
                first_row[eid] = item.row

        cprs = sorted({i.data.cpr for i in items})
        registered: dict[str, int] = {}
        for start in range(0, len(cprs), CHUNK):
            registered.update(
                Citizen.objects.filter(cpr__in=cprs[start : start + CHUNK]).values_list(
                    "cpr", "municipality_id"
                )
            )
        names: dict[str, tuple[str, str]] = {}
        for item in items:
            d = item.data
            if d.first_name and d.last_name:
                names.setdefault(d.cpr, (d.first_name, d.last_name))

        external_ids = sorted(first_row)
        existing: dict[str, tuple[int, str]] = {}
        for start in range(0, len(external_ids), CHUNK):
            for eid, municipality_id, cpr in Referral.objects.filter(
                external_id__in=external_ids[start : start + CHUNK]
            ).values_list("external_id", "municipality_id", "citizen__cpr"):
                existing[eid] = (municipality_id, cpr)

        for item in items:
            d = item.data
            municipality_id = registered.get(d.cpr)
            if municipality_id is not None and municipality_id != ctx.municipality.pk:
                ctx.error(item.row, "cpr", _(MESSAGE_CPR_ELSEWHERE))
                continue
            if d.external_id in existing:
                if existing[d.external_id] == (ctx.municipality.pk, d.cpr):
                    item.status, item.note = UNCHANGED, _(NOTE_ALREADY)
                else:
                    ctx.error(item.row, "external_id", _(MESSAGE_EXTERNAL_ID_TAKEN))
                continue
            if municipality_id is None:
                d.new_citizen = True
                if d.cpr in names:
                    d.first_name, d.last_name = names[d.cpr]
                else:
                    for key, value in (("first_name", d.first_name), ("last_name", d.last_name)):
                        if not value:
                            ctx.error(item.row, key, _(MESSAGE_NAME_FOR_NEW_CITIZEN))
                    continue
                item.note = ", ".join(p for p in (item.note, _(NOTE_NEW_CITIZEN)) if p)

    def write(self, ctx: Context, items: list[Item], progress: Progress) -> dict[str, int]:
        todo = [i for i in items if i.status == NEW]
        for done, item in enumerate(todo, start=1):
            d: ReferralRow = item.data
            with saving(item.row):
                referral_register_by_cpr(
                    actor=ctx.actor,  # type: ignore[arg-type]
                    cpr=d.cpr,
                    first_name=d.first_name,
                    last_name=d.last_name,
                    phone=d.phone,
                    municipality=ctx.municipality,
                    referral_type=d.referral_type,
                    received_date=d.received_date,
                    today=ctx.today,
                    sender=d.sender,
                    team=d.team,
                    diagnosis_text=d.diagnosis_text,
                    note=d.note,
                    external_id=d.external_id or None,
                    **d.specific,
                )
            progress(done, len(todo))
        return {NEW: len(todo), UNCHANGED: len(items) - len(todo)}
