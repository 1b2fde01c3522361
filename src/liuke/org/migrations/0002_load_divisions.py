"""Load the GB/T 2260 division table shipped with liuke (org/data/divisions.csv)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from liuke.org.divisions import divisions_load

    divisions_load(division_model=apps.get_model("org", "Division"))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
