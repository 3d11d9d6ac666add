"""Staff: one row per user of the importing administrator's municipality.

The user name is the key. A new user name creates a user without a password (an administrator
sets one, or the user gets one through the administration); a known user name of the same
municipality is updated to what the row says, so the same file imported twice changes nothing
the second time. Refused: a user name belonging to a user of another municipality (or of none),
a superuser, and the importing user's own account (no one removes their own rights by mistake).

Roles and competencies are set to exactly what the row lists. An optional column left out of the
file leaves that value as it is on existing users; an empty cell in a column that is there
clears it (or sets the default: 3 new citizens a day, active).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core.choices import DiagnosisArea, Profession, Role
from forlob.core.models import Competency, Provider, RoleAssignment, Team, User
from forlob.imports.kinds.referrals import gop_levels
from forlob.imports.models import ImportKind
from forlob.imports.parsing import (
    CHANGED,
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

MESSAGE_BAD_USERNAME = gettext_noop(
    "A user name may hold letters, digits and @ . + - _ only (at most 150 characters)."
)
MESSAGE_BAD_EMAIL = gettext_noop("Not a valid e-mail address.")
MESSAGE_NO_ROLE = gettext_noop("Give at least one role.")
MESSAGE_NO_ROLE_KNOWN = gettext_noop("Unknown role; write one or more of: %(values)s.")
MESSAGE_BAD_COMPETENCY = gettext_noop(
    "Write area:level, separated by commas, e.g. ortopædkirurgisk:avanceret, medicinsk:basal."
)
MESSAGE_DOUBLE_AREA = gettext_noop("The same diagnosis area occurs twice.")
MESSAGE_UNKNOWN_TEAM = gettext_noop("No team of your municipality has this name (in this unit).")
MESSAGE_AMBIGUOUS_TEAM = gettext_noop(
    "Several units have a team of this name; say which in the column enhed."
)
MESSAGE_UNKNOWN_PROVIDER = gettext_noop("No provider of your municipality has this name.")
MESSAGE_DUPLICATE_USERNAME = gettext_noop(
    "The user name occurs more than once in the file (also row %(other)d)."
)
MESSAGE_USER_ELSEWHERE = gettext_noop(
    "This user name belongs to a user outside your municipality; choose another."
)
MESSAGE_OWN_USER = gettext_noop("Your own user cannot be changed by an import.")
MESSAGE_SUPERUSER = gettext_noop("A superuser cannot be changed by an import.")

ROLE_CODES = [r.value for r in Role]

COLUMNS = (
    Column(
        "username",
        "brugernavn",
        True,
        _l("The login name; the key: a known user name is updated, a new one created."),
        aliases=("user", "login"),
        example=("tove.terapeut", "kirsten.koordinator"),
    ),
    Column("first_name", "fornavn", True, _l("First name."), example=("Tove", "Kirsten")),
    Column("last_name", "efternavn", True, _l("Last name."), example=("Terapeut", "Koordinator")),
    Column(
        "email",
        "e-mail",
        False,
        _l("E-mail address."),
        aliases=("email", "mail"),
        example=("tove@example.org", ""),
    ),
    Column(
        "roles",
        "roller",
        True,
        _l("One or more roles separated by commas: codes or Danish names, see below."),
        aliases=("rolle", "role"),
        example=("terapeut", "forløbskoordinator, terapeut"),
    ),
    Column(
        "profession",
        "faggruppe",
        False,
        _l("Profession: code or Danish name (fysioterapeut, ergoterapeut, sygeplejerske, …)."),
        aliases=("profession", "fag"),
        example=("fysioterapeut", "sygeplejerske"),
    ),
    Column(
        "team",
        "team",
        False,
        _l("The team, by name, of your municipality."),
        example=("Team Ortopædi", ""),
    ),
    Column(
        "unit",
        "enhed",
        False,
        _l("The team's unit, by name: needed only when two units have a team of that name."),
        aliases=("unit",),
    ),
    Column(
        "provider",
        "leverandør",
        False,
        _l("Home-care provider by name, for provider staff."),
        aliases=("provider",),
    ),
    Column(
        "competencies",
        "kompetencer",
        False,
        _l(
            "For booking: diagnosis area and highest level, e.g. "
            "ortopædkirurgisk:specialiseret, medicinsk:basal."
        ),
        aliases=("kompetence", "competency"),
        example=("ortopædkirurgisk:specialiseret, medicinsk:basal", ""),
    ),
    Column(
        "max_new",
        "maks_nye_pr_dag",
        False,
        _l("Most new citizens a day the booking may give the therapist (0–50; empty = 3)."),
        aliases=("max_new_citizens_per_day", "maks_nye_borgere_pr_dag", "max_nye_pr_dag"),
        example=("3", ""),
    ),
    Column(
        "active",
        "aktiv",
        False,
        _l("ja or nej; empty = ja. A user who is not active cannot log in."),
        aliases=("is_active",),
        example=("ja", "ja"),
    ),
)


@dataclass
class StaffRow:
    username: str
    first_name: str
    last_name: str
    roles: frozenset[str]
    values: dict[str, object] = field(default_factory=dict)  # the optional columns present
    competencies: frozenset[tuple[str, str]] | None = None  # None: column not in the file
    user: User | None = None  # the existing user


def _split(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,|;]", value) if p.strip()]


class StaffKind(Kind):
    key = ImportKind.STAFF
    columns = COLUMNS
    preview_columns = ("username", "first_name", "last_name", "roles", "team")

    def start(self, ctx: Context) -> None:
        teams: dict[str, list[Team]] = defaultdict(list)
        for team in Team.objects.filter(unit__municipality=ctx.municipality).select_related("unit"):
            teams[normalise(team.name)].append(team)
        ctx.state["teams"] = teams
        ctx.state["providers"] = {
            normalise(p.name): p for p in Provider.objects.filter(municipality=ctx.municipality)
        }
        ctx.state["roles"] = choices(Role.choices)
        ctx.state["professions"] = choices(Profession.choices)
        ctx.state["areas"] = choices(DiagnosisArea.choices, ortopaedisk="orthopaedic")
        ctx.state["levels"] = gop_levels()

    def row(self, ctx: Context, row: Row) -> Item | None:
        s = ctx.state
        username = row.text("username", 150, required=True)
        if username:
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                row.error("username", _(MESSAGE_BAD_USERNAME))
        first_name = row.text("first_name", 150, required=True)
        last_name = row.text("last_name", 150, required=True)
        roles: set[str] = set()
        for token in _split(row.raw("roles")):
            role = s["roles"].get(normalise(token))
            if role is None:
                row.error("roles", _(MESSAGE_NO_ROLE_KNOWN) % {"values": ", ".join(ROLE_CODES)})
                break
            roles.add(role)
        if not row.raw("roles"):
            row.error("roles", _(MESSAGE_NO_ROLE))
        values: dict[str, object] = {}
        if row.present("email"):
            email = row.text("email", 254)
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    row.error("email", _(MESSAGE_BAD_EMAIL))
            values["email"] = email
        if row.present("profession"):
            values["profession"] = (
                row.choice("profession", s["professions"], shown=Profession.values) or ""
            )
        if row.present("team"):
            values["team"] = self._team(ctx, row)
        if row.present("provider"):
            provider = None
            if row.raw("provider"):
                provider = s["providers"].get(normalise(row.raw("provider")))
                if provider is None:
                    row.error("provider", _(MESSAGE_UNKNOWN_PROVIDER))
            values["provider"] = provider
        if row.present("max_new"):
            number = row.integer("max_new", 0, 50)
            values["max_new"] = 3 if number is None else number
        if row.present("active"):
            active = row.yes_no("active")
            values["active"] = True if active is None else active
        competencies = None
        if row.present("competencies"):
            competencies = self._competencies(ctx, row)
        if row.failed:
            return None
        return Item(
            row=row.number,
            data=StaffRow(
                username=username,
                first_name=first_name,
                last_name=last_name,
                roles=frozenset(roles),
                values=values,
                competencies=competencies,
            ),
        )

    def _team(self, ctx: Context, row: Row) -> Team | None:
        if not row.raw("team"):
            return None
        found = ctx.state["teams"].get(normalise(row.raw("team")), [])
        if row.raw("unit"):
            found = [t for t in found if normalise(t.unit.name) == normalise(row.raw("unit"))]
        if len(found) == 1:
            return found[0]
        row.error("team", _(MESSAGE_AMBIGUOUS_TEAM if found else MESSAGE_UNKNOWN_TEAM))
        return None

    def _competencies(self, ctx: Context, row: Row) -> frozenset[tuple[str, str]]:
        out: dict[str, str] = {}
        for token in _split(row.raw("competencies")):
            area_text, _sep, level_text = token.partition(":")
            area = ctx.state["areas"].get(normalise(area_text))
            level = ctx.state["levels"].get(normalise(level_text))
            if area is None or level is None:
                row.error("competencies", _(MESSAGE_BAD_COMPETENCY))
                return frozenset()
            if area in out:
                row.error("competencies", _(MESSAGE_DOUBLE_AREA))
                return frozenset()
            out[area] = level
        return frozenset(out.items())

    def finish(self, ctx: Context) -> None:
        items = ctx.result.items
        first_row: dict[str, int] = {}
        for item in items:
            name = item.data.username
            if name in first_row:
                ctx.error(
                    item.row,
                    "username",
                    _(MESSAGE_DUPLICATE_USERNAME) % {"other": first_row[name]},
                )
            else:
                first_row[name] = item.row
        names = sorted(first_row)
        existing: dict[str, User] = {}
        for start in range(0, len(names), 500):
            for user in User.objects.filter(
                username__in=names[start : start + 500]
            ).prefetch_related("role_assignments", "competencies"):
                existing[user.username] = user
        for item in items:
            d: StaffRow = item.data
            user = existing.get(d.username)
            if user is None:
                continue
            if user.municipality_id != ctx.municipality.pk:
                ctx.error(item.row, "username", _(MESSAGE_USER_ELSEWHERE))
            elif user.pk == getattr(ctx.actor, "pk", None):
                ctx.error(item.row, "username", _(MESSAGE_OWN_USER))
            elif user.is_superuser:
                ctx.error(item.row, "username", _(MESSAGE_SUPERUSER))
            else:
                d.user = user
                item.status = CHANGED if _differs(user, d) else UNCHANGED

    def write(self, ctx: Context, items: list[Item], progress: Progress) -> dict[str, int]:
        todo = [i for i in items if i.status in (NEW, CHANGED)]
        for done, item in enumerate(todo, start=1):
            d: StaffRow = item.data
            with saving(item.row):
                created = d.user is None
                user = d.user or User(username=d.username, municipality=ctx.municipality)
                user.first_name, user.last_name = d.first_name, d.last_name
                for key, attr in _ATTRS.items():
                    if key in d.values:
                        setattr(user, attr, d.values[key])
                if created:
                    user.set_unusable_password()
                user.save()
                current = {r.role for r in user.role_assignments.all()} if not created else set()
                RoleAssignment.objects.filter(user=user).exclude(role__in=d.roles).delete()
                RoleAssignment.objects.bulk_create(
                    RoleAssignment(user=user, role=r) for r in sorted(d.roles - current)
                )
                if d.competencies is not None:
                    Competency.objects.filter(staff=user).delete()
                    Competency.objects.bulk_create(
                        Competency(staff=user, diagnosis_area=a, max_level=lvl)
                        for a, lvl in sorted(d.competencies)
                    )
                audit_record(
                    actor=ctx.actor,  # type: ignore[arg-type]
                    kind=AccessLog.Kind.WRITE,
                    operation="import_staff_create" if created else "import_staff_update",
                    obj=user,
                )
            progress(done, len(todo))
        counts = ctx.result.counts()
        return {NEW: counts[NEW], CHANGED: counts[CHANGED], UNCHANGED: counts[UNCHANGED]}


_ATTRS = {
    "email": "email",
    "profession": "profession",
    "team": "team",
    "provider": "provider",
    "max_new": "max_new_citizens_per_day",
    "active": "is_active",
}


def _differs(user: User, d: StaffRow) -> bool:
    if (user.first_name, user.last_name) != (d.first_name, d.last_name):
        return True
    for key, attr in _ATTRS.items():
        if key not in d.values:
            continue
        wanted = d.values[key]
        if key in ("team", "provider"):  # compare ids: no query per user
            have, wanted = getattr(user, f"{attr}_id"), getattr(wanted, "pk", None)
        else:
            have = getattr(user, attr)
        if have != wanted:
            return True
    if {r.role for r in user.role_assignments.all()} != d.roles:
        return True
    if d.competencies is not None:
        have = {(c.diagnosis_area, c.max_level) for c in user.competencies.all()}
        if have != set(d.competencies):
            return True
    return False
