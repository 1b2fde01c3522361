"""PostgreSQL: a trigram index so that LIKE '%...%' search on 200,000 customers uses an index (Chinese
characters included). Everywhere: compute the stored 双线联系 state of existing customers."""

import logging

from django.db import migrations

log = logging.getLogger(__name__)


def trigram_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cur:
            cur.execute("SAVEPOINT liuke_trgm")
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cur.execute(
                "CREATE INDEX IF NOT EXISTS cust_search_trgm_idx ON customers_customer "
                "USING gin (search_text gin_trgm_ops)"
            )
            cur.execute("RELEASE SAVEPOINT liuke_trgm")
    except Exception as exc:  # the role may not be allowed to create extensions
        with connection.cursor() as cur:
            cur.execute("ROLLBACK TO SAVEPOINT liuke_trgm")
        log.warning("pg_trgm unavailable (%s): customer search will scan instead of using an index", exc)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            cur.execute("DROP INDEX IF EXISTS cust_search_trgm_idx")


def compute_coverage(apps, schema_editor):
    from liuke.customers.services import coverage_refresh

    coverage_refresh()


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_stored_coverage")]
    operations = [
        migrations.RunPython(trigram_index, drop_trigram_index),
        migrations.RunPython(compute_coverage, migrations.RunPython.noop),
    ]
