"""Diagnosis codes and the preventable-admission list: one rule, used by the import and admin.

The preventable list
--------------------
"Forebyggelige indlæggelser" is the national indicator of admissions of people aged 65+ that
better care outside hospital could often have prevented. It is defined by the action diagnosis
(aktionsdiagnose) of an acute somatic admission falling in one of a fixed set of diagnosis
groups, and published per municipality by Sundhedsdatastyrelsen on eSundhed.dk ("Forebyggelige
indlæggelser blandt ældre"); the regions and the health clusters use the same definition.

``PREVENTABLE_GROUPS`` below is what the database is seeded with (migrations 0002 and 0003; an
administrator may change the list afterwards, and saving it reclassifies every event). The group
names follow the published indicator. Sources consulted (May 2026):

* Dansk Industri, "Mange indlæggelser kunne være undgået" (June 2024), built on "the definition
  of preventable admissions as described on eSundhed.dk" (Sundhedsdatastyrelsen), names the
  groups "sociale og plejemæssige forhold", gastroenteritis, tryksår, forstoppelse and
  "ernæringsbestemt anæmi" among them:
  https://danskindustri.dk/arkiv/analyser/2024/6/mange-indlaggelser-kunne-vare-undgaet
* Danske Regioner via Kristeligt Dagblad (March 2023): 66,000 preventable admissions in 2022
  "for blandt andet blærebetændelse, dehydrering og forstoppelse":
  https://www.kristeligt-dagblad.dk/danmark/forebyggelige-indlaeggelser-kostede-over-milliarder-sidste-aar

The code table itself (eSundhed's indicator documentation) could not be retrieved while this was
written, so the SKS prefixes are our reading of the groups in ICD-10 terms: each group's
codes are the ICD-10 categories that name that condition, nothing broader. What changed against
the first seed (migration 0003): anaemia is the *nutritional* anaemias only (D50–D53, not D64
"other anaemias"), fractures are every ICD-10 fracture code (also the skull/face S02 and the
"several/unspecified region" codes T02, T10, T12, T14.2), and the group "sociale og
plejemæssige forhold" (Z59 housing/economy, Z60 social environment, Z74 dependence on care, Z75
the care system) was missing. Check the table against eSundhed before official reporting; the
test tests/cluster/test_preventable_list.py pins this list, so a change is deliberate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class GroupDefinition:
    """One group of the preventable list: its code, Danish name and SKS code prefixes."""

    code: str
    name: str
    prefixes: tuple[str, ...]

    @property
    def codes_text(self) -> str:
        """The prefixes as the administration edits them ("DE86, DK590")."""
        return ", ".join(self.prefixes)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The preventable-admission groups (see the module docstring for the definition and sources).
PREVENTABLE_GROUPS: tuple[GroupDefinition, ...] = (
    GroupDefinition("dehydration", "Dehydrering", ("DE86",)),
    GroupDefinition("constipation", "Forstoppelse", ("DK590",)),
    GroupDefinition(
        "lower_respiratory_infection",
        "Nedre luftvejsinfektion",
        ("DJ12", "DJ13", "DJ14", "DJ15", "DJ16", "DJ18", "DJ20", "DJ21", "DJ22"),
    ),
    GroupDefinition("urinary_tract_infection", "Urinvejsinfektion", ("DN10", "DN30", "DN390")),
    GroupDefinition("gastroenteritis", "Gastroenteritis", ("DA0", "DK529")),
    GroupDefinition(
        "fractures",
        "Brud",
        _codes("DS02 DS12 DS22 DS32 DS42 DS52 DS62 DS72 DS82 DS92 DT02 DT08 DT10 DT12 DT142"),
    ),
    GroupDefinition(
        "nutritional_deficiency",
        "Social og sygdomsbetinget ernæringsmangel",
        ("DE40", "DE41", "DE42", "DE43", "DE44", "DE45", "DE46", "DE63", "DE64", "DR634", "DR636"),
    ),
    GroupDefinition("anaemia", "Ernæringsbetinget anæmi", ("DD50", "DD51", "DD52", "DD53")),
    GroupDefinition("pressure_ulcers", "Tryksår", ("DL89",)),
    GroupDefinition(
        "social_and_care", "Sociale og plejemæssige forhold", ("DZ59", "DZ60", "DZ74", "DZ75")
    ),
)
