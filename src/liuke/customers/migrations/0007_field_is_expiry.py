from django.db import migrations, models

# The shipped template's licence and certificate expiry dates (data/pharma_fields.json marks them too).
TEMPLATE_EXPIRY_FIELDS = ("drug_trading_license_expiry", "gsp_certificate_expiry")


def mark_template_expiry_fields(apps, schema_editor):
    """Installations that loaded the template before the flag existed: its licence dates are expiry dates
    (the new column's starting value, like a default; nothing an admin set is changed)."""
    FieldDefinition = apps.get_model("customers", "FieldDefinition")
    FieldDefinition.objects.filter(key__in=TEMPLATE_EXPIRY_FIELDS, type="date").update(is_expiry=True)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_last_contact"),
    ]

    operations = [
        migrations.AddField(
            model_name="fielddefinition",
            name="is_expiry",
            field=models.BooleanField(default=False, verbose_name="licence expiry date"),
        ),
        migrations.RunPython(mark_template_expiry_fields, migrations.RunPython.noop),
    ]
