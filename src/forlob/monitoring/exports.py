"""Excel workbooks: the click-through lists and the key-figure tables.

Written with ``forlob.core.xlsx`` (write-only mode into a temporary file, formula guard), like
every other list the app exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from django.utils.translation import gettext as _

from forlob.core.xlsx import Sheet, new_workbook
from forlob.monitoring.charts import month_label
from forlob.monitoring.drilldown import DrillRow
from forlob.monitoring.filters import Filters
from forlob.monitoring.kpis import Unit
from forlob.monitoring.presentation import Tile


def list_header(named: bool) -> list[str]:
    who = [_("Citizen"), _("CPR number")] if named else []
    return [
        *who,
        _("Pseudonym"),
        _("Age band"),
        _("Sex"),
        _("Type"),
        _("Level / area"),
        _("Team"),
        _("Responsible"),
        _("Received"),
        _("Discharged"),
        _("Offer deadline"),
        _("First time offered"),
        _("Offered within deadline"),
        _("Status"),
        _("Started"),
        _("Ended"),
        _("Dropout reason"),
    ]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("Yes") if value else _("No"))


def list_cells(row: DrillRow, named: bool) -> list[object]:
    who = [row.name, row.cpr_masked] if named else []  # masked: never the full CPR number
    return [
        *who,
        row.pseudonym,
        row.age_band,
        row.sex,
        row.type_name,
        row.subtype,
        row.team,
        row.responsible,
        row.received,
        row.discharged,
        row.deadline,
        row.first_offered,
        _yes_no(row.within_deadline),
        row.status,
        row.started,
        row.ended,
        row.dropout_reason,
    ]


def write_list(
    rows: Iterable[DrillRow], *, title: str, filters: Filters, named: bool, out: IO[bytes]
) -> int:
    """The click-through list as a workbook; returns the number of rows written."""
    workbook = new_workbook()
    sheet = Sheet(workbook, _("Pathways"), (24, 14, 12, 10, 8, 30, 24, 20, 20) if named else ())
    sheet.row([title])
    sheet.row([", ".join(filters.describe())])
    sheet.blank()
    sheet.header(list_header(named))
    count = 0
    for row in rows:
        sheet.row(list_cells(row, named))
        count += 1
    workbook.save(out)
    return count


def write_kpis(tiles: list[Tile], *, filters: Filters, out: IO[bytes]) -> None:
    """Every KPI on one sheet, then a sheet per KPI with its monthly series and breakdowns."""
    workbook = new_workbook()
    summary = Sheet(workbook, _("Key figures"), (40, 12, 12, 12, 12, 12, 12, 80))
    summary.row([_("Key figures") + " – " + ", ".join(filters.describe())])
    summary.blank()
    summary.header(
        [
            _("Key figure"),
            _("Value"),
            _("Target"),
            _("Previous period"),
            _("Numerator"),
            _("Denominator"),
            _("Target met"),
            _("Definition"),
        ]
    )
    for t in tiles:
        r, percent = t.result, t.kpi.unit == Unit.PERCENT
        summary.row(
            [
                str(t.kpi.label),
                r.value,
                r.target,
                r.previous,
                r.numerator,
                r.denominator,
                {"met": _("Yes"), "missed": _("No")}.get(t.status, ""),
                t.kpi.definition_text,
            ],
            percent_columns=(1, 2, 3) if percent else (),
        )
    for t in tiles:
        r, percent = t.result, t.kpi.unit == Unit.PERCENT
        sheet = Sheet(workbook, str(t.kpi.label), (28, 14, 14, 14, 14))
        sheet.row([str(t.kpi.label)])
        sheet.row([t.kpi.definition_text])
        sheet.blank()
        sheet.header([_("Month"), _("Value"), _("Numerator"), _("Denominator"), _("Comparison")])
        for p in r.series:
            sheet.row(
                [month_label(p.month), p.value, p.numerator, p.denominator, p.reference],
                percent_columns=(1, 4) if percent else (),
            )
        for table in r.tables:
            sheet.blank()
            sheet.row([table.title])
            sheet.header(
                [
                    "",
                    table.value_header or _("Value"),
                    table.numerator_header,
                    table.denominator_header,
                    *table.extra_headers,
                ]
            )
            for row in table.rows:
                sheet.row(
                    [row.label, row.value, row.numerator, row.denominator, *row.extra],
                    percent_columns=(1,) if percent else (),
                )
    workbook.save(out)
