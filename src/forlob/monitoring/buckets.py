"""Counting rows per period in one grouped query: the way a hand-written SQL query would.

A key figure needs the same count for several periods at once: the chosen period, the previous
one, a comparison (last year, a baseline year) and the twelve months of the trend. They overlap.
``Buckets`` cuts the time axis at every period boundary into disjoint segments, labels each row
with its segment — its month where the boundaries are months and the database can tell a row's
month cheaply, else a ``CASE`` over the segments — and the query groups by that (and any
breakdown column). A period's count is then the sum over its segments, in Python. One query,
one pass over the rows, no per-row function calls, the same on SQLite and PostgreSQL.

Dates are compared as dates; datetimes with the aware midnight of each Copenhagen day, so a
pathway ended at 00:30 on 1 July belongs to July whatever the database's time zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, F, IntegerField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from forlob.monitoring.filters import Period, add_months, midnight

Row = dict[str, Any]


class Buckets:
    def __init__(self, model: type[Model], field: str, periods: Iterable[Period]) -> None:
        self.model = model
        self.field = field
        f = model._meta.get_field(field)
        self.is_datetime = f.get_internal_type() == "DateTimeField"
        quote = connection.ops.quote_name
        self.column = f"{quote(model._meta.db_table)}.{quote(f.column)}"
        periods = list(periods)
        bounds = sorted({p.start for p in periods} | {p.end for p in periods})
        self.segments: list[tuple[date, date]] = list(itertools.pairwise(bounds))
        self._index: dict[int, tuple[list[Row], dict[int, list[Row]]]] = {}
        self.months: dict[str, int] | None = None

    def _param(self, day: date) -> Any:
        if self.is_datetime:
            return connection.ops.adapt_datetimefield_value(midnight(day))
        return connection.ops.adapt_datefield_value(day)

    def _by_month(self) -> dict[str, int] | None:
        """Month ("YYYY-MM") → segment, when every boundary is the first of a month and the
        database can name a row's month cheaply: dates on SQLite (stored as text) and on
        PostgreSQL, datetimes on PostgreSQL (in Copenhagen time). Otherwise None."""
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql") or (self.is_datetime and vendor != "postgresql"):
            return None
        if any(d.day != 1 for seg in self.segments for d in seg):
            return None
        months = {}
        for i, (start, end) in enumerate(self.segments):
            day = start
            while day < end:
                months[f"{day:%Y-%m}"] = i
                day = add_months(day, 1)
        return months

    def expression(self) -> RawSQL:
        """The row's segment: its month (mapped to a segment in Python) or a CASE over them."""
        self.months = self._by_month()
        if self.months is not None:
            if connection.vendor == "sqlite":
                return RawSQL(f"substr({self.column}, 1, 7)", [], output_field=CharField())  # noqa: S611
            if self.is_datetime:
                return RawSQL(  # noqa: S611
                    f"to_char({self.column} AT TIME ZONE %s, 'YYYY-MM')",
                    [settings.TIME_ZONE],
                    output_field=CharField(),
                )
            return RawSQL(f"to_char({self.column}, 'YYYY-MM')", [], output_field=CharField())  # noqa: S611
        whens, params = [], []
        for i, (start, end) in enumerate(self.segments):
            whens.append(f"WHEN {self.column} >= %s AND {self.column} < %s THEN {i}")
            params += [self._param(start), self._param(end)]
        return RawSQL(f"CASE {' '.join(whens)} END", params, output_field=IntegerField())  # noqa: S611

    def span_q(self) -> Q:
        """Rows within the outermost boundaries (lets the database use an index)."""
        start, end = self.segments[0][0], self.segments[-1][1]
        if self.is_datetime:
            return Q(**{f"{self.field}__gte": midnight(start), f"{self.field}__lt": midnight(end)})
        return Q(**{f"{self.field}__gte": start, f"{self.field}__lt": end})

    def rows(self, qs: QuerySet, group: Iterable[str], counts: dict[str, Any]) -> list[Row]:
        """One grouped query: ``{"_seg": i, *group, *counts}`` per segment and group.

        The segment comes first in GROUP BY (the group columns are annotations after it): with a
        column first, SQLite may walk that column's index over every municipality's rows
        instead of searching the actor's municipality.
        """
        group = list(group)
        aliases = {f"_g{i}": F(name) for i, name in enumerate(group)}
        found = (
            qs.filter(self.span_q())
            .annotate(_seg=self.expression())
            .annotate(**aliases)
            .values("_seg", *aliases)
            .annotate(**counts)
            .order_by()
        )
        out = []
        for r in found:
            for alias, name in zip(aliases, group, strict=True):
                r[name] = r.pop(alias)
            if self.months is not None:
                r["_seg"] = self.months.get(r["_seg"])
            out.append(r)
        return out

    def segments_of(self, period: Period) -> set[int]:
        return {
            i
            for i, (start, end) in enumerate(self.segments)
            if period.start <= start and end <= period.end
        }

    def total(
        self,
        rows: list[Row],
        period: Period,
        measure: str,
        where: Callable[[Row], bool] | None = None,
    ) -> int:
        """The sum of ``measure`` over the rows of ``period``'s segments (matching ``where``)."""
        by_segment = self._index.get(id(rows))
        if by_segment is None or by_segment[0] is not rows:
            grouped: dict[int, list[Row]] = {}
            for r in rows:
                grouped.setdefault(r["_seg"], []).append(r)
            by_segment = (rows, grouped)
            self._index[id(rows)] = by_segment
        return sum(
            r[measure]
            for i in self.segments_of(period)
            for r in by_segment[1].get(i, ())
            if where is None or where(r)
        )
