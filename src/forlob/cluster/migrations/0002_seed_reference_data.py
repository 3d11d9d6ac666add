"""Seed the preventable-diagnosis list and the audit's improvement themes (managed lists).

Preventable admissions (forebyggelige indlæggelser): the diagnosis groups of Sundhedsstyrelsen's
national indicator for elderly medical patients (eSundhed.dk, "Forebyggelige indlæggelser"):
dehydration, constipation, lower respiratory infection, urinary tract infection,
gastroenteritis, fractures, social and illness-related nutritional deficiency, anaemia and
pressure ulcers. The SKS/ICD-10 prefixes below are a plausible reading of that definition, not a
copy of it: check them against the current indicator before the figures are used officially.

Improvement themes: the five themes the cluster's cross-sector audit of March 2021 found
(seeds/002), plus information across sectors, which the steering group named as well.
"""

from django.db import migrations

GROUPS = [
    ("dehydration", "Dehydrering", "DE86"),
    ("constipation", "Forstoppelse", "DK590"),
    (
        "lower_respiratory_infection",
        "Nedre luftvejsinfektion",
        "DJ12, DJ13, DJ14, DJ15, DJ16, DJ18, DJ20, DJ21, DJ22",
    ),
    ("urinary_tract_infection", "Urinvejsinfektion", "DN10, DN30, DN390"),
    ("gastroenteritis", "Gastroenteritis", "DA0, DK529"),
    ("fractures", "Brud", "DS12, DS22, DS32, DS42, DS52, DS62, DS72, DS82, DS92, DT08"),
    (
        "nutritional_deficiency",
        "Social og sygdomsbetinget ernæringsmangel",
        "DE40, DE41, DE42, DE43, DE44, DE45, DE46, DE63, DE64, DR634, DR636",
    ),
    ("anaemia", "Anæmi", "DD50, DD51, DD52, DD53, DD64"),
    ("pressure_ulcers", "Tryksår", "DL89"),
]

THEMES = [
    ("copd_treatment_plan", "Behandlingsplan til patienter med KOL"),
    ("follow_up_home_visits", "Opfølgende hjemmebesøg"),
    ("end_of_life", "Livets afslutning"),
    ("alcohol_early_detection", "Tidlig opsporing og indsats ved alkoholproblemer"),
    ("competence_and_knowledge", "Kompetenceudvikling og videndeling på tværs"),
    ("information_across_sectors", "Information og kommunikation på tværs af sektorer"),
]


def seed(apps, schema_editor):
    Group = apps.get_model("cluster", "PreventableDiagnosisGroup")
    for order, (code, name, codes) in enumerate(GROUPS):
        Group.objects.update_or_create(
            code=code, defaults={"name": name, "icd10_codes": codes, "ordering": order}
        )
    Theme = apps.get_model("cluster", "ImprovementTheme")
    for order, (code, name) in enumerate(THEMES):
        Theme.objects.update_or_create(code=code, defaults={"name": name, "ordering": order})


class Migration(migrations.Migration):
    dependencies = [("cluster", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
