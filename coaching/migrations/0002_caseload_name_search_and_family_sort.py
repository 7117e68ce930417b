"""The caseload's name keys (issue 11): search ignores accents and case, "Name" sorts by family
name (walkback/accounts/names.py). Existing rows get their keys here rather than waiting for
their next refresh."""

from django.db import migrations, models

from coaching.status import name_keys_fill


def keys_fill(apps, schema_editor):
    name_keys_fill(apps.get_model("coaching", "CaseloadRow"))


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseloadrow",
            name="search_name",
            field=models.TextField(default=""),
        ),
        migrations.AlterField(
            model_name="caseloadrow",
            name="sort_name",
            field=models.CharField(max_length=300),
        ),
        migrations.RunPython(keys_fill, migrations.RunPython.noop),
    ]
