"""The customer archive: divisions from addresses, duplicates, conflicts, completeness, field validation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from liuke.core.changelog import change_context
from liuke.core.models import ChangeLogEntry
from liuke.customers import services
from liuke.customers.choices import DivisionMethod
from liuke.customers.completeness import breakdown, score
from liuke.customers.fields import active_definitions
from liuke.customers.models import Contact, Customer, FieldDefinition

pytestmark = pytest.mark.django_db


def create(**data):
    data.setdefault("kind", "pharmacy")
    data.setdefault("code", f"T{Customer.objects.count() + 1}")
    fields = data.pop("fields", None)
    division_code = data.pop("division_code", None)
    confirm = data.pop("confirm_duplicate", False)
    with change_context(source="cli"):
        return services.customer_create(
            data=data, fields=fields, division_code=division_code, confirm_duplicate=confirm
        )


def test_division_is_parsed_from_the_address_with_method_and_confidence():
    c = create(name="北京同仁医院", address="北京市东城区东交民巷1号")
    assert c.division_id == "110101"
    assert c.division_method == DivisionMethod.EXACT
    assert c.division_confidence > 0.9


def test_an_ambiguous_district_is_not_guessed():
    c = create(name="鼓楼药房", address="鼓楼区中山路1号")
    assert c.division_id is None
    assert c.division_method == DivisionMethod.AMBIGUOUS
    c2 = create(name="鼓楼药房二店", address="福建省福州市鼓楼区五四路")
    assert c2.division_id == "350102"


def test_a_given_abolished_code_moves_to_its_successor_and_unknown_codes_are_refused():
    c = create(name="崇文门药店", division_code="110103")
    assert c.division_id == "110101"
    assert c.division_method == DivisionMethod.GIVEN
    with pytest.raises(ValidationError) as exc:
        create(name="无效", division_code="999999")
    assert "division_code" in exc.value.message_dict
    assert not Customer.objects.filter(name="无效").exists()


def test_same_name_in_the_same_division_asks_for_confirmation():
    first = create(name="北京同仁医院", address="北京市东城区东交民巷1号", kind="hospital")
    with pytest.raises(services.DuplicateSuspected) as exc:
        create(name="北京 同仁医院", address="北京市东城区", kind="hospital")  # spacing differs
    assert exc.value.existing == first
    assert Customer.objects.count() == 1
    second = create(name="北京同仁医院", address="北京市东城区", kind="hospital", confirm_duplicate=True)
    assert second.pk != first.pk
    other_city = create(name="北京同仁医院", address="上海市黄浦区", kind="hospital")  # another division: fine
    assert other_city.division_id == "310101"


def test_concurrent_edit_raises_a_conflict_and_keeps_the_first_save(world):
    customer = Customer.objects.get(pk=world.customer_a.pk)
    loaded_version = customer.version
    services.customer_update(customer=customer, data={"phone": "010-1"}, expected_version=loaded_version)
    with pytest.raises(services.EditConflict) as exc:
        services.customer_update(customer=customer, data={"phone": "010-2"}, expected_version=loaded_version)
    assert exc.value.current.phone == "010-1"
    assert Customer.objects.get(pk=customer.pk).phone == "010-1"


def test_conflict_screen_shows_both_versions_and_saving_over_needs_a_second_decision(world, client):
    client.force_login(world.rep_a.user)
    customer = world.customer_a
    url = f"/customers/{customer.pk}/edit/"
    form = {"name": customer.name, "kind": "hospital", "status": "active", "phone": "010-AAA", "version": 1}
    assert client.post(url, form).status_code == 302  # the first editor saves (version 1 → 2)
    stale = {**form, "phone": "010-BBB"}
    response = client.post(url, stale)  # the second editor still has version 1
    assert response.status_code == 409
    page = response.content.decode()
    assert "010-AAA" in page
    assert "010-BBB" in page
    assert Customer.objects.get(pk=customer.pk).phone == "010-AAA"
    current = Customer.objects.get(pk=customer.pk).version
    assert client.post(url, {**stale, "version": current}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).phone == "010-BBB"


def test_archive_field_values_are_validated_in_one_place_and_bad_ones_change_nothing(world):
    customer = world.customer_a
    before = ChangeLogEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer, data={}, fields={"beds": "-5", "hospital_level": "顶级"})
    assert set(exc.value.message_dict) == {"field_beds", "field_hospital_level"}
    assert ChangeLogEntry.objects.count() == before
    updated = services.customer_update(
        customer=customer, data={}, fields={"beds": "1,200", "hospital_level": "三级甲等"}
    )
    level = FieldDefinition.objects.get(key="hospital_level")
    assert updated.fields["beds"] == 1200
    assert updated.fields["hospital_level"] in {c["value"] for c in level.choices}


def test_history_names_the_archive_field_that_changed(world, client):
    services.customer_update(customer=world.customer_a, data={}, fields={"beds": 800})
    client.force_login(world.rep_a.user)
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    label = FieldDefinition.objects.get(key="beds").label_zh
    assert label in page
    assert "800" in page


def _items(customer, contacts=0, people=0, roles=0):
    return breakdown(
        customer, definitions=active_definitions(), contact_count=contacts, team_people=people, team_roles=roles
    )


def test_completeness_on_hand_made_cases():
    defs = active_definitions()
    clinic_required = [d for d in defs if d.is_required_for("clinic")]
    empty = Customer(kind="clinic", name="空诊所", code="E1")
    items = _items(empty)
    assert score(items) == 0
    assert {i.key for i in items if not i.ok} == {"address", "phone", "grade", "contacts", "team", "recent_contact"} | {
        d.key for d in clinic_required
    }
    full = Customer(kind="clinic", name="满诊所", code="F1", address="x", division_id="110101", phone="1", grade="A")
    full.last_contact_at = timezone.now() - dt.timedelta(days=3)
    full.fields = {d.key: ("x" if d.type in ("text", "longtext", "phone") else 1) for d in clinic_required}
    assert score(_items(full, contacts=2, people=2, roles=2)) == 100
    # Two people in the same role break the dual-line rule: the team item (weight 5) is missing.
    total = sum(i.weight for i in _items(full))
    assert score(_items(full, contacts=2, people=2, roles=1)) == round(100 * (total - 5) / total)
    # One contact is not enough either.
    assert score(_items(full, contacts=1, people=2, roles=2)) == round(100 * (total - 5) / total)


def test_a_recent_record_card_counts_by_the_grade_cadence():
    def recent(grade, days):
        c = Customer(kind="clinic", name="诊所", code="R1", grade=grade)
        c.last_contact_at = timezone.now() - dt.timedelta(days=days) if days is not None else None
        return {i.key: i.ok for i in _items(c)}["recent_contact"]

    assert recent("A", 10)
    assert not recent("A", 20)
    assert recent("B", 20)
    assert not recent("B", 40)
    assert recent("C", 50)
    assert not recent("C", 70)
    assert recent("", 50)
    assert not recent("", 70)
    assert not recent("A", None)  # never contacted


def test_contact_cadence_is_configurable(settings):
    settings.LIUKE_CONTACT_CADENCE_DAYS = {"A": 7}
    c = Customer(kind="clinic", name="诊所", code="R2", grade="A")
    c.last_contact_at = timezone.now() - dt.timedelta(days=10)
    assert not {i.key: i.ok for i in _items(c)}["recent_contact"]


def test_stored_completeness_follows_contacts_and_team(world):
    customer = world.customer_a
    services.customer_refresh_derived(customer=customer)
    start = Customer.objects.get(pk=customer.pk).completeness
    services.contact_save(customer=customer, data={"name": "赵院长"})
    assert Customer.objects.get(pk=customer.pk).completeness > start  # two contacts now
    assert Contact.objects.filter(customer=customer).count() == 2


def test_customer_page_lists_what_is_missing_and_shows_only_groups_with_data(world, client):
    client.force_login(world.rep_a.user)
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    missing = page.split('data-testid="missing-items"')[1].split("</ul>")[0]
    assert FieldDefinition.objects.get(key="hospital_level").label_zh in missing
    assert 'id="group-' not in page  # nothing filled in yet: no empty sections
    services.customer_update(customer=world.customer_a, data={}, fields={"beds": 600})
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    beds = FieldDefinition.objects.select_related("group").get(key="beds")
    assert page.count('id="group-') == 1
    assert f'id="group-{beds.group.key}"' in page


def test_merge_moves_contacts_and_team_and_keeps_both_histories(world, client):
    keep, other = world.customer_a, world.customer_a2
    services.customer_update(customer=other, data={"phone": "021-5555"})
    merged = services.customer_merge(keep=keep, other=other)
    other.refresh_from_db()
    assert other.merged_into == merged
    assert other.archived_at is not None
    assert merged.phone == "021-5555"  # a blank was filled from the duplicate
    assert set(merged.account_team.values_list("employee__employee_no", flat=True)) >= {"RA", "RA2", "MA"}
    client.force_login(world.director.user)
    page = client.get(merged.get_absolute_url()).content.decode()
    assert "021-5555" in page  # the duplicate's own change, on the kept customer's timeline
    assert "上海瑞金医院" in page


def test_bulk_refresh_agrees_with_the_one_by_one_refresh(world):
    services.contact_save(customer=world.customer_a, data={"name": "第二联系人"})
    services.customer_update(customer=world.customer_b, data={"phone": "025-1", "grade": "B"}, fields={"beds": 10})
    Customer.objects.update(completeness=0, search_text="", name_key="")
    assert services.customers_refresh_derived(batch_size=2) == Customer.objects.count()
    bulk = dict(Customer.objects.values_list("code", "completeness"))
    for c in Customer.objects.all():
        services.customer_refresh_derived(customer=c)
    assert bulk == dict(Customer.objects.values_list("code", "completeness"))
    assert len(set(bulk.values())) > 1
    assert Customer.objects.get(code="CA").search_text.startswith("北京同仁医院|")


def test_resaving_an_unchanged_number_records_no_change(world):
    Customer._base_manager.filter(pk=world.customer_a.pk).update(fields={"beds": 35.0})  # as a bulk load may store it
    before = ChangeLogEntry.objects.count()
    services.customer_update(customer=world.customer_a, data={}, fields={"beds": "35"})
    assert ChangeLogEntry.objects.count() == before
