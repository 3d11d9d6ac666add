"""The kinds of import, each one module: its columns, its row check and its write."""

from __future__ import annotations

from forlob.imports.parsing import Kind


def get_kind(key: str) -> Kind:
    """The kind for ``key`` ("referrals", "staff", "calendars"); ``KeyError`` for others."""
    return kinds()[key]


def kinds() -> dict[str, Kind]:
    from forlob.imports.kinds.calendars import CalendarsKind
    from forlob.imports.kinds.referrals import ReferralsKind
    from forlob.imports.kinds.staff import StaffKind

    return {k.key: k for k in (ReferralsKind(), StaffKind(), CalendarsKind())}
