"""Every page, as every role, in both languages: no server error, no English on a Chinese page, no raw
key shown as text, no broken link, and no page a role should not reach.

The demo company is built once for this module (a smaller scale of ``liuke demo`` with every kind of
record) and rolled back at the end. Run alone with ``pytest -m crawler``; a failure lists every problem
found as ``URL name [role/language] problem`` with one URL to reproduce it. With
``LIUKE_CRAWL_REPORT=file.jsonl`` each crawl also appends its numbers, problems and probes to that file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from liuke.alerts import registry as alert_rules
from liuke.alerts.choices import Area
from liuke.alerts.models import Alert, RuleSetting, WebhookTarget
from liuke.channel.models import (
    DiscountAuthorization,
    DistributorAuthorization,
    FlowImport,
    Product,
    Shipment,
)
from liuke.customers.choices import CustomerKind
from liuke.customers.models import AccountTeamMember, Contact, Customer, FieldDefinition
from liuke.customers.selectors import current_team_q
from liuke.demo import generator
from liuke.demo import interactions as demo_cards
from liuke.demo.generator import DEMO_PASSWORD, Scale, demo_build
from liuke.interactions.choices import CardStatus
from liuke.interactions.models import FollowUp, Problem, RecordCard
from liuke.org.choices import EmployeeStatus, Role
from liuke.org.models import Department, Employee, Territory

from .crawler import (
    Crawl,
    Limits,
    Rules,
    Vocabulary,
    assert_no_problems,
    format_problems,
    text_problems,
    vocabulary,
)
from .fixtures.crawler_planted import PLANTED_URL

pytestmark = [pytest.mark.crawler, pytest.mark.django_db]

ROLES = ("admin", "director", "manager", "rep", "auditor")
LANGUAGES = ("zh-hans", "en")

# The smallest company that still has every kind of record the demo makes (near-duplicate customers, a
# key account, drafts, amendments, problems, follow-ups, plans, flow and its review queue): one region
# of two districts, two teams each, two reps a team. The seed is one where the dice give all of them.
CRAWL_SCALE = Scale(regions=1, districts=2, teams=2, reps=2, auditors=1, customers_per_rep=20)
CRAWL_SEED = 4
# Chinese, the default, gets the full walk; English the same pages with fewer filter combinations.
LIMITS = {
    "zh-hans": Limits(pages=150, per_pattern=2),
    "en": Limits(pages=120, per_pattern=1, options=3, texts=("医院", "²"), more_texts=("²",)),
}

# --- who must not open what (from core.visibility, each app's policies.py and views.py) ------------------

ADMIN_ONLY = frozenset(
    {
        "customers:field_add",  # the archive-field editor
        "customers:field_edit",
        "customers:import",
        "org:department_add",
        "org:department_edit",
        "org:employee_add",
        "org:employee_edit",
        "org:territory_add",
        "org:territory_edit",
        "alerts:rule_edit",  # a rule's thresholds, severity and watchers
        "alerts:webhook_add",  # group robots
        "alerts:webhook_edit",
    }
)
ADMIN_SITE = frozenset({"admin:index"})  # only the admin role is staff
CHANGE_LOG = frozenset({"core:changelog_list"})  # admins, directors and auditors oversee the log
MASTER_DATA = frozenset(  # products, floor prices and authorisations: admins and directors
    {"channel:product_new", "channel:product_edit", "channel:pricefloor_new", "channel:authorization_new"}
)
DISCOUNTS = frozenset({"channel:discount_new"})  # admins, managers and directors
FLOW_UPLOAD = frozenset({"channel:flow_upload"})  # admins, managers and directors
CUSTOMER_WRITES = frozenset(  # reps and managers on their customers, and admins
    {
        "customers:customer_add",
        "customers:customer_edit",
        "customers:customer_merge",
        "customers:contact_add",
        "customers:contact_edit",
    }
)
MERGE = frozenset({"customers:customer_merge"})  # admins and managers
TEAM_PLANS = frozenset({"interactions:plan_team"})  # managers, directors and admins
ALERT_RULES = frozenset({"alerts:rule_list"})  # managers, auditors, directors and admins read the rules
ROBOTS = frozenset({"alerts:webhook_list"})  # directors and admins

MUST_NOT_OPEN: dict[str, frozenset[str]] = {
    "admin": frozenset(),
    "director": ADMIN_ONLY | ADMIN_SITE | CUSTOMER_WRITES,
    "manager": ADMIN_ONLY | ADMIN_SITE | CHANGE_LOG | MASTER_DATA | ROBOTS,
    "rep": ADMIN_ONLY
    | ADMIN_SITE
    | CHANGE_LOG
    | MASTER_DATA
    | DISCOUNTS
    | FLOW_UPLOAD
    | MERGE
    | TEAM_PLANS
    | ALERT_RULES
    | ROBOTS,
    "auditor": ADMIN_ONLY | ADMIN_SITE | MASTER_DATA | DISCOUNTS | FLOW_UPLOAD | CUSTOMER_WRITES | ROBOTS,
}

# Pages about one customer, and where its id is: a URL keyword, or a record's column.
CUSTOMER_PAGES: dict[str, str] = {
    "customers:customer_detail": "pk",
    "customers:customer_edit": "pk",
    "customers:customer_merge": "pk",
    "customers:contact_add": "customer_pk",
    "customers:contact_edit": "customer_pk",
    "interactions:customer_cards": "pk",
    "customer-detail": "pk",  # the API
}
CUSTOMER_RECORD_PAGES: dict[str, tuple[Any, str]] = {
    "interactions:card_detail": (RecordCard, "customer_id"),
    "interactions:card_edit": (RecordCard, "customer_id"),
    "interactions:problem_detail": (Problem, "customer_id"),
    "interactions:follow_up_detail": (FollowUp, "customer_id"),
}
# The channel follows the distributor (or customer) it names; auditors see all of the channel.
CHANNEL_PAGES: dict[str, tuple[Any, str]] = {
    "channel:distributor_detail": (Customer, "pk"),
    "channel:shipment_detail": (Shipment, "distributor_id"),
    "channel:import_detail": (FlowImport, "distributor_id"),
    "channel:import_errors": (FlowImport, "distributor_id"),
    "channel:authorization_detail": (DistributorAuthorization, "distributor_id"),
    "channel:discount_detail": (DiscountAuthorization, "customer_id"),
}


# An alert's page, and the API's (their reach: Reach.alert_reason).
ALERT_PAGES = {"alerts:alert_detail", "alert-detail"}


@dataclass
class Reach:
    """What one role may see, worked out from the demo's rows and the intended rules (not from restrict)."""

    employee: Employee
    customers: set[int] | None  # None: every customer
    employees: set[int] | None  # None: everyone
    plans_of: set[int] | None  # whose visit plans

    def customer_of(self, pattern: str, kwargs: dict[str, Any], query: dict[str, str]) -> int | None:
        if pattern in CUSTOMER_PAGES:
            return int(kwargs[CUSTOMER_PAGES[pattern]])
        if pattern in CUSTOMER_RECORD_PAGES:
            model, column = CUSTOMER_RECORD_PAGES[pattern]
            return model.objects.filter(pk=kwargs["pk"]).values_list(column, flat=True).first()
        if pattern in CHANNEL_PAGES and self.employee.role != Role.AUDITOR:
            model, column = CHANNEL_PAGES[pattern]
            return model.objects.filter(pk=kwargs["pk"]).values_list(column, flat=True).first()
        if pattern == "interactions:card_new" and query.get("customer", "").isdigit():
            return int(query["customer"])
        return None

    def alert_reason(self, pk: int) -> str | None:
        """Why an alert is not the viewer's (None when it is): it follows its customer, the employee it is
        about (their managers), its assignee and the rule's watchers; auditors read the channel's."""
        found = (
            Alert.objects.filter(pk=pk)
            .values("customer_id", "employee__department__path", "assignee_id", "rule", "area")
            .first()
        )
        if found is None or self.customers is None:
            return None
        if self.employee.role == Role.AUDITOR:
            return None if found["area"] == Area.CHANNEL else "an alert outside the channel"
        watched = RuleSetting.objects.filter(rule=found["rule"]).values_list("watcher_ids", flat=True).first() or []
        if (
            found["customer_id"] in self.customers
            or found["assignee_id"] == self.employee.pk
            or self.employee.pk in watched
            or (self.employee.role == Role.MANAGER and _under(found["employee__department__path"], self.employee))
        ):
            return None
        return f"alert {pk} is about a customer or colleague outside the viewer's reach"

    def out_of_reach(self, pattern: str, kwargs: dict[str, Any], query: dict[str, str]) -> str | None:
        if pattern in ALERT_PAGES:
            return self.alert_reason(int(kwargs["pk"]))
        if pattern in ("interactions:card_detail", "interactions:card_edit"):
            author, status = RecordCard.objects.filter(pk=kwargs["pk"]).values_list("author_id", "status").get()
            if status == CardStatus.DRAFT and author != self.employee.pk:
                return "another author's draft"
        customer = self.customer_of(pattern, kwargs, query)
        if customer is not None and self.customers is not None and customer not in self.customers:
            who = {"rep": "not on the rep's account team", "manager": "outside the manager's teams"}
            return f"customer {customer} is {who.get(self.employee.role, 'not granted by an audit task')}"
        if pattern == "org:employee_detail" and self.employees is not None and int(kwargs["pk"]) not in self.employees:
            return f"employee {kwargs['pk']} is outside the viewer's part of the company"
        other = query.get("employee", "")
        if pattern == "interactions:plan" and other.isdigit() and self.plans_of is not None:
            if int(other) not in self.plans_of:
                return f"employee {other}'s visit plan"
        return None


def _under(path: str | None, manager: Employee) -> bool:
    """Whether a department path lies in the subtrees a manager manages (their own department's included)."""
    if not path:
        return False
    managed = {manager.department.path} | set(
        Department.objects.filter(manager=manager, archived_at__isnull=True).values_list("path", flat=True)
    )
    return any(path.startswith(p) for p in managed)


def _reach(role: str) -> Reach:
    employee = Employee.objects.select_related("department").get(user__username=role)
    if role in ("admin", "director"):
        return Reach(employee, None, None, None)
    if role == "auditor":  # no audit tasks exist yet, so nothing of the archive is granted
        return Reach(employee, set(), None, {employee.pk})
    if role == "rep":
        team = AccountTeamMember.objects.filter(current_team_q(), employee=employee)
        colleagues = Employee.objects.filter(Q(department=employee.department) | Q(pk=employee.pk))
        return Reach(
            employee,
            set(team.values_list("customer_id", flat=True)),
            set(colleagues.values_list("pk", flat=True)),
            {employee.pk},
        )
    managed = {employee.department.path} | set(
        Department.objects.filter(manager=employee, archived_at__isnull=True).values_list("path", flat=True)
    )
    subtree = Q()
    for path in managed:
        subtree |= Q(department__path__startswith=path)
    staff = set(Employee.objects.filter(subtree).exclude(status=EmployeeStatus.LEFT).values_list("pk", flat=True))
    members = AccountTeamMember.objects.filter(current_team_q(), employee_id__in=staff)
    return Reach(employee, set(members.values_list("customer_id", flat=True)), staff, staff | {employee.pk})


def _rules(role: str, reach: Reach) -> Rules:
    return Rules(forbidden=MUST_NOT_OPEN[role], out_of_reach=reach.out_of_reach)


def _probes(role: str, reach: Reach) -> list[str]:
    """A URL for each page the role must not get a 200 for, whether or not any page links to it."""
    urls = []
    visible = Customer.objects.all() if reach.customers is None else Customer.objects.filter(pk__in=reach.customers)
    own_customer = visible.filter(Exists(Contact.objects.filter(customer=OuterRef("pk")))).order_by("pk").first()
    args_for: dict[str, Callable[[], list[Any] | None]] = {
        "customers:field_edit": lambda: [FieldDefinition.objects.order_by("pk").first().pk],
        "org:department_edit": lambda: [reach.employee.department_id],
        "org:employee_edit": lambda: [reach.employee.pk],
        "org:territory_edit": lambda: [Territory.objects.order_by("pk").first().pk],
        "channel:product_edit": lambda: [Product.objects.order_by("pk").first().pk],
        "customers:customer_edit": lambda: [own_customer.pk] if own_customer else None,
        "customers:customer_merge": lambda: [own_customer.pk] if own_customer else None,
        "customers:contact_add": lambda: [own_customer.pk] if own_customer else None,
        "customers:contact_edit": lambda: [own_customer.pk, own_customer.contacts.first().pk] if own_customer else None,
        "alerts:rule_edit": lambda: [alert_rules.names()[0]] if alert_rules.names() else None,
        "alerts:webhook_edit": lambda: [robot.pk] if (robot := WebhookTarget.objects.order_by("pk").first()) else None,
    }
    for name in sorted(MUST_NOT_OPEN[role]):
        args = args_for[name]() if name in args_for else []
        if args is not None:
            urls.append(reverse(name, args=args))
    # One record of each kind the role may not see, when there is one.
    if reach.customers is not None:
        outside = Customer.objects.exclude(pk__in=reach.customers).exclude(kind=CustomerKind.DISTRIBUTOR)
        customer = (
            outside.filter(
                Exists(RecordCard.objects.filter(customer=OuterRef("pk"), status=CardStatus.SUBMITTED)),
                Exists(Problem.objects.filter(customer=OuterRef("pk"))),
                Exists(FollowUp.objects.filter(customer=OuterRef("pk"))),
            )
            .order_by("pk")
            .first()
        )
        if customer is not None:
            card = customer.cards.filter(status=CardStatus.SUBMITTED).order_by("pk").first()
            urls += [
                reverse("customers:customer_detail", args=[customer.pk]),
                reverse("customers:customer_edit", args=[customer.pk]),
                reverse("interactions:customer_cards", args=[customer.pk]),
                reverse("interactions:card_detail", args=[card.pk]),
                reverse("interactions:problem_detail", args=[customer.problems.order_by("pk").first().pk]),
                reverse("interactions:follow_up_detail", args=[customer.follow_ups.order_by("pk").first().pk]),
                reverse("interactions:card_new") + f"?customer={customer.pk}",
                reverse("customer-detail", args=[customer.pk]),
            ]
        if role != "auditor":
            distributor = outside.model.objects.filter(kind=CustomerKind.DISTRIBUTOR).exclude(pk__in=reach.customers)
            shipment = Shipment.objects.filter(distributor__in=distributor).order_by("pk").first()
            if shipment is not None:
                urls += [
                    reverse("channel:distributor_detail", args=[shipment.distributor_id]),
                    reverse("channel:shipment_detail", args=[shipment.pk]),
                ]
    if reach.employees is not None:
        stranger = Employee.objects.exclude(pk__in=reach.employees).order_by("pk").first()
        if stranger is not None:
            urls.append(reverse("org:employee_detail", args=[stranger.pk]))
    if reach.plans_of is not None:
        rep = Employee.objects.filter(role=Role.REP).exclude(pk__in=reach.plans_of).order_by("pk").first()
        if rep is not None:
            urls.append(reverse("interactions:plan") + f"?employee={rep.pk}")
    if reach.customers is not None:  # an alert the role may not see (about someone else's customer)
        for alert in Alert.objects.exclude(customer_id__in=reach.customers).order_by("pk")[:50]:
            if reach.alert_reason(alert.pk) is not None:
                urls += [reverse("alerts:alert_detail", args=[alert.pk]), reverse("alert-detail", args=[alert.pk])]
                break
    draft = RecordCard.objects.filter(status=CardStatus.DRAFT).exclude(author=reach.employee).order_by("pk").first()
    if draft is not None:
        urls.append(reverse("interactions:card_detail", args=[draft.pk]))
    return urls


# --- the demo company, once for the module ---------------------------------------------------------------


@dataclass
class Company:
    words: Vocabulary
    reach: dict[str, Reach]


@pytest.fixture(scope="module")
def company(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo company at the crawl scale, built once inside a transaction this module rolls back."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("crawler-media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, MEDIA_ROOT=str(media)),
        pytest.MonkeyPatch.context() as mp,
        transaction.atomic(),
    ):
        mp.setitem(generator.SCALES, "crawl", CRAWL_SCALE)
        mp.setitem(demo_cards.PROFILES, "crawl", demo_cards.PROFILES["small"])
        report = demo_build(scale="crawl", seed=CRAWL_SEED)
        assert set(report.logins) == set(ROLES)
        empty = [m._meta.label for m in _demo_models() if not m._default_manager.exists()]
        counts = {"near-duplicates": report.duplicates, "key accounts": report.cards.key_accounts}
        empty += [what for what, n in counts.items() if not n]
        assert not empty, f"the crawl's demo company lacks {empty}: pick another CRAWL_SEED or scale"
        yield Company(words=vocabulary(), reach={role: _reach(role) for role in ROLES})
        transaction.set_rollback(True)


# Models the small demo leaves empty (nothing writes them yet but users and later features).
NOT_IN_THE_DEMO = {
    "alerts.AlertNote",  # the demo's alerts are all fresh: nobody has worked on them yet
    "alerts.RuleSetting",  # the rules run with their defaults
    "alerts.NotificationPreference",  # everyone has the defaults
    "alerts.WebhookTarget",  # no group robot: the demo sends nothing outside
    "alerts.Delivery",
    "core.ExportLog",
    "customers.CustomerEvent",
    "channel.DistributorProfile",
    "channel.TerminalAlias",
    "channel.FlowRejection",
    "interactions.Attachment",
}


def _demo_models():
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("liuke.") and m._meta.label not in NOT_IN_THE_DEMO and not m._meta.proxy
    ]


_CRAWLS: dict[tuple[str, str], Crawl] = {}


def _crawl(client, company: Company, role: str, language: str) -> Crawl:
    """Log in as ``role``, choose ``language`` and crawl (once per module for each pair)."""
    if (role, language) in _CRAWLS:
        return _CRAWLS[(role, language)]
    assert client.login(username=role, password=DEMO_PASSWORD)
    if language != "zh-hans":
        assert client.post("/i18n/setlang/", {"language": language, "next": "/"}).status_code == 302
    reach = company.reach[role]
    crawl = Crawl(role=role, language=language, rules=_rules(role, reach), words=company.words, limits=LIMITS[language])
    crawl.run(client, "/", probes=_probes(role, reach))
    _CRAWLS[(role, language)] = crawl
    if os.environ.get("LIUKE_CRAWL_REPORT"):  # a JSON line per crawl, for reports across runs
        with open(os.environ["LIUKE_CRAWL_REPORT"], "a", encoding="utf-8") as out:
            out.write(json.dumps(crawl.summary(), ensure_ascii=False) + "\n")
    return crawl


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_works_for_every_role_in_every_language(client, company, role, language):
    crawl = _crawl(client, company, role, language)
    assert len(crawl.visits) > 20, f"the crawl as {role} reached only {[v.url for v in crawl.visits]}"
    assert_no_problems(crawl.problems)


def test_a_rep_crawling_everything_never_reaches_another_reps_customer(client, company):
    crawl = _crawl(client, company, "rep", "zh-hans")
    reach = company.reach["rep"]
    assert reach.customers
    opened = {
        customer: visit.url
        for visit in crawl.visits
        if visit.status == 200 and (customer := reach.customer_of(visit.pattern, visit.kwargs, visit.query))
    }
    assert opened, "the rep's crawl opened no customer page at all"
    strangers = {c: url for c, url in opened.items() if c not in reach.customers}
    assert not strangers, f"the rep opened customers not on their account team: {strangers}"


def test_the_crawler_reports_a_planted_broken_link_and_planted_text(client, company, settings):
    settings.ROOT_URLCONF = "tests.fixtures.crawler_planted"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.fixtures.crawler_planted.PlantLinkMiddleware"]
    assert client.login(username="admin", password=DEMO_PASSWORD)
    crawl = Crawl(role="admin", language="zh-hans", rules=Rules(), words=company.words, limits=Limits(pages=3))
    with pytest.raises(AssertionError) as failed:
        assert_no_problems(crawl.run(client, "/"))
    report = str(failed.value)
    assert PLANTED_URL in report
    assert "RuntimeError: planted by the crawler's self-test" in report
    assert "'hire_date'" in report  # a raw field key
    assert "'Customers'" in report  # English on a Chinese page


def test_the_crawler_flags_chinese_ui_text_on_an_english_page(company):
    with translation.override("zh-hans"):
        chinese = translation.gettext("Customers")
    assert chinese != "Customers"
    found = text_problems([(chinese, "", False), ("上海和德医药有限公司", "", False)], "en", company.words)
    assert len(found) == 1
    assert found[0].startswith(f"Chinese UI text on an English page {chinese!r}")  # the company's name is data


def test_the_problem_report_names_the_pattern_roles_and_one_url(company):
    from .crawler import Problem as Found

    report = format_problems(
        [
            Found("customers:customer_list", "HTTP 500", "rep", "en", "/customers/?q=%C2%B2"),
            Found("customers:customer_list", "HTTP 500", "manager", "zh-hans", "/customers/?cmin=%C2%B2"),
        ]
    )
    assert report.startswith("1 problem(s)")
    assert "customers:customer_list [manager/zh-hans, rep/en] HTTP 500" in report
