"""The preventable-admission list: the seeded groups are the documented ones, and a diagnosis
lands in the group the definition puts it in (cluster/diagnoses.py names the sources)."""

from __future__ import annotations

import pytest

from forlob.cluster.diagnoses import PREVENTABLE_GROUPS, classify
from forlob.cluster.models import PreventableDiagnosisGroup


@pytest.fixture
def groups(db):
    return list(PreventableDiagnosisGroup.objects.all())


def test_the_database_holds_the_documented_list(groups):
    seeded = [(g.code, g.name, tuple(g.prefixes)) for g in groups]  # in the list's order
    assert seeded == [(d.code, d.name, d.prefixes) for d in PREVENTABLE_GROUPS]
    assert all(g.is_active for g in groups)


@pytest.mark.parametrize(
    "code,group",
    [
        # the groups of the national indicator "forebyggelige indlæggelser" (65+)
        ("DE869", "dehydration"),
        ("E86", "dehydration"),
        ("K59.0", "constipation"),
        ("DJ189", "lower_respiratory_infection"),
        ("J15.9", "lower_respiratory_infection"),
        ("DJ22", "lower_respiratory_infection"),
        ("N39.0", "urinary_tract_infection"),
        ("DN300", "urinary_tract_infection"),
        ("DN109", "urinary_tract_infection"),
        ("A09.9", "gastroenteritis"),
        ("DA049", "gastroenteritis"),
        ("DK529", "gastroenteritis"),
        ("S72.0", "fractures"),  # hip
        ("DS525", "fractures"),  # wrist (Colles)
        ("DS024", "fractures"),  # face
        ("DT142", "fractures"),  # fracture, region not given
        ("DE43", "nutritional_deficiency"),
        ("DR636", "nutritional_deficiency"),
        ("D50.9", "anaemia"),
        ("DD519", "anaemia"),
        ("DL891", "pressure_ulcers"),
        ("Z74.1", "social_and_care"),
        ("DZ590", "social_and_care"),
        # not preventable by the definition
        ("DK591", None),  # functional diarrhoea is not constipation
        ("DN394", None),  # incontinence is not a urinary tract infection
        ("DJ441", None),  # COPD with exacerbation: not in the groups
        ("DD649", None),  # anaemia, unspecified: not nutritional
        ("DS060", None),  # concussion: an injury, not a fracture
        ("DT140", None),  # superficial injury
        ("DI219", None),  # myocardial infarction
        ("DZ038", None),  # observation for suspected disease
        ("", None),
    ],
)
def test_a_diagnosis_lands_in_its_documented_group(groups, code, group):
    found = classify(code, "", groups)
    assert (found.code if found else None) == group


def test_every_documented_prefix_classifies_to_its_own_group(groups):
    for definition in PREVENTABLE_GROUPS:
        for prefix in definition.prefixes:
            assert classify(prefix + "9", "", groups).code == definition.code, prefix


def test_a_group_named_in_the_file_counts_too(groups):
    assert classify("", "Sociale og plejemæssige forhold", groups).code == "social_and_care"
    assert classify("", "ernæringsbetinget anæmi", groups).code == "anaemia"
