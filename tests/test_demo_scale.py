"""The small demo company at its intended size and shape (the medium and large ones are the benchmarks')."""

import pytest
from django.db import transaction
from django.db.models import Count, Max, Min, Q

from liuke.core.changelog import verify_chain
from liuke.core.models import ChangeLogEntry
from liuke.core.visibility import restrict
from liuke.customers import completeness, selectors
from liuke.customers.fields import active_definitions, clean_value
from liuke.customers.models import AccountTeamMember, Contact, ContactKnower, Customer
from liuke.customers.services import find_duplicate
from liuke.demo.generator import demo_build
from liuke.org.models import Employee

pytestmark = pytest.mark.demo_build  # the generator is checked on SQLite in CI (minutes a build)


def _fingerprint():
    return (
        list(
            Customer.objects.order_by("code").values_list(
                "code",
                "name",
                "short_name",
                "kind",
                "grade",
                "status",
                "division_id",
                "latitude",
                "longitude",
                "phone",
                "fields",
                "completeness",
            )
        ),
        list(
            AccountTeamMember.objects.order_by("customer__code", "role").values_list(
                "customer__code", "employee__employee_no", "role", "since"
            )
        ),
        list(
            Contact.objects.order_by("customer__code", "pk").values_list(
                "customer__code", "name", "title", "purchase_role", "mobile", "wechat", "is_key"
            )
        ),
        list(
            ContactKnower.objects.order_by(
                "contact__customer__code", "contact__pk", "employee__employee_no"
            ).values_list("contact__customer__code", "contact__name", "employee__employee_no", "familiarity")
        ),
    )


def _check_shape(report):
    customers = Customer.objects.count()
    assert report.customers == customers
    assert 1900 <= customers <= 2100

    # Every customer has a develop rep; most a second person in another role; a few single-threaded (the
    # coverage dashboards and the single_threaded alert have some to show, not a flood).
    assert not Customer.objects.exclude(account_team__role="develop").exists()
    covered = Customer.objects.filter(status="active")
    active = covered.count()
    single = covered.filter(selectors.single_threaded_q()).count()
    assert 0.03 * active < single < 0.15 * active

    # Completeness spreads from nearly empty to nearly complete archives: most kept up to the handover score,
    # a tail half done or hardly begun (the archive_incomplete alert's work).
    spread = Customer.objects.aggregate(low=Min("completeness"), high=Max("completeness"))
    assert spread["low"] < 30
    assert spread["high"] > 80
    middling = Customer.objects.filter(completeness__gte=30, completeness__lte=80).count()
    assert middling > 0.02 * customers
    ready = Customer.objects.filter(completeness__gte=completeness.handover_threshold()).count()
    assert 0.7 * customers < ready < 0.97 * customers

    # Contacts: mostly 2-3 a customer, 1-2 of them key; some key contacts only one person knows.
    contacts = Contact.objects.count()
    assert 1.8 * customers < contacts < 3.2 * customers
    per_customer = Customer.objects.annotate(
        n=Count("contacts"), keys=Count("contacts", filter=Q(contacts__is_key=True))
    )
    assert per_customer.filter(n__gt=5).count() == 0
    assert per_customer.filter(n__gte=1, keys=0).count() == 0
    assert per_customer.filter(keys__gt=2).count() == 0
    lonely_keys = Contact.objects.filter(is_key=True).annotate(k=Count("knowers")).filter(k=1).count()
    assert lonely_keys > 0.02 * Contact.objects.filter(is_key=True).count()

    # About 1% deliberate near-duplicates, found by the duplicate check.
    duplicates = (
        Customer.objects.values("name_key", "division").annotate(n=Count("pk")).filter(n__gt=1).order_by("name_key")
    )
    assert 0.003 * customers <= duplicates.count() <= 0.03 * customers
    first = duplicates[0]
    one = Customer.objects.filter(name_key=first["name_key"], division=first["division"]).first()
    other = find_duplicate(name=one.name, division=one.division, exclude_pk=one.pk)
    assert other is not None
    assert other.code != one.code

    # Archive values are in the stored form clean_value gives them.
    definitions = {d.key: d for d in active_definitions()}
    for values in Customer.objects.values_list("fields", flat=True)[:500]:
        for key, value in values.items():
            assert clean_value(definitions[key], value) == value, (key, value)

    # The demo logins see manageable slices: the rep ~60, the manager their district.
    rep = Employee.objects.get(user__username="rep").user
    manager = Employee.objects.get(user__username="manager").user
    assert 40 <= restrict(rep, Customer).count() <= 90
    assert restrict(rep, Customer).count() < restrict(manager, Customer).count() < customers

    # Every row written in bulk is in the change log, and the chain holds.
    logged = ChangeLogEntry.objects.filter(content_type__app_label="customers").exclude(
        content_type__model__in=["fieldgroup", "fielddefinition"]
    )
    assert logged.count() == customers + report.team_members + report.contacts + report.knowers
    assert verify_chain().ok


@pytest.mark.django_db
def test_small_demo_has_the_intended_shape_and_is_deterministic():
    def build(*, check: bool, chunk: int):
        with transaction.atomic():
            report = demo_build(scale="small", seed=11, chunk=chunk)
            if check:
                _check_shape(report)
            fingerprint = _fingerprint()
            transaction.set_rollback(True)
        return fingerprint

    # Same seed, same company, whatever the write chunk size (chunks only bound the memory).
    assert build(check=True, chunk=5000) == build(check=False, chunk=700)
