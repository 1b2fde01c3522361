"""A deterministic synthetic company for the demo and the benchmarks.

Same seed and scale, same company: regions, districts and teams across real provinces, staff in
every role, territories over real GB/T 2260 divisions, and customers (about 2,000 / 20,000 / 200,000)
with account teams, contacts, who knows them, and archive fields filled to a varying degree.

Customers are written in chunks (bounded memory at the large scale) through ``changelog.bulk_create``
so every row still gets its change-log entry. Each customer's own data comes from a random generator
seeded by (seed, customer number), so a customer does not change when the chunk size does.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuke.core import changelog
from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.core.text import name_key
from liuke.customers.choices import (
    CustomerGrade,
    CustomerKind,
    CustomerStatus,
    DivisionMethod,
    FieldType,
    TeamRole,
)
from liuke.customers.fields import active_definitions
from liuke.customers.models import AccountTeamMember, Contact, ContactKnower, Customer, FieldDefinition
from liuke.org import services as org
from liuke.org.choices import DivisionLevel, Role
from liuke.org.models import Department, Division, Employee

from .archive_values import FIELD_MAKERS
from .archive_values import weighted as _weighted
from .interactions import CHUNK as CARDS_CHUNK
from .interactions import cards_build
from .places import site_of
from .plants import ArchivePlanter, Plant, work_plants
from .vocabulary import (
    _ALL,
    AREA_CODES,
    CAPITAL_AREA,
    CONTACT_COUNTS,
    CONTACT_NOTES,
    DEPARTMENTS,
    GENERIC_NOTES,
    GIVEN,
    HOSPITAL_SPECIALTIES,
    INDEPENDENT_PHARMACY,
    KIND_ALSO,
    KIND_ONLY,
    NUMERALS,
    PHARMACY_BRANDS,
    PREFERENCES,
    PRIVATE_HOSPITAL_WORDS,
    RETAIL_BRANDS,
    STREETS,
    SURNAMES,
    TITLES,
    TOWN_FIRST,
    TOWN_SECOND,
    WORDS,
)

DEMO_PASSWORD = "liuke-demo"  # for trying liuke only; never for production

REGIONS = [
    ("华东大区", "EAST", [("上海区", "310000"), ("江苏区", "320000"), ("浙江区", "330000"), ("山东区", "370000")]),
    ("华北大区", "NORTH", [("北京区", "110000"), ("河北区", "130000"), ("天津区", "120000"), ("山西区", "140000")]),
    ("华南大区", "SOUTH", [("广东区", "440000"), ("福建区", "350000"), ("广西区", "450000"), ("海南区", "460000")]),
    ("华中大区", "CENTRAL", [("湖北区", "420000"), ("湖南区", "430000"), ("河南区", "410000"), ("江西区", "360000")]),
    ("西南大区", "WEST", [("四川区", "510000"), ("重庆区", "500000"), ("云南区", "530000"), ("贵州区", "520000")]),
]
TEAM_NAMES = ["一组", "二组", "三组", "四组"]


@dataclass(frozen=True)
class Scale:
    regions: int
    districts: int
    teams: int
    reps: int
    auditors: int
    customers_per_rep: int  # develop accounts per rep (the demo `rep` login gets 70%)


SCALES = {
    # 32 reps → ~2,000 customers; 135 reps → ~20,000; 420 reps → ~200,000.
    "small": Scale(regions=2, districts=2, teams=2, reps=4, auditors=2, customers_per_rep=63),
    "medium": Scale(regions=3, districts=3, teams=3, reps=5, auditors=4, customers_per_rep=149),
    "large": Scale(regions=5, districts=4, teams=3, reps=7, auditors=8, customers_per_rep=478),
}
CHUNK = 5000  # customers per write chunk (their team, contacts and knowers go with them)
# A company that has used liuke for a while: most customers have a second line, most archives are kept up,
# most key contacts are known to two colleagues. Enough of the rest for the alert inbox to be real work, not a
# flood (each is about one alert in 15 to 20 active customers at most).
SECOND_LINE = (0.58, 0.95)  # rolls below the first: the team lead as manager; below the second: another rep
DILIGENCE = (0.02, 0.07)  # rolls below the first: an archive hardly begun; below the second: half done
LONELY_KEY_SHARE = 0.015  # key contacts only the develop rep knows, though the team has a second person
DUPLICATE_SHARE = 0.01  # deliberate near-duplicates: same name, same division, another code
LOGIN_REP_SHARE = 0.7  # the `rep` login's portfolio, relative to its colleagues' (~60 customers at small)


def _base(division: Division) -> str:
    """浦东新区 → 浦东, 昆山市 → 昆山, 鄂温克族自治旗 → 鄂温克族 (how people say a place in a name)."""
    name = division.name
    for suffix in ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass
class DemoReport:
    employees: int = 0
    departments: int = 0
    territories: int = 0
    customers: int = 0
    team_members: int = 0
    contacts: int = 0
    knowers: int = 0
    duplicates: int = 0
    logins: dict[str, str] = field(default_factory=dict)
    cards: Any = None  # interactions.CardReport: record cards, problems, follow-ups, plans
    channel: Any = None  # channel.ChannelReport: products, authorisations, sell-in and flow
    plants: list[Plant] = field(default_factory=list)  # what was planted for the screening rules, and beside it
    screening: Any = None  # alerts.engine.ScreenResult of the screening the build ends with


@dataclass
class _Team:
    lead: Employee
    reps: list[Employee]
    counties: list[Division]


@dataclass
class _Place:
    county: Division
    city: Division | None
    province: Division
    base: str  # the county as people say it in names (浦东, 昆山)
    city_base: str
    area: str  # telephone area code


@dataclass
class _Planned:
    """One customer before it is written: the row, its team, contacts and who knows them."""

    customer: Customer
    team: list[tuple[Employee, str, dt.date]]
    contacts: list[tuple[Contact, list[tuple[Employee, int]]]]
    until: dict[int, dt.date] = field(default_factory=dict)  # team position → the day that membership ended


class _Builder:
    def __init__(self, scale: Scale, seed: int, *, chunk: int = CHUNK, today: dt.date | None = None):
        self.scale = scale
        self.seed = seed
        self.today = today or timezone.localdate()  # licences run out relative to it
        self.rng = random.Random(seed)
        self.report = DemoReport()
        self.emp_seq = 0
        self.used_names: set[str] = set()
        self.chunk = chunk
        self.pending: list[_Planned] = []
        self.customer_seq = 0
        self.taken: set[tuple[str, str]] = set()  # (name key, division code): no accidental duplicates
        self.places: dict[str, _Place] = {}
        self.divisions: dict[str, Division] = {}
        self.definitions: list[FieldDefinition] = []
        self.relevant: dict[str, set[str]] = {}
        self.planter = ArchivePlanter(self.today)
        self.squad_index = 0  # the team whose customers are being planned (0: the `rep` login's)

    # --- people and the org tree -------------------------------------------------------------

    def person_name(self) -> str:
        for _ in range(50):
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
            if name not in self.used_names:
                break
        self.used_names.add(name)
        return name

    def hire(self, dept: Department, role: str, *, username: str | None = None) -> Employee:
        self.emp_seq += 1
        no = f"E{self.emp_seq:05d}"
        hire_date = dt.date(2015, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 3600))
        employee = org.employee_hire(
            employee_no=no,
            name=self.person_name(),
            department=dept,
            role=role,
            phone=f"1{self.rng.choice('3589')}{self.rng.randrange(10**8, 10**9)}",
            email=f"{no.lower()}@demo.liuke.example",
            hire_date=hire_date,
            username=username,
            password=DEMO_PASSWORD if username else None,
        )
        self.report.employees += 1
        if username:
            self.report.logins[username] = f"{employee.name} · {employee.get_role_display()} · {dept.name}"
        return employee

    def dept(self, name: str, code: str, parent: Department | None) -> Department:
        self.report.departments += 1
        return org.department_create(name=name, code=code, parent=parent)

    def build(self) -> DemoReport:
        s = self.scale
        self.definitions = active_definitions()
        self.relevant = {d.key: _relevant(d) for d in self.definitions}
        self.divisions = {d.code: d for d in Division.objects.all()}
        company = self.dept("留客医药", "LK", None)
        head_office = self.dept("总部", "LK-HQ", company)
        self.hire(head_office, Role.ADMIN, username="admin")
        director = self.hire(head_office, Role.DIRECTOR, username="director")
        org.department_update(department=company, name=company.name, code=company.code, manager=director)
        audit = self.dept("稽核部", "LK-AUDIT", company)
        for i in range(s.auditors):
            self.hire(audit, Role.AUDITOR, username="auditor" if i == 0 else None)
        provinces = {d.code: d for d in Division.objects.filter(level=DivisionLevel.PROVINCE)}
        teams: list[_Team] = []
        login_rep: Employee | None = None
        for r_index, (region_name, region_code, districts) in enumerate(REGIONS[: s.regions]):
            region = self.dept(region_name, f"LK-{region_code}", company)
            region_head = self.hire(region, Role.MANAGER)
            org.department_update(department=region, name=region.name, code=region.code, manager=region_head)
            for d_index, (district_name, province_code) in enumerate(districts[: s.districts]):
                district = self.dept(district_name, f"LK-{region_code}-{d_index + 1}", region)
                first_district = r_index == 0 and d_index == 0
                head = self.hire(district, Role.MANAGER, username="manager" if first_district else None)
                org.department_update(department=district, name=district.name, code=district.code, manager=head)
                cities = list(Division.objects.filter(parent_id=province_code, status="active").order_by("code")) or [
                    provinces[province_code]
                ]
                if len(cities) < s.teams:  # a municipality: its teams split the districts instead
                    cities = (
                        list(Division.objects.filter(parent__in=cities, status="active").order_by("code")) or cities
                    )
                for t_index in range(s.teams):
                    team = self.dept(TEAM_NAMES[t_index], f"{district.code}-{t_index + 1}", district)
                    lead = self.hire(team, Role.MANAGER)
                    org.department_update(department=team, name=team.name, code=team.code, manager=lead)
                    team_cities = cities[t_index :: s.teams] or cities
                    territory = org.territory_create(
                        name=f"{district_name}{TEAM_NAMES[t_index]}", code=team.code, department=team
                    )
                    org.territory_set_divisions(territory=territory, divisions=team_cities)
                    self.report.territories += 1
                    counties = (
                        list(Division.objects.filter(parent__in=team_cities, status="active").order_by("code"))
                        or team_cities
                    )
                    reps = []
                    for i in range(s.reps):
                        is_login = first_district and t_index == 0 and i == 0
                        reps.append(self.hire(team, Role.REP, username="rep" if is_login else None))
                        if is_login:
                            login_rep = reps[-1]
                    teams.append(_Team(lead, reps, counties))
        # Customers last, team by team and rep by rep, so the org above stays as it always was.
        for squad_index, squad in enumerate(teams):
            self.squad_index = squad_index
            recent: list[Customer] = []  # this team's latest customers: where near-duplicates come from
            for rep in squad.reps:
                count = s.customers_per_rep
                if rep is login_rep:
                    count = round(count * LOGIN_REP_SHARE)
                for _ in range(count):
                    planned = self.plan_customer(squad, rep, recent)
                    recent = [*recent[-49:], planned.customer]
                    self.pending.append(planned)
                    if len(self.pending) >= self.chunk:
                        self.flush()
        self.flush()
        self.report.plants.extend(self.planter.plants())
        from liuke.customers.services import customers_refresh_derived

        customers_refresh_derived()
        from .channel import build_channel

        self.report.channel = build_channel(seed=self.seed, today=self.today)
        self.report.plants.extend(self.report.channel.plants)
        return self.report

    # --- writing ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the pending customers with their teams, contacts and knowers, four logged bulk inserts."""
        if not self.pending:
            return
        for p in self.pending:  # where the customer is (check-ins on record cards are measured against it)
            site = site_of(p.customer)
            if site is not None:
                p.customer.latitude, p.customer.longitude = Decimal(f"{site[0]:.6f}"), Decimal(f"{site[1]:.6f}")
        customers = changelog.bulk_create(Customer, [p.customer for p in self.pending])
        members = [
            AccountTeamMember(customer=p.customer, employee=emp, role=role, since=since, until=p.until.get(i))
            for p in self.pending
            for i, (emp, role, since) in enumerate(p.team)
        ]
        changelog.bulk_create(AccountTeamMember, members)
        contacts = [c for p in self.pending for c, _ in p.contacts]  # bulk_create takes the customers' new ids
        changelog.bulk_create(Contact, contacts)
        knowers = [
            ContactKnower(contact=c, employee=emp, familiarity=fam)
            for p in self.pending
            for c, known in p.contacts
            for emp, fam in known
        ]
        changelog.bulk_create(ContactKnower, knowers)
        self.report.customers += len(customers)
        self.report.team_members += len(members)
        self.report.contacts += len(contacts)
        self.report.knowers += len(knowers)
        self.pending = []

    # --- one customer -------------------------------------------------------------------------

    def place(self, county: Division) -> _Place:
        place = self.places.get(county.code)
        if place is None:
            city = self.divisions.get(county.parent_id) if county.parent_id else None
            province = self.divisions.get(county.code[:2] + "0000") or county
            city_is_name = city is not None and city.name not in ("市辖区", "县", "省直辖县级行政区划")
            area = AREA_CODES.get(county.code[:4]) or AREA_CODES.get(county.code[:2])
            place = _Place(
                county=county,
                city=city,
                province=province,
                base=_base(county),
                city_base=_base(city) if city is not None and city_is_name else _base(province),
                area=area or CAPITAL_AREA.get(county.code[:2], "010"),
            )
            self.places[county.code] = place
        return place

    def plan_customer(self, team: _Team, rep: Employee, recent: list[Customer]) -> _Planned:
        self.customer_seq += 1
        n = self.customer_seq
        rng = random.Random(self.seed * 1_000_003 + n)
        original = recent[-1 - rng.randrange(min(len(recent), 20))] if recent else None
        info: dict[str, Any] = {}
        if original is not None and rng.random() < DUPLICATE_SHARE:
            customer = self.near_duplicate(rng, n, original)
            self.report.duplicates += 1
        else:
            customer = self.new_customer(rng, n, self.place(rng.choice(team.counties)), info)
        planned = _Planned(customer, self.plan_team(rng, team, rep), [])
        planted = self.planter.team(planned, lead=team.lead, reps=team.reps, squad=self.squad_index)
        self.plan_contacts(rng, planned, info.get("diligence", 0.0), lead=team.lead)
        if not planted:
            self.planter.archive(planned, squad=self.squad_index)
        return planned

    def near_duplicate(self, rng: random.Random, n: int, original: Customer) -> Customer:
        """The same organisation entered again by someone else: same name (give or take the brackets)."""
        name = original.name
        if "（" in name and rng.random() < 0.5:
            name = name.replace("（", "(").replace("）", ")")
        assert original.division is not None  # every demo customer sits in a division
        place = self.place(original.division)
        street = rng.choice(STREETS)
        return Customer(
            code=f"C{n:07d}",
            name=name,
            kind=original.kind,
            grade=rng.choice(["", CustomerGrade.B, CustomerGrade.C]),
            status=rng.choice([CustomerStatus.ACTIVE, CustomerStatus.ACTIVE, CustomerStatus.PROSPECT]),
            division=original.division,
            division_method=DivisionMethod.GIVEN,
            division_confidence=1.0,
            address=f"{original.division.full_name}{street}{rng.randrange(1, 999)}号",
            phone=self.phone(rng, place) if rng.random() < 0.6 else "",
            fields={},
        )

    def new_customer(self, rng: random.Random, n: int, place: _Place, info: dict[str, Any]) -> Customer:
        kind = _weighted(
            rng,
            [
                (CustomerKind.HOSPITAL, 22),
                (CustomerKind.PHARMACY, 38),
                (CustomerKind.CLINIC, 25),
                (CustomerKind.DISTRIBUTOR, 5),
                (CustomerKind.RETAILER, 8),
                (CustomerKind.OTHER, 2),
            ],
        )
        street = rng.choice(STREETS)
        for attempt in range(12):
            name, short, facts = NAMERS[kind](self, rng, place, street)
            if (name_key(name), place.county.code) not in self.taken:
                break
            if attempt >= 6:  # this county is crowded with this kind: try a pharmacy branch instead
                kind = CustomerKind.PHARMACY
            street = rng.choice(STREETS)
        else:
            name, short = f"{name}（{NUMERALS[n % 9]}部）", ""
        self.taken.add((name_key(name), place.county.code))
        grade = _weighted(rng, [(CustomerGrade.A, 15), (CustomerGrade.B, 40), (CustomerGrade.C, 35), ("", 10)])
        info.update(facts)
        if info.get("level") in ("3a", "3b"):
            grade = CustomerGrade.A
        customer = Customer(
            code=f"C{n:07d}",
            name=name,
            short_name=short if rng.random() < 0.7 else "",
            kind=kind,
            grade=grade,
            status=_weighted(
                rng,
                [
                    (CustomerStatus.ACTIVE, 85),
                    (CustomerStatus.PROSPECT, 7),
                    (CustomerStatus.DORMANT, 5),
                    (CustomerStatus.LOST, 3),
                ],
            ),
            division=place.county,
            division_method=DivisionMethod.GIVEN,
            division_confidence=1.0,
            address=f"{place.county.full_name}{street}{rng.randrange(1, 999)}号",
            phone=self.phone(rng, place) if rng.random() < 0.85 else "",
        )
        customer.fields = self.archive_fields(rng, customer, place, info)
        return customer

    def phone(self, rng: random.Random, place: _Place) -> str:
        digits = 8 if len(place.area) == 3 or rng.random() < 0.8 else 7
        return f"{place.area}-{rng.randrange(2, 9)}{rng.randrange(10 ** (digits - 2), 10 ** (digits - 1))}"

    def plan_team(self, rng: random.Random, team: _Team, rep: Employee) -> list[tuple[Employee, str, dt.date]]:
        since = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 2200))
        members: list[tuple[Employee, str, dt.date]] = [(rep, TeamRole.DEVELOP, since)]
        roll = rng.random()
        later = since + dt.timedelta(days=rng.randrange(0, 400))
        if roll < SECOND_LINE[0]:
            members.append((team.lead, TeamRole.MANAGER, later))
        elif roll < SECOND_LINE[1]:
            other = rng.choice([r for r in team.reps if r != rep] or [team.lead])
            members.append((other, TeamRole.MAINTAIN if rng.random() < 0.75 else TeamRole.SUPPORT, later))
        # else: single-threaded (the coverage dashboards and the single_threaded alert have some to show)
        return members

    # --- archive fields -----------------------------------------------------------------------

    def archive_fields(self, rng: random.Random, customer: Customer, place: _Place, info: dict) -> dict[str, Any]:
        """A varying share of the archive: most kept up, some half done, a few hardly begun."""
        roll = rng.random()
        if roll < DILIGENCE[0]:  # hardly begun
            diligence = rng.uniform(0.0, 0.1)
        elif roll < DILIGENCE[1]:  # half done
            diligence = rng.uniform(0.15, 0.8)
        else:  # kept up, as the archive's completeness score asks
            diligence = rng.uniform(0.88, 1.0)
        info["diligence"] = diligence
        values: dict[str, Any] = {}
        for defn in self.definitions:
            required = customer.kind in (defn.required_for or [])
            if rng.random() >= (diligence if required else diligence * 0.3):
                continue
            if not required and customer.kind not in self.relevant[defn.key]:
                continue
            value = self.field_value(rng, defn, customer, place, info)
            if value is not None and value != "" and value != []:
                values[defn.key] = value
        return values

    def field_value(self, rng: random.Random, defn: FieldDefinition, customer: Customer, place: _Place, info: dict):
        maker = FIELD_MAKERS.get(defn.key)
        if maker is not None:
            value = maker(self, rng, customer, place, info)
            if defn.type == FieldType.NUMBER:
                value = _clamp(defn, value)
            return value
        kind = defn.type
        if kind == FieldType.NUMBER:
            high = float(defn.max_value) / 50 if defn.max_value is not None else 1000
            low = float(defn.min_value or 0)
            return _clamp(defn, round(rng.uniform(low, max(low, high))))
        if kind == FieldType.DATE:
            return (dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 1800))).isoformat()
        if kind == FieldType.CHOICE:
            return rng.choice(defn.choices)["value"] if defn.choices else None
        if kind == FieldType.MULTICHOICE:
            picked = rng.sample(defn.choices, min(len(defn.choices), rng.randint(1, 3))) if defn.choices else []
            return [c["value"] for c in defn.choices if c in picked]
        if kind == FieldType.BOOLEAN:
            return rng.random() < 0.7
        if kind == FieldType.PHONE:
            return self.phone(rng, place)
        if kind == FieldType.LONGTEXT:
            return rng.choice(GENERIC_NOTES)
        return rng.choice(GENERIC_NOTES)[:30]

    def plan_contacts(self, rng: random.Random, planned: _Planned, diligence: float, *, lead: Employee) -> None:
        """0-5 contacts (mostly 2-3), one or two of them key; the develop rep knows most of them, the second
        person on the team the key ones (some only the develop rep knows: flagged on the customer page)."""
        customer = planned.customer
        count = _weighted(rng, CONTACT_COUNTS)
        if diligence > 0.6:
            count = max(count, 2)
        elif diligence < 0.1:
            count = min(count, 1)
        titles = TITLES[customer.kind]
        develop = planned.team[0][0]
        second = planned.team[1][0] if len(planned.team) > 1 else None
        keys = 0
        for i in range(count):
            title = titles[0] if i == 0 else rng.choice(titles[1:])
            department = title.department or (rng.choice(DEPARTMENTS) if customer.kind == CustomerKind.HOSPITAL else "")
            is_key = i == 0 or (i == 1 and rng.random() < 0.4)
            keys += is_key
            birthday = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 11000)) if rng.random() < 0.2 else None
            contact = Contact(
                customer=customer,
                name=self.contact_name(rng),
                title=f"{department}主任" if title.title == "科主任" else title.title,
                purchase_role=title.role,
                department=department,
                mobile=f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}" if rng.random() < 0.92 else "",
                phone=self.phone(rng, self.place(customer.division))
                if customer.division and rng.random() < 0.3
                else "",
                wechat=f"wx_{rng.randrange(10**6, 10**9):x}" if rng.random() < 0.35 else "",
                birthday=birthday,
                preferences=rng.choice(PREFERENCES) if rng.random() < 0.25 else "",
                notes=rng.choice(CONTACT_NOTES) if rng.random() < 0.15 else "",
                is_key=is_key,
            )
            known: list[tuple[Employee, int]] = []
            lonely_key = is_key and rng.random() < LONELY_KEY_SHARE  # known to one person only
            if rng.random() < (0.995 if is_key else 0.85):
                known.append((develop, _weighted(rng, [(1, 3), (2, 4), (3, 3)])))
            if second is not None and not (lonely_key and known) and rng.random() < (0.99 if is_key else 0.35):
                known.append((second, _weighted(rng, [(1, 5), (2, 3), (3, 2)])))
            elif second is None and is_key and lead != develop and rng.random() < 0.6:
                known.append((lead, 1))  # the team lead met them at an event, though not on the account team
            planned.contacts.append((contact, known))

    def contact_name(self, rng: random.Random) -> str:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _clamp(defn: FieldDefinition, value):
    if value is None:
        return None
    if defn.min_value is not None and value < defn.min_value:
        value = type(value)(defn.min_value)
    if defn.max_value is not None and value > defn.max_value:
        value = type(value)(defn.max_value)
    return value


# --- names by kind: (name, short name, facts the archive fields follow) --------------------------------


def _hospital(b: _Builder, rng: random.Random, p: _Place, street: str) -> tuple[str, str, dict]:
    urban = p.county.name.endswith("区")
    roll = rng.random()
    if roll < 0.25:
        return f"{p.county.name}人民医院", f"{p.base}人医", {"level": "3b" if urban else "2a", "type": "general"}
    if roll < 0.4:
        return f"{p.county.name}中医医院", f"{p.base}中医院", {"level": "2a", "type": "tcm"}
    if roll < 0.5:
        return f"{p.county.name}妇幼保健院", f"{p.base}妇幼", {"level": "2a", "type": "maternal_child"}
    if roll < 0.6:
        k = rng.randint(2, 5)
        return f"{p.county.name}第{NUMERALS[k - 1]}人民医院", f"{p.base}{NUMERALS[k - 1]}院", {"level": "2b"}
    if roll < 0.67:
        return f"{p.city_base}市{p.base}中西医结合医院", "", {"level": "2a", "type": "integrated"}
    if roll < 0.8:
        specialty = rng.choice(HOSPITAL_SPECIALTIES)
        return f"{p.base}{specialty}医院", "", {"level": "2", "type": "specialized"}
    if roll < 0.92:
        word = rng.choice(PRIVATE_HOSPITAL_WORDS)
        suffix = rng.choice(["医院", "医院", "妇产医院", "眼科医院", "口腔医院"])
        return f"{p.base}{word}{suffix}", "", {"level": rng.choice(["1", "2", "unrated"]), "owner": "private"}
    town = _town(rng)
    return f"{p.base}{town}中心医院", f"{town}中心医院", {"level": "1", "type": "township"}


def _town(rng: random.Random) -> str:
    return rng.choice(TOWN_FIRST) + rng.choice(TOWN_SECOND)


def _pharmacy(b: _Builder, rng: random.Random, p: _Place, street: str) -> tuple[str, str, dict]:
    if rng.random() < 0.7:
        brand, short, hq = rng.choice(PHARMACY_BRANDS)
        branch = f"{p.base}{street}店" if rng.random() < 0.75 else f"{p.base}{street}{NUMERALS[rng.randrange(2, 9)]}店"
        return f"{brand}（{branch}）", f"{short}{street}店", {"chain": hq}
    word = rng.choice(INDEPENDENT_PHARMACY)
    suffix = rng.choice(["大药房", "药店", "堂药店", "医药商店"])
    return f"{p.base}{word}{suffix}", "", {}


def _clinic(b: _Builder, rng: random.Random, p: _Place, street: str) -> tuple[str, str, dict]:
    roll = rng.random()
    if roll < 0.35:
        town = street.removesuffix("路").removesuffix("街").removesuffix("大道")
        return f"{p.county.name}{town}街道社区卫生服务中心", f"{town}社区", {"type": "community"}
    if roll < 0.6:
        town = _town(rng)
        return f"{p.county.name}{town}镇卫生院", f"{town}卫生院", {"type": "township"}
    if roll < 0.85:
        person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        kind = rng.choice(["诊所", "中医诊所", "口腔诊所", "内科诊所", "儿科诊所"])
        return f"{p.base}{person}{kind}", "", {"specialty": kind}
    word = rng.choice(WORDS) + rng.choice(WORDS)
    return f"{p.base}{word}门诊部", "", {}


def _distributor(b: _Builder, rng: random.Random, p: _Place, street: str) -> tuple[str, str, dict]:
    word = rng.choice(WORDS) + rng.choice(WORDS)
    roll = rng.random()
    if roll < 0.5:
        return f"{p.city_base}{word}医药有限公司", f"{word}医药", {"tier": "regional"}
    if roll < 0.8:
        return f"{p.base}{word}医药商业有限公司", f"{word}医药", {"tier": "county"}
    return f"{p.province.name}{word}医药有限公司", f"{word}医药", {"tier": "provincial"}


def _retailer(b: _Builder, rng: random.Random, p: _Place, street: str) -> tuple[str, str, dict]:
    if rng.random() < 0.5:
        brand = rng.choice(RETAIL_BRANDS)
        return f"{brand}（{p.base}{street}店）", f"{brand}{street}店", {}
    word = rng.choice(WORDS) + rng.choice(WORDS)
    return f"{p.base}{word}{rng.choice(['超市', '母婴店', '便利店', '保健品商行'])}", "", {}


def _other(b: _Builder, rng: random.Random, p: _Place, street: str) -> tuple[str, str, dict]:
    return (
        rng.choice(
            [
                f"{p.county.name}疾病预防控制中心",
                f"{p.base}{_town(rng)}养老院",
                f"{p.base}{rng.choice(WORDS)}{rng.choice(WORDS)}康养中心",
                f"{p.county.name}{rng.choice(['第一', '第二', '实验'])}中学医务室",
            ]
        ),
        "",
        {},
    )


NAMERS: dict[str, Callable[[_Builder, random.Random, _Place, str], tuple[str, str, dict]]] = {
    CustomerKind.HOSPITAL: _hospital,
    CustomerKind.PHARMACY: _pharmacy,
    CustomerKind.CLINIC: _clinic,
    CustomerKind.DISTRIBUTOR: _distributor,
    CustomerKind.RETAILER: _retailer,
    CustomerKind.OTHER: _other,
}

# --- archive field values: the stored forms of liuke.customers.fields.clean_value -------------------


def _relevant(defn: FieldDefinition) -> set[str]:
    if defn.required_for:
        return set(defn.required_for) | KIND_ALSO.get(defn.key, set())
    return KIND_ONLY.get(defn.key, _ALL)


def demo_build(
    *,
    scale: str = "small",
    seed: int = 2026,
    chunk: int = CHUNK,
    now: dt.datetime | None = None,
    screen: bool = True,
) -> DemoReport:
    """Create the demo company in an empty database; same scale, seed and day, same company. Ends with a
    full screening (``screen``), so the alert inbox holds the planted anomalies on the first login."""
    now = now or timezone.now()
    with change_context(source=ChangeSource.SYSTEM), transaction.atomic():
        report = _Builder(SCALES[scale], seed, chunk=chunk, today=timezone.localdate(now)).build()
        report.cards = cards_build(scale=scale, seed=seed, chunk=min(chunk, CARDS_CHUNK), now=now)
        report.plants.extend(work_plants(timezone.localdate(now)))
        if screen:
            from liuke.alerts import engine

            report.screening = engine.screen()
        return report
