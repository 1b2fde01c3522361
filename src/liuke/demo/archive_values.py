"""Values for the demo customers' archive fields: one maker per field key, each a function of the builder,
the customer's own random generator, the customer, its place and what was decided about it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from liuke.customers.models import Customer

from .catalogue import CATALOGUE, COMPETITORS
from .vocabulary import _H, BEDS, DEPARTMENTS, GIVEN, PROVINCE_ABBR, SURNAMES, WORDS

LICENCE_MARGIN = dt.timedelta(days=60)  # the nearest a demo licence's expiry is, unless planted


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _date(rng: random.Random, start: dt.date, days: int) -> str:
    return (start + dt.timedelta(days=rng.randrange(0, days))).isoformat()


def _people(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)) for _ in range(n)]


def _beds(info: dict, rng: random.Random) -> int:
    if "beds" not in info:
        low, high = BEDS.get(info.get("level", "2"), (50, 300))
        info["beds"] = rng.randrange(low, high)
    return info["beds"]


def _licence(rng: random.Random, p: Any, letters: str) -> str:
    return f"{PROVINCE_ABBR.get(p.county.code[:2], '')}{letters}{rng.randrange(10**6, 10**7)}"


def _competitor_products(rng: random.Random) -> str:
    product = rng.choice(CATALOGUE)
    theirs = rng.randrange(20, 60)
    ours = rng.randrange(5, 80 - theirs)
    return f"{rng.choice(product.competitors)}的同类品种约占{theirs}%，我司{product.name}约占{ours}%。"


def _competitor_activities(rng: random.Random) -> str:
    product = rng.choice(CATALOGUE)
    return f"{rng.choice(product.competitors)}近期在{rng.choice(product.departments)}开展了病例征集和科室会。"


# (builder, rng, customer, place, info) -> the field's value
FIELD_MAKERS: dict[str, Callable[[Any, random.Random, Customer, Any, dict], Any]] = {
    "hospital_level": lambda b, rng, c, p, info: info.get("level") or rng.choice(["2a", "2b", "1"]),
    "hospital_type": lambda b, rng, c, p, info: (
        info.get("type", "general")
        if info.get("type")
        in ("general", "specialized", "tcm", "integrated", "maternal_child", "community", "township")
        else "general"
    ),
    "ownership": lambda b, rng, c, p, info: (
        info.get("owner") or weighted(rng, [("public", 80), ("private", 15), ("enterprise", 5)])
    ),
    "teaching_hospital": lambda b, rng, c, p, info: info.get("level") in ("3a", "3b") and rng.random() < 0.6,
    "medical_alliance_role": lambda b, rng, c, p, info: "leader" if info.get("level") in ("3a", "3b") else "member",
    "medical_alliance_name": lambda b, rng, c, p, info: f"{p.county.name}{rng.choice(['医共体', '紧密型医联体'])}",
    "medical_insurance_code": lambda b, rng, c, p, info: f"H{p.county.code}{rng.randrange(10**4, 10**5)}",
    "unified_social_credit_code": lambda b, rng, c, p, info: (
        f"{rng.choice(['91', '52', '12'])}{p.county.code}"
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))
    ),
    "medical_institution_license_no": lambda b, rng, c, p, info: f"PDY{rng.randrange(10**5, 10**6)}{p.county.code}",
    "pharmacy_business_model": lambda b, rng, c, p, info: "chain_store" if info.get("chain") else "independent",
    "chain_headquarters": lambda b, rng, c, p, info: info.get("chain") or "",
    "store_count": lambda b, rng, c, p, info: rng.randrange(1, 5) if not info.get("chain") else 1,
    "clinic_specialty": lambda b, rng, c, p, info: {
        "中医诊所": "tcm",
        "口腔诊所": "dental",
        "儿科诊所": "pediatrics",
    }.get(info.get("specialty", ""), "general"),
    "business_hours": lambda b, rng, c, p, info: rng.choice(
        ["08:00-22:00", "全天24小时", "周一至周六 8:00-17:30", "工作日 8:00-12:00，14:00-17:30"]
    ),
    "beds": lambda b, rng, c, p, info: _beds(info, rng),
    "outpatient_daily": lambda b, rng, c, p, info: (
        _beds(info, rng) * rng.randint(2, 5) if c.kind == _H else rng.randrange(30, 400)
    ),
    "discharges_annual": lambda b, rng, c, p, info: _beds(info, rng) * rng.randint(25, 45),
    "surgeries_annual": lambda b, rng, c, p, info: _beds(info, rng) * rng.randint(5, 15),
    "physicians_count": lambda b, rng, c, p, info: (
        round(_beds(info, rng) * rng.uniform(0.3, 0.5)) if c.kind == _H else rng.randrange(2, 20)
    ),
    "annual_revenue": lambda b, rng, c, p, info: round(_beds(info, rng) * rng.uniform(60, 150)),
    "drug_revenue_ratio": lambda b, rng, c, p, info: rng.randrange(22, 40),
    "daily_customers": lambda b, rng, c, p, info: rng.randrange(80, 1200),
    "licensed_pharmacists": lambda b, rng, c, p, info: rng.randrange(1, 5),
    "department_profile": lambda b, rng, c, p, info: (
        f"{rng.choice(DEPARTMENTS)}开放床位{rng.randrange(30, 120)}张，月均出院{rng.randrange(150, 900)}人次；"
        f"{rng.choice(DEPARTMENTS)}为{rng.choice(['市级', '省级'])}重点专科。"
    ),
    "department_patient_volume": lambda b, rng, c, p, info: rng.randrange(200, 5000),
    "national_key_specialties": lambda b, rng, c, p, info: "、".join(
        f"{d}（{rng.choice(['省级', '市级', '国家级'])}）" for d in rng.sample(DEPARTMENTS, 2)
    ),
    "decision_process": lambda b, rng, c, p, info: rng.choice(
        [
            "科室提出申请 → 药剂科审核 → 药事委员会投票 → 院长签批。临时采购由药剂科主任审批。",
            "药事会每季度一次，新品需科室主任和两名副高以上医师联名申请。",
            "由医共体牵头医院统一遴选，本院只报需求。",
        ]
    ),
    "new_drug_application_rules": lambda b, rng, c, p, info: (
        f"每年受理新药申请{rng.randint(1, 4)}次；执行一品两规，同通用名不超过两个品规。"
    ),
    "listed_products": lambda b, rng, c, p, info: "；".join(
        f"{product.name} {product.spec}" for product in rng.sample(CATALOGUE, rng.randint(1, 4))
    ),
    "competitor_products": lambda b, rng, c, p, info: _competitor_products(rng),
    "main_competitor_companies": lambda b, rng, c, p, info: "、".join(rng.sample(COMPETITORS, 3)),
    "competitor_activities": lambda b, rng, c, p, info: _competitor_activities(rng),
    "our_market_share": lambda b, rng, c, p, info: rng.randrange(3, 45),
    "annual_purchase_amount": lambda b, rng, c, p, info: round(
        (_beds(info, rng) / 10 if c.kind == _H else rng.uniform(2, 60)) * rng.uniform(0.5, 3), 1
    ),
    "payment_terms_days": lambda b, rng, c, p, info: rng.choice([30, 60, 90, 90, 120, 180]),
    "actual_payment_days": lambda b, rng, c, p, info: rng.choice([45, 90, 120, 150, 180, 240, 300]),
    "credit_limit": lambda b, rng, c, p, info: rng.choice([50, 100, 200, 500, 1000, 3000]),
    "invoice_requirements": lambda b, rng, c, p, info: rng.choice(
        [
            "需开具增值税专用发票，随货同行单加盖出库章。",
            "发票与随货单一致，每月25日前寄达。",
            "两票制，需提供首营资料。",
        ]
    ),
    "reconciliation_schedule": lambda b, rng, c, p, info: (
        f"每月{rng.randint(20, 28)}日对账，次月{rng.randint(5, 15)}日前结算"
    ),
    "overdue_history": lambda b, rng, c, p, info: rng.choice(
        ["近两年无逾期。", f"{rng.randint(2021, 2024)}年曾逾期{rng.randrange(30, 120)}天，已结清。"]
    ),
    "delivery_distributor": lambda b, rng, c, p, info: rng.choice(
        [f"国药控股{p.city_base}有限公司", f"华润{p.province.name[:2]}医药有限公司", "九州通医药集团股份有限公司"]
    ),
    "backup_distributor": lambda b, rng, c, p, info: f"{p.city_base}{rng.choice(WORDS)}{rng.choice(WORDS)}医药有限公司",
    "receiving_hours": lambda b, rng, c, p, info: rng.choice(
        ["工作日 8:30-11:30，14:00-16:30", "周一至周五 9:00-16:00"]
    ),
    "receiving_requirements": lambda b, rng, c, p, info: (
        f"效期不少于{rng.choice([6, 9, 12])}个月；冷链药品需附温度记录；送货前一天电话预约。"
    ),
    "receiving_phone": lambda b, rng, c, p, info: b.phone(rng, p),
    "pharmacy_dept_phone": lambda b, rng, c, p, info: b.phone(rng, p),
    "receiving_location": lambda b, rng, c, p, info: rng.choice(["门诊楼负一层药库", "后门仓库", "住院部一楼药库"]),
    "min_shelf_life_months": lambda b, rng, c, p, info: rng.choice([6, 9, 12, 18]),
    "distributor_tier": lambda b, rng, c, p, info: info.get("tier", "regional"),
    "coverage_area": lambda b, rng, c, p, info: (
        f"覆盖{p.city_base}全市{rng.randrange(5, 15)}个区县，二级以上医院{rng.randrange(10, 80)}家。"
    ),
    "downstream_terminals": lambda b, rng, c, p, info: rng.randrange(80, 3000),
    "warehouse_area": lambda b, rng, c, p, info: rng.randrange(800, 30000),
    "delivery_vehicles": lambda b, rng, c, p, info: rng.randrange(5, 120),
    "first_cooperation_date": lambda b, rng, c, p, info: _date(rng, dt.date(2012, 1, 1), 4700),
    "last_committee_date": lambda b, rng, c, p, info: _date(rng, dt.date(2025, 1, 1), 330),
    "next_committee_date": lambda b, rng, c, p, info: _date(rng, dt.date(2026, 1, 1), 330),
    "last_tender_date": lambda b, rng, c, p, info: _date(rng, dt.date(2023, 1, 1), 900),
    "next_tender_date": lambda b, rng, c, p, info: _date(rng, dt.date(2026, 1, 1), 500),
    "integrity_agreement_date": lambda b, rng, c, p, info: _date(rng, dt.date(2022, 1, 1), 1300),
    # Valid for a while yet (five-year licences): the ones running out are planted (liuke.demo.plants).
    "drug_trading_license_expiry": lambda b, rng, c, p, info: _date(rng, b.today + LICENCE_MARGIN, 1800),
    "gsp_certificate_expiry": lambda b, rng, c, p, info: _date(rng, b.today + LICENCE_MARGIN, 1800),
    "relationship_history": lambda b, rng, c, p, info: (
        f"{rng.randint(2012, 2019)}年开始合作，{rng.randint(2019, 2023)}年进院/铺货；"
        f"{rng.randint(2023, 2025)}年{rng.choice(['中标省级集采', '更换药剂科主任', '扩大到两个科室'])}。"
    ),
    "previous_reps": lambda b, rng, c, p, info: "、".join(
        f"{name}（{y}-{y + rng.randint(1, 3)}）" for name, y in zip(_people(rng, 2), (2018, 2021), strict=True)
    ),
    "last_major_issue": lambda b, rng, c, p, info: rng.choice(
        ["2024年断货两周，协调配送商调货解决。", "回款延迟，经财务科沟通改为月结。", "竞品降价，争取到临时采购。"]
    ),
    "academic_activity_history": lambda b, rng, c, p, info: (
        f"{rng.randint(2023, 2025)}年举办科室会{rng.randint(1, 6)}场，参加市级学术年会。"
    ),
    "handover_notes": lambda b, rng, c, p, info: rng.choice(
        [
            "关键人是药剂科主任，每月药事会前一周拜访；采购科只管执行。",
            "店长决定进货，总部采购只定目录；月底前补货最容易。",
            "老板本人拍板，周末在店里；不接受电话推销。",
            "回款靠财务经理，季度末前跟进对账。",
        ]
    ),
    "visit_rules_detail": lambda b, rng, c, p, info: "每周二、四下午接待，需在医药代表备案系统预约。",
    "academic_meeting_rules": lambda b, rng, c, p, info: "学术会议需提前报医务科备案，不得在院内发放礼品。",
    "compliance_risk_notes": lambda b, rng, c, p, info: rng.choice(
        ["暂无。", "医院正在开展医药领域腐败问题集中整治。"]
    ),
    "drug_trading_license_no": lambda b, rng, c, p, info: _licence(rng, p, rng.choice(["AA", "CA", "DA"])),
    "gsp_certificate_no": lambda b, rng, c, p, info: _licence(rng, p, "-GSP-"),
    "provincial_platform": lambda b, rng, c, p, info: f"{p.province.name}医药集中采购平台",
    "usage_restrictions": lambda b, rng, c, p, info: "辅助用药目录内品种限二线使用，单张处方不超过7日量。",
    "price_listing_notes": lambda b, rng, c, p, info: f"挂网价按省平台最低价联动，限价{rng.randrange(20, 300)}元/盒。",
    "medical_insurance_designated": lambda b, rng, c, p, info: rng.random() < 0.9,
    "integrity_agreement_signed": lambda b, rng, c, p, info: rng.random() < 0.85,
    "rep_registration_required": lambda b, rng, c, p, info: rng.random() < 0.7,
    "first_business_docs_complete": lambda b, rng, c, p, info: rng.random() < 0.8,
}
