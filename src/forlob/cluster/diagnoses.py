"""Diagnosis codes and the preventable-admission list: one rule, used by the import and admin."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forlob.cluster.models import PreventableDiagnosisGroup

_ICD_WITHOUT_SKS_PREFIX = re.compile(r"^[A-Z]\d")


def normalise_code(code: str) -> str:
    """A diagnosis code as SKS writes it: upper case, no dots or spaces, leading ``D``.

    ``J18.9``, ``j189`` and ``DJ189`` all become ``DJ189`` (SKS puts a ``D`` before the ICD-10
    code); ``D50.9`` (an ICD-10 code in chapter D) becomes ``DD509``.
    """
    code = re.sub(r"[\s.]", "", code or "").upper()
    if _ICD_WITHOUT_SKS_PREFIX.match(code):
        code = "D" + code
    return code


def classify(
    diagnosis_code: str, diagnosis_group: str, groups: Iterable[PreventableDiagnosisGroup]
) -> PreventableDiagnosisGroup | None:
    """The preventable group a diagnosis belongs to, or None.

    By code first (the longest matching prefix of an active group wins), else by the group text
    in the file when it names a group by its code or name (case does not matter).
    """
    groups = [g for g in groups if g.is_active]
    code = normalise_code(diagnosis_code)
    if code:
        best: tuple[int, PreventableDiagnosisGroup] | None = None
        for group in groups:
            for prefix in group.prefixes:
                if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), group)
        if best is not None:
            return best[1]
    text = (diagnosis_group or "").strip().casefold()
    if text:
        for group in groups:
            if text in (group.code.casefold(), group.name.casefold()):
                return group
    return None
