"""Seed the two shared questionnaires (borgertilfredshed, sundhedskompetence), published as v1.

Idempotent: a questionnaire whose shared code exists is left alone (published versions never
change; a changed text is a new version made in the builder).
"""

from django.db import migrations
from django.utils import timezone

from forlob.questionnaires.shipped import QUESTIONNAIRES


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    Version = apps.get_model("questionnaires", "QuestionnaireVersion")
    Question = apps.get_model("questionnaires", "Question")
    Option = apps.get_model("questionnaires", "Option")
    now = timezone.now()
    for spec in QUESTIONNAIRES:
        if Questionnaire.objects.filter(municipality__isnull=True, code=spec["code"]).exists():
            continue
        questionnaire = Questionnaire.objects.create(
            municipality=None, code=spec["code"], name=spec["name"], purpose=spec["purpose"]
        )
        version = Version.objects.create(
            questionnaire=questionnaire,
            number=1,
            status="published",
            intro=spec["intro"],
            created_at=now,
            published_at=now,
        )
        for order, q in enumerate(spec["questions"], start=1):
            question = Question.objects.create(
                version=version,
                order=order,
                kind=q["kind"],
                text=q["text"],
                help_text=q.get("help_text", ""),
                required=q.get("required", True),
                domain=q.get("domain", ""),
                scale_min=q.get("scale_min"),
                scale_max=q.get("scale_max"),
                scale_min_label=q.get("scale_min_label", ""),
                scale_max_label=q.get("scale_max_label", ""),
                positive_from=q.get("positive_from"),
            )
            for i, (label, value, positive) in enumerate(q.get("options", [])):
                Option.objects.create(
                    question=question, order=i, label=label, value=value, is_positive=positive
                )


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
