"""A date archive field can be marked as a licence's or certificate's expiry date; the pharma template marks its
licence dates, and an admin sets the mark on the field's edit page (dates only)."""

import json
import re

import pytest

from liuke.core import changelog
from liuke.customers import services
from liuke.customers.models import FieldDefinition

pytestmark = pytest.mark.django_db

LICENCE_FIELDS = {"drug_trading_license_expiry", "gsp_certificate_expiry"}


def test_the_pharma_template_marks_its_licence_dates_and_nothing_else(world):
    marked = set(FieldDefinition.objects.filter(is_expiry=True).values_list("key", flat=True))
    assert marked == LICENCE_FIELDS
    assert set(FieldDefinition.objects.filter(key__in=marked).values_list("type", flat=True)) == {"date"}
    # Other dates (the next tender, the last committee meeting) are no expiry.
    assert FieldDefinition.objects.filter(type="date", is_expiry=False).exists()


def test_a_template_file_sets_the_mark_on_the_fields_it_loads(world, tmp_path):
    template = {
        "version": 1,
        "groups": [{"key": "permits", "label_zh": "证照", "label_en": "Permits"}],
        "fields": [
            {"key": "food_permit_expiry", "label_zh": "食品经营许可证有效期至", "label_en": "Food permit expiry",
             "group": "permits", "type": "date", "is_expiry": True},
            {"key": "opened_on", "label_zh": "开业日期", "label_en": "Opened on", "group": "permits", "type": "date"},
        ],
    }  # fmt: skip
    path = tmp_path / "fields.json"
    path.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
    assert services.field_template_load(path=path) == 2
    assert FieldDefinition.objects.get(key="food_permit_expiry").is_expiry
    assert not FieldDefinition.objects.get(key="opened_on").is_expiry


def test_admin_marks_a_date_field_as_an_expiry_date_on_its_edit_page(world, login):
    client = login(world.admin)
    defn = FieldDefinition.objects.get(key="next_tender_date")
    page = client.get(f"/customers/fields/{defn.pk}/").content.decode()
    assert 'name="is_expiry"' in page
    post = {
        "label_zh": defn.label_zh,
        "label_en": defn.label_en,
        "group": defn.group_id,
        "type": defn.type,
        "weight": defn.weight,
        "is_expiry": "on",
    }
    response = client.post(f"/customers/fields/{defn.pk}/", post)
    assert response.status_code == 302
    defn.refresh_from_db()
    assert defn.is_expiry
    assert changelog.entries_for(defn)[0].after.get("is_expiry") is True  # the change is in the history
    listing = client.get("/customers/fields/").content.decode()
    row = re.search(r'<tr id="field-next_tender_date">.*?</tr>', listing, re.S).group(0)
    assert "证照到期日" in row  # the list shows the mark


def test_only_a_date_field_can_be_an_expiry_date(world, login):
    client = login(world.admin)
    defn = FieldDefinition.objects.get(key="drug_trading_license_no")  # text
    post = {"label_zh": defn.label_zh, "label_en": defn.label_en, "group": defn.group_id, "type": "text",
            "weight": defn.weight, "is_expiry": "on"}  # fmt: skip
    response = client.post(f"/customers/fields/{defn.pk}/", post)
    assert response.status_code == 400
    assert "只有日期字段才能设为证照到期日" in response.content.decode()
    defn.refresh_from_db()
    assert not defn.is_expiry
