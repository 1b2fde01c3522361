"""Forms show what a person can use: ISO dates a date picker accepts, departments by their full path."""

import datetime as dt
import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.utils import translation

from liuke.org import services
from liuke.org.forms import DepartmentForm, EmployeeForm, TerritoryForm

pytestmark = pytest.mark.django_db


def _date_inputs():
    """Every form field with a browser date picker declared in liuke's forms modules."""
    for app in apps.get_app_configs():
        if not app.name.startswith("liuke."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__:
                for field_name, field in form.base_fields.items():
                    if getattr(field.widget, "input_type", None) == "date":
                        yield f"{name}.{field_name}", field.widget


def test_every_date_picker_shows_iso_dates_in_chinese_and_english():
    pickers = dict(_date_inputs())
    assert "EmployeeForm.hire_date" in pickers
    assert len(pickers) >= 8
    for language in ("zh-hans", "en"):
        with translation.override(language):
            shown = {name: w.format_value(dt.date(2022, 11, 23)) for name, w in pickers.items()}
        assert set(shown.values()) == {"2022-11-23"}, shown


def test_archive_date_field_picker_shows_iso_dates():
    from liuke.customers.choices import FieldType
    from liuke.customers.forms import archive_form_field
    from liuke.customers.models import FieldDefinition

    field = archive_form_field(
        FieldDefinition(key="opened", label_zh="开业日期", label_en="Opened", type=FieldType.DATE)
    )
    with translation.override("zh-hans"):
        assert field.widget.format_value(dt.date(2022, 11, 23)) == "2022-11-23"


def test_employee_edit_page_keeps_the_hire_date_in_chinese(world, login):
    services.employee_update(employee=world.rep_a, hire_date=dt.date(2022, 11, 23))
    page = login(world.admin).get(f"/org/employees/{world.rep_a.pk}/edit/").content.decode()
    hire = re.search(r'<input[^>]*name="hire_date"[^>]*>', page).group(0)
    assert 'type="date"' in hire
    assert 'value="2022-11-23"' in hire


def _labels(form, name):
    return [label for value, label in form.fields[name].choices if value != ""]


def test_department_choices_show_full_paths_in_tree_order(world):
    expected = ["留客", "总部", "华东", "华东 / 上海", "华东 / 上海 / 一组", "华东 / 江苏", "华东 / 江苏 / 一组"]
    assert _labels(EmployeeForm(), "department") == expected
    assert _labels(DepartmentForm(), "parent") == expected
    assert _labels(TerritoryForm(), "department") == expected


def test_employee_list_filter_shows_departments_by_full_path(world, login):
    page = login(world.admin).get("/org/employees/").content.decode()
    assert ">华东 / 上海 / 一组</option>" in page
    assert ">华东 / 江苏 / 一组</option>" in page
