"""The preventable-diagnosis list, checked against the national indicator's groups.

See ``forlob.cluster.diagnoses`` (module docstring) for the definition and the sources. Against
the seed of 0002: anaemia is the nutritional anaemias only (DD50–DD53), fractures are every
ICD-10 fracture code (adds DS02, DT02, DT10, DT12, DT142), and the group "Sociale og
plejemæssige forhold" is added. A group an administrator has already changed is left as it is.
Every imported event is then classified again with the new list.
"""

from types import SimpleNamespace

from django.db import migrations

from forlob.cluster.diagnoses import classify, normalise_code

SEEDED_0002 = {
    "anaemia": "DD50, DD51, DD52, DD53, DD64",
    "fractures": "DS12, DS22, DS32, DS42, DS52, DS62, DS72, DS82, DS92, DT08",
}
CHANGED = [
    ("anaemia", "Ernæringsbetinget anæmi", "DD50, DD51, DD52, DD53"),
    (
        "fractures",
        "Brud",
        "DS02, DS12, DS22, DS32, DS42, DS52, DS62, DS72, DS82, DS92, DT02, DT08, DT10, DT12, DT142",
    ),
]
ADDED = ("social_and_care", "Sociale og plejemæssige forhold", "DZ59, DZ60, DZ74, DZ75")


def _reclassify(apps):
    Group = apps.get_model("cluster", "PreventableDiagnosisGroup")
    Event = apps.get_model("cluster", "HospitalEvent")
    groups = [
        SimpleNamespace(
            pk=g.pk,
            code=g.code,
            name=g.name,
            is_active=g.is_active,
            prefixes=[p for p in (normalise_code(c) for c in g.icd10_codes.split(",")) if p],
        )
        for g in Group.objects.all()
    ]
    changed = []
    for event in Event.objects.only(
        "pk", "diagnosis_code", "diagnosis_group", "preventable_group_id"
    ).iterator(chunk_size=2000):
        group = classify(event.diagnosis_code, event.diagnosis_group, groups)
        new_id = group.pk if group is not None else None
        if event.preventable_group_id != new_id:
            event.preventable_group_id = new_id
            changed.append(event)
    Event.objects.bulk_update(changed, ["preventable_group"], batch_size=500)


def forward(apps, schema_editor):
    Group = apps.get_model("cluster", "PreventableDiagnosisGroup")
    for code, name, codes in CHANGED:
        Group.objects.filter(code=code, icd10_codes=SEEDED_0002[code]).update(
            name=name, icd10_codes=codes
        )
    code, name, codes = ADDED
    if not Group.objects.filter(code=code).exists():
        last = Group.objects.order_by("-ordering").values_list("ordering", flat=True).first()
        Group.objects.create(code=code, name=name, icd10_codes=codes, ordering=(last or 0) + 1)
    _reclassify(apps)


def backward(apps, schema_editor):
    Group = apps.get_model("cluster", "PreventableDiagnosisGroup")
    names = {"anaemia": "Anæmi", "fractures": "Brud"}
    for code, _name, codes in CHANGED:
        Group.objects.filter(code=code, icd10_codes=codes).update(
            name=names[code], icd10_codes=SEEDED_0002[code]
        )
    Group.objects.filter(code=ADDED[0], icd10_codes=ADDED[2]).delete()
    _reclassify(apps)


class Migration(migrations.Migration):
    dependencies = [("cluster", "0002_seed_reference_data")]
    operations = [migrations.RunPython(forward, backward)]
