"""A deterministic synthetic company for the demo and the benchmarks.

Same seed and scale, same company: regions, districts and teams across real provinces, staff in
every role, territories over real GB/T 2260 divisions, customers with their account teams.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction

from liuke.core import changelog
from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.customers.choices import CustomerGrade, CustomerKind, CustomerStatus, TeamRole
from liuke.customers.models import AccountTeamMember, Customer
from liuke.org import services as org
from liuke.org.choices import DivisionLevel, Role
from liuke.org.models import Department, Division, Employee

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
    customers_per_rep: int


SCALES = {
    "small": Scale(regions=2, districts=2, teams=2, reps=4, auditors=2, customers_per_rep=5),
    "medium": Scale(regions=3, districts=3, teams=3, reps=5, auditors=4, customers_per_rep=8),
    "large": Scale(regions=5, districts=4, teams=3, reps=7, auditors=8, customers_per_rep=10),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国文辉鹏飞宇浩然欣怡子轩"
    "梓涵一诺思远俊杰嘉怡佳琪晨曦雨桐博文天佑若曦"
)
PHARMACY_BRANDS = ["老百姓大药房", "益丰大药房", "大参林", "一心堂", "国大药房", "海王星辰", "漱玉平民", "健之佳"]


@dataclass
class DemoReport:
    employees: int = 0
    departments: int = 0
    territories: int = 0
    customers: int = 0
    logins: dict[str, str] = field(default_factory=dict)


class _Builder:
    def __init__(self, scale: Scale, seed: int):
        self.scale = scale
        self.rng = random.Random(seed)
        self.report = DemoReport()
        self.emp_seq = 0
        self.used_names: set[str] = set()

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
        company = self.dept("留客医药", "LK", None)
        head_office = self.dept("总部", "LK-HQ", company)
        self.hire(head_office, Role.ADMIN, username="admin")
        director = self.hire(head_office, Role.DIRECTOR, username="director")
        org.department_update(department=company, name=company.name, code=company.code, manager=director)
        audit = self.dept("稽核部", "LK-AUDIT", company)
        for i in range(s.auditors):
            self.hire(audit, Role.AUDITOR, username="auditor" if i == 0 else None)
        provinces = {d.code: d for d in Division.objects.filter(level=DivisionLevel.PROVINCE)}
        customers: list[Customer] = []
        members: list[tuple[int, Employee, str]] = []
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
                    reps = [
                        self.hire(
                            team, Role.REP, username="rep" if first_district and t_index == 0 and i == 0 else None
                        )
                        for i in range(s.reps)
                    ]
                    for rep in reps:
                        for _ in range(s.customers_per_rep):
                            customers.append(self.customer(len(customers) + 1, self.rng.choice(counties)))
                            idx = len(customers) - 1
                            members.append((idx, rep, TeamRole.DEVELOP))
                            roll = self.rng.random()
                            if roll < 0.55:
                                members.append((idx, lead, TeamRole.MANAGER))
                            elif roll < 0.8:
                                other = self.rng.choice([r for r in reps if r != rep] or [lead])
                                members.append((idx, other, TeamRole.MAINTAIN))
                            # else: single-threaded, on purpose (the coverage dashboards need some)
        changelog.bulk_create(Customer, customers)
        changelog.bulk_create(
            AccountTeamMember,
            [
                AccountTeamMember(
                    customer=customers[i],
                    employee=emp,
                    role=role,
                    since=dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
                )
                for i, emp, role in members
            ],
        )
        self.report.customers = len(customers)
        return self.report

    def customer(self, n: int, county: Division) -> Customer:
        base = county.name.removesuffix("区").removesuffix("县").removesuffix("市") or county.name
        roll = self.rng.random()
        if roll < 0.35:
            kind = CustomerKind.HOSPITAL
            name = self.rng.choice(
                [f"{base}人民医院", f"{base}中医院", f"{base}妇幼保健院", f"{county.full_name}第{n % 7 + 1}人民医院"]
            )
        elif roll < 0.7:
            kind = CustomerKind.PHARMACY
            name = f"{self.rng.choice(PHARMACY_BRANDS)}（{base}{n % 9 + 1}店）"
        elif roll < 0.9:
            kind = CustomerKind.CLINIC
            name = self.rng.choice([f"{base}社区卫生服务中心", f"{base}{n % 5 + 1}号诊所", f"{base}镇卫生院"])
        else:
            kind = CustomerKind.RETAILER
            name = f"{base}百姓超市"
        street = self.rng.choice(["人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路"])
        return Customer(
            code=f"C{n:07d}",
            name=name,
            kind=kind,
            grade=self.rng.choice([CustomerGrade.A, CustomerGrade.B, CustomerGrade.B, CustomerGrade.C]),
            status=self.rng.choice([CustomerStatus.ACTIVE] * 8 + [CustomerStatus.PROSPECT, CustomerStatus.DORMANT]),
            division=county,
            address=f"{county.full_name}{street}{self.rng.randrange(1, 999)}号",
        )


def demo_build(*, scale: str = "small", seed: int = 2026) -> DemoReport:
    """Create the demo company in an empty database; same scale and seed, same company."""
    with change_context(source=ChangeSource.SYSTEM), transaction.atomic():
        return _Builder(SCALES[scale], seed).build()
