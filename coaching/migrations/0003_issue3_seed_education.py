"""Give every existing clinic the default education library (new clinics get it from
``coaching.education.education_library_seed``, called where clinics are created and from the
library page)."""

from django.db import migrations


def seed(apps, schema_editor):
    from coaching.education import DEFAULT_TOPICS

    Clinic = apps.get_model("accounts", "Clinic")
    EducationTopic = apps.get_model("coaching", "EducationTopic")
    for clinic in Clinic.objects.all():
        existing = set(
            EducationTopic.objects.filter(clinic=clinic).values_list("slug", flat=True)
        )
        for index, topic in enumerate(DEFAULT_TOPICS):
            if topic.slug in existing:
                continue
            EducationTopic.objects.create(
                clinic=clinic,
                slug=topic.slug,
                title=topic.title,
                summary=topic.summary,
                body=topic.body,
                position=(index + 1) * 10,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("coaching", "0002_issue3_session_rebook"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
