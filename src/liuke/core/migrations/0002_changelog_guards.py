"""The database itself refuses UPDATE, DELETE and TRUNCATE on the change log; the chain gets its head."""

from django.db import migrations


def forwards(apps, schema_editor):
    from liuke.core.changelog import install_guards

    install_guards(schema_editor.connection)
    apps.get_model("core", "ChainHead").objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    from liuke.core.changelog import remove_guards

    remove_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
