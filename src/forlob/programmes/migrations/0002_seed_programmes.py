"""Seed the programme templates (managed data: an administrator may edit them later).

Session plans after the municipal practice the domain describes: the chronic-disease classes run
8 weeks with training twice a week (Monday and Thursday when the class starts on a Monday) and
patient education, with an individual start and end talk; GAIN runs 8 weeks with 3 group sessions
of 2 hours in person and 5 individual talks of 30 minutes (in person, phone or video), led by a
neuropsychologist with a physiotherapist and an occupational therapist.
"""

from django.db import migrations

PHYSIO, OT, NURSE, NEURO = "physiotherapist", "occupational_therapist", "nurse", "neuropsychologist"
TWICE_WEEKLY = [d for week in range(8) for d in (7 * week, 7 * week + 3)]  # 16 days


def group(title, count, minutes, professions, *, days=None, weeks=None):
    return {
        "title": title,
        "kind": "group",
        "count": count,
        "duration_minutes": minutes,
        "modes": ["in_person"],
        "unit": "day" if days is not None else "week",
        "offsets": days if days is not None else weeks,
        "professions": professions,
    }


def talk(title, count, minutes, professions, weeks, modes=("in_person",)):
    return {
        "title": title,
        "kind": "individual",
        "count": count,
        "duration_minutes": minutes,
        "modes": list(modes),
        "unit": "week",
        "offsets": weeks,
        "professions": professions,
    }


PROGRAMMES = [
    {
        "code": "kol",
        "name": "KOL-hold",
        "description": "Rehabilitering for borgere med KOL: fysisk træning to gange om ugen i 8 uger "
        "og patientundervisning om sygdommen, medicin, åndedrætsteknik og ernæring.",
        "types": ["chronic"],
        "disease": "copd",
        "lead": PHYSIO,
        "weeks": 8,
        "capacity": 12,
        "flag_after": 3,
        "definitions": [
            group("Fysisk træning", 16, 60, [PHYSIO], days=TWICE_WEEKLY),
            group("Patientundervisning", 4, 60, [NURSE], weeks=[0, 2, 4, 6]),
            talk("Startsamtale", 1, 45, [PHYSIO, NURSE], [0]),
            talk("Afslutningssamtale", 1, 45, [PHYSIO, NURSE], [8], ("in_person", "phone")),
        ],
    },
    {
        "code": "kraeft",
        "name": "Kræftrehabilitering",
        "description": "Holdtræning to gange om ugen i 8 uger for borgere under eller efter "
        "kræftbehandling og en samtalegruppe om træthed, hverdagsliv og at vende tilbage til "
        "arbejdet.",
        "types": ["chronic"],
        "disease": "cancer",
        "lead": PHYSIO,
        "weeks": 8,
        "capacity": 12,
        "flag_after": 3,
        "definitions": [
            group("Fysisk træning", 16, 90, [PHYSIO], days=TWICE_WEEKLY),
            group("Samtalegruppe: livet med kræft", 4, 90, [NURSE], weeks=[1, 3, 5, 7]),
            talk("Startsamtale", 1, 45, [PHYSIO, NURSE], [0]),
            talk("Afslutningssamtale", 1, 45, [PHYSIO, NURSE], [8], ("in_person", "phone")),
        ],
    },
    {
        "code": "hjerte",
        "name": "Hjerte",
        "description": "Hjerterehabilitering: konditions- og styrketræning to gange om ugen i 8 "
        "uger og hjerteskole om risikofaktorer, medicin, kost og reaktioner på sygdommen.",
        "types": ["chronic"],
        "disease": "cardiovascular",
        "lead": PHYSIO,
        "weeks": 8,
        "capacity": 12,
        "flag_after": 3,
        "definitions": [
            group("Fysisk træning", 16, 60, [PHYSIO], days=TWICE_WEEKLY),
            group("Hjerteskole", 4, 90, [NURSE], weeks=[0, 2, 4, 6]),
            talk("Startsamtale", 1, 45, [PHYSIO, NURSE], [0]),
            talk("Afslutningssamtale", 1, 45, [PHYSIO, NURSE], [8], ("in_person", "phone")),
        ],
    },
    {
        "code": "diabetes",
        "name": "Diabetes",
        "description": "Diabetesskole for borgere med type 2-diabetes: 6 undervisningsgange om "
        "sygdommen, kost, medicin og fodpleje, og fysisk træning en gang om ugen i 8 uger.",
        "types": ["chronic"],
        "disease": "diabetes",
        "lead": NURSE,
        "weeks": 8,
        "capacity": 12,
        "flag_after": 2,
        "definitions": [
            group("Diabetesskole", 6, 120, [NURSE], weeks=[0, 1, 2, 3, 4, 5]),
            group("Fysisk træning", 8, 60, [PHYSIO], weeks=[0, 1, 2, 3, 4, 5, 6, 7]),
            talk("Startsamtale", 1, 45, [NURSE], [0], ("in_person", "phone")),
            talk("Afslutningssamtale", 1, 45, [NURSE], [8], ("in_person", "phone")),
        ],
    },
    {
        "code": "laenderyg",
        "name": "Lænderyg",
        "description": "Træning for borgere med lændesmerter to gange om ugen i 8 uger og rygskole "
        "om smerter, bevægelse og arbejdsstillinger.",
        "types": ["chronic"],
        "disease": "low_back",
        "lead": PHYSIO,
        "weeks": 8,
        "capacity": 12,
        "flag_after": 3,
        "definitions": [
            group("Træning", 16, 60, [PHYSIO], days=TWICE_WEEKLY),
            group("Rygskole", 2, 90, [PHYSIO], weeks=[0, 4]),
            talk("Startsamtale", 1, 30, [PHYSIO], [0], ("in_person", "phone")),
        ],
    },
    {
        "code": "gain",
        "name": "GAIN hjernerystelse",
        "description": "GAIN-forløb for borgere med vedvarende symptomer efter hjernerystelse: 8 "
        "uger med 3 gruppeforløb af 2 timer og 5 individuelle samtaler af 30 minutter (fremmøde, "
        "telefon eller video), ledet af en neuropsykolog sammen med en fysioterapeut og en "
        "ergoterapeut.",
        "types": ["concussion"],
        "disease": "",
        "lead": NEURO,
        "weeks": 8,
        "capacity": 8,
        "flag_after": 2,
        "definitions": [
            group("Gruppeforløb", 3, 120, [NEURO, PHYSIO, OT], weeks=[0, 3, 7]),
            talk(
                "Individuel samtale",
                5,
                30,
                [NEURO, PHYSIO, OT],
                [1, 2, 4, 5, 6],
                ("in_person", "phone", "video"),
            ),
        ],
    },
]


def seed(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    SessionDefinition = apps.get_model("programmes", "SessionDefinition")
    ReferralType = apps.get_model("referrals", "ReferralType")
    for order, spec in enumerate(PROGRAMMES):
        programme, created = Programme.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "chronic_disease": spec["disease"],
                "lead_profession": spec["lead"],
                "duration_weeks": spec["weeks"],
                "default_capacity": spec["capacity"],
                "completion_min_percent": 75,
                "flag_after_missed": spec["flag_after"],
                "ordering": order,
            },
        )
        if not created:
            continue  # managed data: never overwrite what an administrator changed
        programme.referral_types.set(ReferralType.objects.filter(code__in=spec["types"]))
        SessionDefinition.objects.bulk_create(
            SessionDefinition(programme=programme, order=i, **definition)
            for i, definition in enumerate(spec["definitions"])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("referrals", "0002_seed_referral_types"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
