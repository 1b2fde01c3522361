"""Drop the single-column index on ChangeLogEntry.content_type: core_changelog_object_idx starts with
the same column, and the extra index only misled SQLite's planner (docs/BENCHMARKS.md).

Done as a plain DROP INDEX: letting Django alter the field would rebuild the whole append-only table on
SQLite (and with it drop its guard triggers)."""

import django.db.models.deletion
from django.db import migrations, models


def drop_content_type_index(apps, schema_editor):
    conn = schema_editor.connection
    table = "core_changelogentry"
    with conn.cursor() as cursor:
        constraints = conn.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["index"] and not info["primary_key"] and info["columns"] == ["content_type_id"]:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def add_content_type_index(apps, schema_editor):
    schema_editor.execute("CREATE INDEX core_changelogentry_content_type_id ON core_changelogentry (content_type_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_exportlog"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="changelogentry",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_content_type_index, add_content_type_index)],
        ),
    ]
