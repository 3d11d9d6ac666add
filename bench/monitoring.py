"""Monitoring benchmark: KPI computation time against one hand-tuned SQL query per KPI.

    .venv/bin/python bench/monitoring.py [--scale 0.1]                  # SQLite (a temp file)
    scripts/with-postgres .venv/bin/python bench/monitoring.py [--scale 0.1]   # PostgreSQL

(or ``make bench-monitoring``, which runs both). A regional dataset of 4 municipalities × 5 years
is generated with bulk inserts (``executemany`` on SQLite, ``COPY`` on PostgreSQL; never the ORM
row by row): at ``--scale 1`` 150,000 pathways with their referrals and citizens and about
2 million appointments. Then, for the first municipality and the latest full year, each KPI is
computed the way the dashboard does (``monitoring.kpis``: value, previous period, the 12-month
trend and its breakdown table) and the same numbers are computed by one hand-written SQL query
run directly on the database (plus the few lines of Python that sum its rows). Both are timed
warm (median of ``--repeat`` runs) and checked to give the same answer; the ratio's target is at
most 2×.
"""

# The hand-written queries are the point of this benchmark: they are built from our own
# constants (table and column names, month boundaries), values go in as parameters.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MUNICIPALITIES = (
    ("730", "Randers"),
    ("710", "Favrskov"),
    ("707", "Norddjurs"),
    ("706", "Syddjurs"),
)
YEARS = 5
PATHWAYS_PER_MUNICIPALITY_YEAR = 7500  # at scale 1: about 2.1 million appointments
# type code: (share, appointments (min, max))  — group classes make the chronic programmes long
MIX = {
    "gop": (0.42, (4, 14)),
    "free_physio": (0.03, (10, 30)),
    "chronic": (0.25, (16, 36)),
    "coordination": (0.20, (4, 12)),
    "resource": (0.04, (10, 24)),
    "concussion": (0.02, (8, 8)),
    "everyday_rehab": (0.04, (6, 16)),
}
TARGET_RATIO = 2.0
STAFF = 40  # therapists per municipality
SLOTS = 12  # 45-minute slots a day from 8:00


def free_slot(taken: set[tuple[int, date, int]], staff_id: int, day: date, rng: Any) -> datetime:
    """The first free slot of ``staff_id`` from ``day`` on (a random slot of the day first)."""
    from forlob.monitoring.filters import COPENHAGEN

    while True:
        first = rng.randrange(SLOTS)
        for k in range(SLOTS):
            slot = (first + k) % SLOTS
            if (staff_id, day, slot) not in taken:
                taken.add((staff_id, day, slot))
                return datetime.combine(day, dtime(8), tzinfo=COPENHAGEN) + timedelta(
                    minutes=45 * slot
                )
        day += timedelta(days=1)


def setup_django(args: argparse.Namespace) -> str:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forlob.settings")
    if not os.environ.get("DATABASE_URL"):
        folder = Path(tempfile.mkdtemp(prefix="forlob-bench-"))
        os.environ["FORLOB_VAR_DIR"] = str(folder)
        args.cleanup = folder
    import django

    django.setup()
    from django.db import connection

    return connection.vendor


# --- generating the region ------------------------------------------------------------------------


class Writer:
    """Bulk inserts with explicit ids: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.rows = 0

    def insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        fields = model._meta.concrete_fields
        defaults = {f.attname: f.get_default() for f in fields}
        columns = [f.column for f in fields]
        names = [f.attname for f in fields]
        table = model._meta.db_table
        values = [tuple(self._value(row.get(n, defaults[n])) for n in names) for row in rows]
        with self.connection.cursor() as cursor:
            if self.pg:
                quoted = ", ".join(f'"{c}"' for c in columns)
                with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for v in values:
                        copy.write_row(v)
            else:
                marks = ", ".join("?" for _ in columns)
                quoted = ", ".join(f'"{c}"' for c in columns)
                insert = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
                cursor.cursor.executemany(insert, values)
        self.rows += len(values)

    def _value(self, v: Any) -> Any:
        if self.pg:
            return v
        if isinstance(v, datetime):
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, bool):
            return int(v)
        return v

    def reset_sequences(self, *models: Any) -> None:
        if not self.pg:
            return
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)


def generate(scale: float, seed: int = 7) -> dict[str, Any]:
    from django.db import transaction

    from forlob.citizens.models import Citizen
    from forlob.core.choices import Role
    from forlob.core.models import Location, Municipality, RoleAssignment, Team, Unit, User
    from forlob.monitoring.filters import COPENHAGEN
    from forlob.pathways.models import DropoutReason, Pathway
    from forlob.referrals.models import Referral, ReferralType
    from forlob.scheduling.models import Appointment

    rng = random.Random(seed)
    writer = Writer()
    types = {t.code: t for t in ReferralType.objects.all()}
    reasons = list(DropoutReason.objects.values_list("pk", flat=True))
    last_year = date.today().year - 1
    years = list(range(last_year - YEARS + 1, last_year + 1))
    per_year = max(1, round(PATHWAYS_PER_MUNICIPALITY_YEAR * scale))
    codes = list(MIX)
    weights = [MIX[c][0] for c in codes]
    ids = defaultdict(int)

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    managers = []
    taken: set[tuple[int, date, int]] = set()
    started = time.perf_counter()
    for code, name in MUNICIPALITIES:
        with transaction.atomic():
            m = Municipality.objects.create(name=f"{name} Kommune", code=code)
            unit = Unit.objects.create(municipality=m, name="Sundhed og Genoptræning")
            teams = [Team.objects.create(unit=unit, name=f"Team {i}") for i in range(4)]
            locations = [
                Location.objects.create(municipality=m, name=f"Træningscenter {i}")
                for i in range(3)
            ]
            staff = User.objects.bulk_create(
                User(username=f"t{code}-{i}", municipality=m, team=teams[i % 4], password="!")  # noqa: S106
                for i in range(STAFF)
            )
            RoleAssignment.objects.bulk_create(
                RoleAssignment(user=u, role=Role.THERAPIST) for u in staff
            )
            manager = User.objects.create(username=f"leder-{code}", municipality=m, password="!")  # noqa: S106
            RoleAssignment.objects.create(user=manager, role=Role.MANAGER)
            managers.append(manager)
        citizens_n = max(10, int(per_year * YEARS * 0.8))
        citizen_rows, citizen_ids = [], []
        for _ in range(citizens_n):
            cid = next_id("citizen")
            born = date(1925, 1, 1) + timedelta(days=rng.randrange(0, 365 * 80))
            citizen_rows.append(
                {
                    "id": cid,
                    "cpr": f"{cid:010d}",
                    "first_name": "Borger",
                    "last_name": f"{cid}",
                    "birth_date": born,
                    "sex": rng.choice(("female", "male")),
                    "municipality_id": m.pk,
                    "health_literacy": rng.choice(("low", "medium", "high", "", "")),
                    "is_test_person": True,
                    "created_at": datetime(2019, 1, 1, tzinfo=UTC),
                }
            )
            citizen_ids.append(cid)
        with transaction.atomic():
            writer.insert(Citizen, citizen_rows)
        for year in years:
            referrals, pathways, appointments = [], [], []
            for _ in range(per_year):
                code_ = rng.choices(codes, weights)[0]
                rtype = types[code_]
                received = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))
                discharge = (
                    received - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
                    if code_ == "gop"
                    else None
                )
                start = discharge if code_ == "gop" else received
                deadline = start + timedelta(days=rtype.target_days) if rtype.target_days else None
                rid, pid = next_id("referral"), next_id("pathway")
                citizen = rng.choice(citizen_ids)
                referrals.append(
                    {
                        "id": rid,
                        "citizen_id": citizen,
                        "referral_type_id": rtype.pk,
                        "municipality_id": m.pk,
                        "received_date": received,
                        "discharge_date": discharge,
                        "gop_level": rng.choice(("basal", "basal", "advanced"))
                        if code_ == "gop"
                        else "",
                        "diagnosis_area": rng.choice(
                            ("orthopaedic", "orthopaedic", "medical", "neurological")
                        )
                        if code_ == "gop"
                        else "",
                        "chronic_disease": rng.choice(
                            ("cancer", "copd", "cardiovascular", "diabetes", "low_back")
                        )
                        if code_ == "chronic"
                        else "",
                        "offer_deadline": deadline,
                        "status": "accepted",
                        "created_at": datetime.combine(received, dtime(9), tzinfo=COPENHAGEN),
                    }
                )
                created = datetime.combine(received, dtime(10), tzinfo=COPENHAGEN)
                responsible = rng.choice(staff)
                # The appointments, in free slots of the responsible therapist's calendar
                # (PostgreSQL refuses overlapping times for one therapist).
                low, high = MIX[code_][1]
                day = received + timedelta(days=rng.choice((1, 2, 3, 4, 5, 6, 8, 10)))
                times = []
                for _n in range(rng.randint(low, high)):
                    times.append(free_slot(taken, responsible.pk, day, rng))
                    day = times[-1].date() + timedelta(days=rng.randrange(2, 8))
                first = times[0]
                outcome = rng.random()
                status = (
                    "completed"
                    if outcome < 0.84
                    else ("dropped_out" if outcome < 0.97 else "cancelled")
                )
                ended = times[-1] + timedelta(hours=1)
                pathways.append(
                    {
                        "id": pid,
                        "citizen_id": citizen,
                        "referral_id": rid,
                        "pathway_type_id": rtype.pk,
                        "municipality_id": m.pk,
                        "team_id": responsible.team_id,
                        "responsible_id": responsible.pk,
                        "status": status,
                        "offer_deadline": deadline,
                        "first_offered_at": created,
                        "first_offered_start": first,
                        "first_offer_within_deadline": None
                        if deadline is None
                        else first.astimezone(COPENHAGEN).date() <= deadline,
                        "dropout_reason_id": rng.choice(reasons)
                        if status == "dropped_out"
                        else None,
                        "started_at": first,
                        "ended_at": ended,
                        "created_at": created,
                    }
                )
                for n, when in enumerate(times):
                    appointments.append(
                        {
                            "id": next_id("appointment"),
                            "pathway_id": pid,
                            "citizen_id": citizen,
                            "staff_id": responsible.pk,
                            "location_id": rng.choice(locations).pk,
                            "start": when,
                            "end": when + timedelta(minutes=45),
                            "status": "attended" if rng.random() < 0.93 else "no_show",
                            "is_first": n == 0,
                            "created_at": created,
                        }
                    )
            with transaction.atomic():
                writer.insert(Referral, referrals)
                writer.insert(Pathway, pathways)
                writer.insert(Appointment, appointments)
            print(
                f"  {name} {year}: {len(pathways):,} pathways, {len(appointments):,} appointments",
                flush=True,
            )
    writer.reset_sequences(Citizen, Referral, Pathway, Appointment)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "managers": managers,
        "year": last_year,
        "seconds": time.perf_counter() - started,
        "rows": writer.rows,
        "appointments": ids["appointment"],
        "pathways": ids["pathway"],
    }


# --- the hand-tuned queries -----------------------------------------------------------------------


def month_buckets(vendor: str, column: str, months: list[Any], params: list[Any]) -> str:
    """SQL for "which of these months" of an aware datetime column (Copenhagen months)."""
    from forlob.monitoring.filters import midnight

    if vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM')"
    # SQLite stores UTC text: compare with each month's UTC bounds (what an expert would do
    # without time-zone support in the database).
    whens = []
    for p in months:
        whens.append(f"WHEN {column} >= ? AND {column} < ? THEN '{p.start:%Y-%m}'")
        params += [_utc(midnight(p.start)), _utc(midnight(p.end))]
    return "CASE " + " ".join(whens) + " END"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def raw_gop_offer_share(vendor: str, municipality_id: int, filters: Any) -> dict[str, Any]:
    """One query: per discharge month and diagnosis area, offered in time and decided."""
    from django.db import connection

    from forlob.monitoring.filters import series_months

    period, previous = filters.period, filters.period.previous()
    months = series_months(period, filters.today)
    start = min(previous.start, months[0].start)
    end = max(period.end, months[-1].end)
    month = (
        "to_char(r.discharge_date, 'YYYY-MM')"
        if vendor == "postgresql"
        else "substr(r.discharge_date, 1, 7)"
    )
    sql = f"""
        SELECT {month} AS m, r.diagnosis_area,
               SUM(CASE WHEN p.first_offer_within_deadline THEN 1 ELSE 0 END),
               SUM(CASE WHEN p.first_offered_at IS NOT NULL OR r.offer_deadline < %s
                        THEN 1 ELSE 0 END)
        FROM referrals_referral r
        JOIN referrals_referraltype t ON t.id = r.referral_type_id
        LEFT JOIN pathways_pathway p ON p.referral_id = r.id
        WHERE r.municipality_id = %s AND t.code = 'gop' AND r.status <> 'rejected'
          AND r.discharge_date >= %s AND r.discharge_date < %s
        GROUP BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [filters.today, municipality_id, start, end])
        rows = cursor.fetchall()

    def total(p: Any) -> tuple[int, int]:
        keys = {f"{m.start:%Y-%m}" for m in _months_of(p)}
        sel = [r for r in rows if r[0] in keys]
        return sum(r[2] for r in sel), sum(r[3] for r in sel)

    num, den = total(period)
    pnum, pden = total(previous)
    return {
        "value": num / den if den else None,
        "previous": pnum / pden if pden else None,
        "series": [(lambda n, d: n / d if d else None)(*total(m)) for m in months],
        "areas": {
            a: sum(r[2] for r in rows if r[1] == a and period.contains(_first(r[0])))
            for a in ("orthopaedic", "medical", "neurological")
        },
    }


def _first(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _months_of(period: Any) -> list[Any]:
    from forlob.monitoring.filters import Period, add_months

    out, m = [], period.start
    while m < period.end:
        out.append(Period.month(m.year, m.month))
        m = add_months(m, 1)
    return out


def raw_completion(vendor: str, municipality_id: int, filters: Any) -> dict[str, Any]:
    """One query: per end month, type and programme, completed and ended."""
    from django.db import connection

    from forlob.monitoring.filters import Period, midnight, series_months

    period, previous = filters.period, filters.period.previous()
    baseline = Period.year(period.start.year - 1)
    months = series_months(period, filters.today)
    span_months = sorted(
        {*_months_of(baseline), *_months_of(previous), *_months_of(period), *months},
        key=lambda p: p.start,
    )
    params: list[Any] = []
    bucket = month_buckets(vendor, "p.ended_at", span_months, params)
    start = min(p.start for p in span_months)
    end = max(p.end for p in span_months)
    sql = f"""
        SELECT {bucket} AS m, t.code, r.chronic_disease,
               SUM(CASE WHEN p.status = 'completed' THEN 1 ELSE 0 END), COUNT(*)
        FROM pathways_pathway p
        JOIN referrals_referraltype t ON t.id = p.pathway_type_id
        LEFT JOIN referrals_referral r ON r.id = p.referral_id
        WHERE p.municipality_id = %s AND p.status IN ('completed', 'dropped_out')
          AND p.ended_at >= %s AND p.ended_at < %s
        GROUP BY 1, 2, 3
    """
    if vendor == "sqlite":
        sql = sql.replace("?", "%s")
    bounds = [midnight(start), midnight(end)]
    if vendor == "sqlite":
        bounds = [_utc(b) for b in bounds]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, municipality_id, *bounds])
        rows = cursor.fetchall()

    def rate(p: Any) -> float | None:
        keys = {f"{m.start:%Y-%m}" for m in _months_of(p)}
        done = sum(r[3] for r in rows if r[0] in keys)
        ended = sum(r[4] for r in rows if r[0] in keys)
        return done / ended if ended else None

    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cur = {f"{m.start:%Y-%m}" for m in _months_of(period)}
    for r in rows:
        if r[0] in cur:
            by_type[r[1]][0] += r[3]
            by_type[r[1]][1] += r[4]
    return {
        "value": rate(period),
        "previous": rate(previous),
        "baseline": rate(baseline),
        "series": [rate(m) for m in months],
        "types": {k: v[0] / v[1] for k, v in by_type.items()},
    }


def raw_volume(vendor: str, municipality_id: int, filters: Any) -> dict[str, Any]:
    """One query: new pathways per creation month and type (this span and a year before)."""
    from django.db import connection

    from forlob.monitoring.filters import midnight, series_months

    period = filters.period
    months = series_months(period, filters.today)
    span = sorted(
        {
            *_months_of(period),
            *_months_of(period.previous()),
            *_months_of(period.last_year()),
            *months,
            *(m.last_year() for m in months),
        },
        key=lambda p: p.start,
    )
    params: list[Any] = []
    bucket = month_buckets(vendor, "p.created_at", span, params)
    bounds = [midnight(span[0].start), midnight(span[-1].end)]
    if vendor == "sqlite":
        bounds = [_utc(b) for b in bounds]
    sql = f"""
        SELECT {bucket} AS m, t.code, COUNT(*)
        FROM pathways_pathway p JOIN referrals_referraltype t ON t.id = p.pathway_type_id
        WHERE p.municipality_id = %s AND p.created_at >= %s AND p.created_at < %s
        GROUP BY 1, 2
    """
    if vendor == "sqlite":
        sql = sql.replace("?", "%s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, municipality_id, *bounds])
        rows = cursor.fetchall()

    def count(p: Any) -> int:
        keys = {f"{m.start:%Y-%m}" for m in _months_of(p)}
        return sum(r[2] for r in rows if r[0] in keys)

    return {
        "value": count(period),
        "previous": count(period.previous()),
        "reference": count(period.last_year()),
        "series": [count(m) for m in months],
    }


RAW = {
    "gop_offer_share": raw_gop_offer_share,
    "completion_rate": raw_completion,
    "pathway_volume": raw_volume,
}


def check_same(code: str, result: Any, raw: dict[str, Any]) -> None:
    def close(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)

    assert close(result.value, raw["value"]), (code, result.value, raw["value"])
    assert close(result.previous, raw["previous"]), (code, result.previous, raw["previous"])
    series = [p.value for p in result.series]
    assert all(close(a, b) for a, b in zip(series, raw["series"], strict=True)), code


def timed(fn: Any, repeat: int) -> float:
    fn()  # warm: connection, caches, the database's page cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 ≈ 2 million appointments")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    args.cleanup = None
    vendor = setup_django(args)

    from django.core.management import call_command

    from forlob.monitoring import kpis
    from forlob.monitoring.filters import Filters, Period

    print(f"Database: {vendor}. Migrating a fresh database ...", flush=True)
    call_command("migrate", verbosity=0)
    print(f"Generating 4 municipalities × {YEARS} years at scale {args.scale} ...", flush=True)
    made = generate(args.scale)
    print(
        f"  {made['pathways']:,} pathways, {made['appointments']:,} appointments, "
        f"{made['rows']:,} rows in {made['seconds']:.1f} s",
        flush=True,
    )
    actor = made["managers"][0]
    filters = Filters(period=Period.year(made["year"]), today=date(made["year"] + 1, 1, 15))
    print(f"\nKPIs for {actor.municipality}, {made['year']} (median of {args.repeat} warm runs)")
    print(f"{'KPI':<22} {'dashboard (ORM)':>16} {'one SQL query':>14} {'ratio':>7}  target ≤ 2×")
    worst = 0.0
    for code, raw in RAW.items():
        kpi = kpis.get(code)
        check_same(code, kpi.compute(actor, filters), raw(vendor, actor.municipality_id, filters))
        orm = timed(lambda kpi=kpi: kpi.compute(actor, filters), args.repeat)
        sql = timed(lambda raw=raw: raw(vendor, actor.municipality_id, filters), args.repeat)
        ratio = orm / sql
        worst = max(worst, ratio)
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        print(f"{code:<22} {orm * 1000:>13.1f} ms {sql * 1000:>11.1f} ms {ratio:>6.2f}×  {verdict}")
    every = timed(lambda: [k.compute(actor, filters) for k in kpis.available(actor)], args.repeat)
    print(f"{'all dashboard KPIs':<22} {every * 1000:>13.1f} ms")
    if args.cleanup:
        import shutil

        shutil.rmtree(args.cleanup, ignore_errors=True)
    print("\nTarget ≤ 2×: " + ("met" if worst <= TARGET_RATIO else f"MISSED (worst {worst:.2f}×)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
