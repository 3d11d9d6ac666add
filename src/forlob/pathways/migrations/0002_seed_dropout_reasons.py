"""Seed dropout reasons with KL Gateway Rehab's §140 cancellation types (a managed list)."""

from django.db import migrations

REASONS = [
    ("no_need_citizen", "Intet behov – vurderet af borgeren"),
    ("no_need_professional", "Intet behov – fagligt vurderet"),
    ("opt_out_general", "Aktivt fravalg – generelt"),
    ("opt_out_other_illness", "Aktivt fravalg – anden sygdom"),
    ("opt_out_transport_cost", "Aktivt fravalg – transportudgifter"),
    ("opt_out_transport_logistics", "Aktivt fravalg – transportlogistik"),
    ("opt_out_other_training", "Aktivt fravalg – anden træning"),
    ("event_ends_pathway", "Hændelse afslutter forløbet"),
    ("no_contact_or_no_show", "Borgeren har ikke taget kontakt eller er udeblevet"),
]


def seed(apps, schema_editor):
    DropoutReason = apps.get_model("pathways", "DropoutReason")
    for order, (code, name) in enumerate(REASONS):
        DropoutReason.objects.update_or_create(code=code, defaults={"name": name, "ordering": order})


class Migration(migrations.Migration):
    dependencies = [("pathways", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
