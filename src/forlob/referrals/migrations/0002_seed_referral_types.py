"""Seed the referral types with their legal basis (data an administrator may edit later)."""

from django.db import migrations

TYPES = [
    # code, name, legal basis, target days, counted from, first appointment minutes
    ("gop", "Genoptræning efter udskrivelse (genoptræningsplan)", "Sundhedsloven § 140", 7, "discharge", 60),
    ("free_physio", "Vederlagsfri fysioterapi", "Sundhedsloven § 140 a", None, "received", 60),
    ("chronic", "Forløbsprogram for kronisk sygdom", "Sundhedsloven § 119", None, "received", 60),
    ("coordination", "Forløbskoordination", "Kommunal forløbskoordination (sundhedsaftalen)", None, "received", 45),
    ("resource", "Ressourceforløb (helbredsrelaterede aktiviteter)", "Lov om en aktiv beskæftigelsesindsats, kap. 2 a", None, "received", 60),
    ("concussion", "Hjernerystelsesforløb (GAIN)", "Forskningsprojekt (GAIN)", None, "received", 30),
    ("everyday_rehab", "Hverdagsrehabilitering", "Serviceloven § 83 a", None, "received", 60),
]


def seed(apps, schema_editor):
    ReferralType = apps.get_model("referrals", "ReferralType")
    for order, (code, name, basis, days, basis_from, minutes) in enumerate(TYPES):
        ReferralType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "legal_basis": basis,
                "target_days": days,
                "deadline_from": basis_from,
                "first_appointment_minutes": minutes,
                "ordering": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
