"""Admins see archive field definitions as they set them: ticked kinds, kinds by their labels."""

import re

import pytest

from liuke.customers.forms import FieldDefinitionForm
from liuke.customers.models import FieldDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition(world):
    """One of the shipped archive fields, required for hospitals and pharmacies."""
    defn = FieldDefinition.objects.filter(archived_at__isnull=True).order_by("pk").first()
    defn.required_for = ["hospital", "pharmacy"]
    defn.save()
    return defn


def _checkbox(html, value):
    return re.search(rf'<input type="checkbox" name="required_for" value="{value}"[^>]*>', html).group(0)


def test_required_kinds_show_as_ticked_checkboxes(definition):
    html = str(FieldDefinitionForm(instance=definition)["required_for"])
    for kind in ("hospital", "pharmacy"):
        box = _checkbox(html, kind)
        assert " checked" in box
        assert 'class="form-check-input"' in box  # Bootstrap's form-control class hid the tick
    assert " checked" not in _checkbox(html, "clinic")
    assert "form-check-label" in html


def test_required_kinds_stay_ticked_on_the_edit_page(world, definition, login):
    page = login(world.admin).get(f"/customers/fields/{definition.pk}/").content.decode()
    box = _checkbox(page, "hospital")
    assert " checked" in box
    assert "form-control" not in box


def test_field_list_names_required_kinds_by_their_labels(world, definition, login):
    client = login(world.admin)
    page = client.get("/customers/fields/").content.decode()
    assert "医院、药店" in page
    assert "hospital, pharmacy" not in page
    client.cookies["django_language"] = "en"
    assert "Hospital, Pharmacy" in client.get("/customers/fields/").content.decode()
