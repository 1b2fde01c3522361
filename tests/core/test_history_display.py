"""A record's history reads like a sentence to its users: names, yes/no, local times, labels, in their language."""

import datetime as dt

import pytest
from django.utils import translation

from liuke.channel.models import Product
from liuke.core.changelog import change_context
from liuke.core.selectors import object_history
from liuke.customers.models import Contact
from liuke.org import services as org_services
from liuke.org.choices import Role
from tests.interactions.factories import write_card

pytestmark = pytest.mark.django_db


def _changes(viewer, obj, language="zh-hans"):
    """The newest entry's changes as {label: (old, new)}, rendered in ``language``."""
    with translation.override(language):
        entry = object_history(viewer=viewer, obj=obj)[0]
        return {c.label: (c.old, c.new) for c in entry.display_changes}


def test_history_says_yes_and_no_not_true_and_false(world):
    contact = world.contact_a
    with change_context(source="web", actor=world.rep_a.user):
        contact.is_key = False
        contact.save()
    assert _changes(world.admin.user, contact)["关键联系人"] == ("是", "否")
    assert _changes(world.admin.user, contact, "en")["Key contact"] == ("Yes", "No")


def test_history_shows_times_in_the_company_time_zone(world):
    customer = world.customer_x
    with change_context(source="web", actor=world.admin.user):
        customer.archived_at = dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC)  # 02:30 the next day in Shanghai
        customer.save()
    zh = _changes(world.admin.user, customer)
    assert zh["归档时间"] == (None, "2026年3月2日 02:30")
    en = _changes(world.admin.user, customer, "en")
    assert en["Archived at"] == (None, "March 2, 2026, 2:30 a.m.")


def test_history_shows_dates_the_languages_way_and_choices_by_label(world):
    with change_context(source="web", actor=world.admin.user):
        org_services.employee_update(employee=world.rep_b, hire_date=dt.date(2022, 11, 23), role=Role.MANAGER)
    zh = _changes(world.admin.user, world.rep_b)
    assert zh["入职日期"] == (None, "2022年11月23日")
    assert zh["角色"] == ("销售代表", "经理")
    en = _changes(world.admin.user, world.rep_b, "en")
    assert en["Hire date"] == (None, "Nov. 23, 2022")
    assert en["Role"] == ("Sales rep", "Manager")


def test_history_names_contacts_met_instead_of_their_ids(world):
    other = Contact.objects.create(customer=world.customer_a, name="张药师")
    card = write_card(world.rep_a, world.customer_a, submit=False, contact_ids=[world.contact_a.pk])
    with change_context(source="web", actor=world.rep_a.user):
        card.contact_ids = [world.contact_a.pk, other.pk]
        card.save()
    old, new = _changes(world.rep_a.user, card)["所见联系人"]  # a draft: only its author sees it
    assert old == "王主任 · 北京同仁医院"
    assert new == "王主任 · 北京同仁医院、张药师 · 北京同仁医院"
    assert "#" not in new
    _old, new_en = _changes(world.rep_a.user, card, "en")["Contacts met"]
    assert new_en == "王主任 · 北京同仁医院, 张药师 · 北京同仁医院"


def test_history_calls_fields_by_their_translated_names_and_people_by_name(world):
    contact = Contact.objects.create(customer=world.customer_a, name="赵院长")
    changes = _changes(world.admin.user, contact)
    assert changes["客户"] == (None, "北京同仁医院")  # Contact.customer has no verbose name of its own
    assert "customer" not in {label.lower() for label in changes}
    employee = world.rep_a
    with translation.override("zh-hans"):  # labels are rendered when the history is read
        creation = object_history(viewer=world.admin.user, obj=employee)[-1]
        labels = {c.label: c.new for c in creation.display_changes}
    assert labels["用户"] == "代表上海"  # the login, by the employee's name, not "User: ra"


def test_history_shows_nested_values_as_label_value_pairs(world):
    with change_context(source="web", actor=world.admin.user):
        product = Product.objects.create(code="P1", name="格列美脲片", base_unit="盒", units={"件": "50", "支": "0.1"})
        product.aliases = ["格列美脲", "亚莫利"]
        product.save()
    changes = _changes(world.admin.user, product)
    assert changes["其他名称"] == (None, "格列美脲、亚莫利")
    with translation.override("zh-hans"):
        created = object_history(viewer=world.admin.user, obj=product)[-1]
        units = {c.label: c.new for c in created.display_changes}["其他单位"]
    assert units == "件：50；支：0.1"


def test_history_names_the_employee_who_changed_it(world, login):
    with change_context(source="web", actor=world.admin.user):
        org_services.employee_update(employee=world.rep_b, phone="13900000000")
    page = login(world.admin).get(f"/org/employees/{world.rep_b.pk}/").content.decode()
    assert "管理员乙 · " in page
    assert "a1 管理员乙" not in page
    with change_context(source="web", actor=world.admin.user):
        world.contact_b.is_key = False
        world.contact_b.save()
    page = login(world.admin).get(f"/customers/{world.customer_b.pk}/").content.decode()
    assert " · 管理员乙" in page  # the customer's timeline
    assert "a1 管理员乙" not in page


def test_change_log_page_names_employees_and_says_system_in_chinese(world, login):
    with change_context(source="web", actor=world.admin.user):
        org_services.employee_update(employee=world.rep_b, phone="13900000000")
    page = login(world.admin).get("/core/changelog/").content.decode()
    assert "<td>管理员乙</td>" in page
    assert "<td>系统</td>" in page
    assert "<td>system</td>" not in page


def test_history_reads_related_names_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    contacts = [Contact.objects.create(customer=world.customer_a, name=f"联系人{i}") for i in range(12)]
    card = write_card(world.rep_a, world.customer_a, submit=False)
    with change_context(source="web", actor=world.rep_a.user):
        for i, contact in enumerate(contacts):
            card.contact_ids = [contact.pk]
            card.colleague_ids = [world.rep_a2.pk] if i % 2 else [world.manager_a.pk]
            card.save()
    viewer = world.rep_a.user  # a draft: only its author sees it
    object_history(viewer=viewer, obj=card)  # warm the content-type cache
    with django_assert_max_num_queries(6):
        history = object_history(viewer=viewer, obj=card)
    assert len(history) >= 13
    with translation.override("zh-hans"):
        assert {c.label: c.new for c in history[0].display_changes}["所见联系人"] == "联系人11 · 北京同仁医院"
