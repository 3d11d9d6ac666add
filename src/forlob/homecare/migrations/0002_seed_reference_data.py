"""Seed the managed lists of everyday rehabilitation: inclusion/exclusion criteria and services.

Both are data an administrator may change in the admin; the codes of the criteria are stable.
"""

from django.db import migrations

CRITERIA = [
    # code, name, kind, needs text
    ("new_to_homecare", "Ny borger i hjemmeplejen", "inclusion", False),
    ("recently_discharged", "Nyligt udskrevet fra sygehus", "inclusion", False),
    ("motivated", "Motiveret for at træne hverdagens aktiviteter", "inclusion", False),
    ("dementia", "Demens", "exclusion", False),
    ("terminal", "Terminal", "exclusion", False),
    ("not_cooperating", "Ikke samarbejdsvillig", "exclusion", False),
    ("substance_abuse", "Misbrug", "exclusion", False),
    ("quality_of_life_only", "Kan kun opnå øget livskvalitet", "exclusion", False),
    ("other", "Andet", "exclusion", True),
]

SERVICES = [
    # name, area
    ("Personlig hygiejne og bad", "personal_care"),
    ("Af- og påklædning", "personal_care"),
    ("Toiletbesøg", "personal_care"),
    ("Hjælp til måltider", "personal_care"),
    ("Forflytning", "personal_care"),
    ("Rengøring", "practical_help"),
    ("Tøjvask", "practical_help"),
    ("Indkøb", "practical_help"),
    ("Tilberedning af mad", "practical_help"),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("homecare", "Criterion")
    HomecareService = apps.get_model("homecare", "HomecareService")
    for order, (code, name, kind, needs_text) in enumerate(CRITERIA):
        Criterion.objects.update_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "needs_text": needs_text, "ordering": order},
        )
    for order, (name, area) in enumerate(SERVICES):
        HomecareService.objects.update_or_create(
            name=name, defaults={"area": area, "ordering": order}
        )


class Migration(migrations.Migration):
    dependencies = [("homecare", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
