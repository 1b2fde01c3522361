"""Words the demo company is made of: names, places, titles, brands and which fields suit which kind."""

from __future__ import annotations

from dataclasses import dataclass

from liuke.customers.choices import CustomerKind, PurchaseRole

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国文辉鹏飞宇浩然欣怡子轩"
    "梓涵一诺思远俊杰嘉怡佳琪晨曦雨桐博文天佑若曦"
)
PHARMACY_BRANDS = [
    ("老百姓大药房", "老百姓", "湖南老百姓大药房连锁股份有限公司"),
    ("益丰大药房", "益丰", "益丰大药房连锁股份有限公司"),
    ("大参林", "大参林", "大参林医药集团股份有限公司"),
    ("一心堂", "一心堂", "一心堂药业集团股份有限公司"),
    ("国大药房", "国大", "国药控股国大药房有限公司"),
    ("海王星辰", "海王星辰", "海王星辰医药连锁有限公司"),
    ("漱玉平民", "漱玉", "漱玉平民大药房连锁股份有限公司"),
    ("健之佳", "健之佳", "健之佳医药连锁集团股份有限公司"),
    ("华润堂", "华润堂", "华润医药商业集团有限公司"),
    ("养天和大药房", "养天和", "养天和大药房股份有限公司"),
    ("叮当快药", "叮当", "叮当智慧药房有限公司"),
    ("九州通好药师", "好药师", "九州通医药集团股份有限公司"),
]
INDEPENDENT_PHARMACY = ["仁和", "同济", "康宁", "惠民", "百姓", "德仁", "济生", "福康", "瑞康", "寿康", "天益", "万民"]
STREETS = (
    "人民路 解放路 中山路 建设路 和平路 新华路 文化路 胜利路 健康路 光明路 长江路 黄河路 淮海路 南京路 北京路 "
    "青年路 工农路 团结路 朝阳路 东风路 复兴路 振兴路 学院路 体育路 公园路 沿江路 滨河路 环城路 府前路 车站路 "
    "兴业路 迎宾大道 世纪大道 友谊路 幸福路 金桥路 银河路 紫荆路 桂花路 丹桂路 枫林路 梧桐路 春晖路 永安路 "
    "广场路 鼓楼街 南门街 北大街 西大街 东大街 新街口 河西路 湖滨路 锦绣路 花园路 启明路 华山路 泰山路 黄山路"
).split()
TOWN_FIRST = "东西南北新金高长大石龙凤白青黄清平安永兴和福华太三双马柳杨桃花"
TOWN_SECOND = "桥河山湖塘港庄口集店坝岭溪湾浦泉林田坪镇营场堡关寺"
WORDS = "康华瑞健仁德信达安宁恒泰丰源盛通佳和润昌祥福美嘉济民元鼎宏博远博正"
HOSPITAL_SPECIALTIES = [
    "骨科",
    "眼科",
    "口腔",
    "肿瘤",
    "儿童",
    "精神卫生",
    "康复",
    "皮肤病",
    "妇产",
    "心血管病",
    "肛肠",
]
PRIVATE_HOSPITAL_WORDS = [
    "仁爱",
    "博爱",
    "同仁",
    "仁济",
    "华美",
    "美中",
    "和平",
    "协和",
    "长安",
    "慈济",
    "福寿",
    "康复",
]
RETAIL_BRANDS = ["华润万家", "永辉超市", "大润发", "物美", "联华超市", "苏果超市", "美宜佳", "罗森", "孩子王", "爱婴室"]
NUMERALS = "一二三四五六七八九"
PROVINCE_ABBR = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "黔",
    "53": "滇",
}
# Telephone area codes: a 4-digit city code prefix (or a 2-digit province one) → area code.
AREA_CODES = dict(
    pair.split(":")
    for pair in (
        "11:010 12:022 31:021 50:023 46:0898 52:0851 "
        "3201:025 3202:0510 3203:0516 3204:0519 3205:0512 3206:0513 3207:0518 3208:0517 3209:0515 3210:0514 "
        "3211:0511 3212:0523 3213:0527 3301:0571 3302:0574 3303:0577 3304:0573 3305:0572 3306:0575 3307:0579 "
        "3308:0570 3309:0580 3310:0576 3311:0578 3701:0531 3702:0532 3703:0533 3704:0632 3705:0546 3706:0535 "
        "3707:0536 3708:0537 3709:0538 3710:0631 3711:0633 3713:0539 3714:0534 3715:0635 3716:0543 3717:0530 "
        "1301:0311 1302:0315 1303:0335 1304:0310 1305:0319 1306:0312 1307:0313 1308:0314 1309:0317 1310:0316 "
        "1311:0318 1401:0351 1402:0352 1403:0353 1404:0355 1405:0356 1406:0349 1407:0354 1408:0359 1409:0350 "
        "1410:0357 1411:0358 4401:020 4402:0751 4403:0755 4404:0756 4405:0754 4406:0757 4407:0750 4408:0759 "
        "4409:0668 4412:0758 4413:0752 4414:0753 4415:0660 4416:0762 4417:0662 4418:0763 4419:0769 4420:0760 "
        "4451:0768 4452:0663 4453:0766 3501:0591 3502:0592 3503:0594 3504:0598 3505:0595 3506:0596 3507:0599 "
        "3508:0597 3509:0593 4501:0771 4502:0772 4503:0773 4504:0774 4505:0779 4506:0770 4507:0777 4508:0775 "
        "4509:0775 4510:0776 4511:0774 4512:0778 4513:0772 4514:0771 4201:027 4202:0714 4203:0719 4205:0717 "
        "4206:0710 4207:0711 4208:0724 4209:0712 4210:0716 4211:0713 4212:0715 4213:0722 4228:0718 4301:0731 "
        "4302:0731 4303:0731 4304:0734 4305:0739 4306:0730 4307:0736 4308:0744 4309:0737 4310:0735 4311:0746 "
        "4312:0745 4313:0738 4331:0743 4101:0371 4102:0378 4103:0379 4104:0375 4105:0372 4106:0392 4107:0373 "
        "4108:0391 4109:0393 4110:0374 4111:0395 4112:0398 4113:0377 4114:0370 4115:0376 4116:0394 4117:0396 "
        "3601:0791 3602:0798 3603:0799 3604:0792 3605:0790 3606:0701 3607:0797 3608:0796 3609:0795 3610:0794 "
        "3611:0793 5101:028 5103:0813 5104:0812 5105:0830 5106:0838 5107:0816 5108:0839 5109:0825 5110:0832 "
        "5111:0833 5113:0817 5114:028 5115:0831 5116:0826 5117:0818 5118:0835 5119:0827 5120:028 5301:0871 "
        "5303:0874 5304:0877 5305:0875 5306:0870 5307:0888 5308:0879 5309:0883"
    ).split()
)
CAPITAL_AREA = {"32": "025", "33": "0571", "37": "0531", "13": "0311", "14": "0351", "44": "020", "35": "0591"}
CAPITAL_AREA |= {"45": "0771", "42": "027", "43": "0731", "41": "0371", "36": "0791", "51": "028", "53": "0871"}
# Hospital departments contacts work in (every department a catalogue product is prescribed in, and others).
DEPARTMENTS = ["心内科", "肿瘤科", "呼吸内科", "内分泌科", "神经内科", "消化内科", "肾内科", "血液科"]
DEPARTMENTS += ["儿科", "老年医学科", "急诊科"]


@dataclass(frozen=True)
class _Title:
    title: str
    role: str
    department: str = ""


_DM, _PU, _US = PurchaseRole.DECISION_MAKER, PurchaseRole.PURCHASER, PurchaseRole.USER
_IN, _GK, _FI = PurchaseRole.INFLUENCER, PurchaseRole.GATEKEEPER, PurchaseRole.FINANCE
# The first title of each kind is the usual key contact; later ones are drawn at random.
TITLES: dict[str, list[_Title]] = {
    CustomerKind.HOSPITAL: [
        _Title("药剂科主任", _DM, "药剂科"),
        _Title("院长", _DM, "院办"),
        _Title("分管副院长", _IN, "院办"),
        _Title("采购科长", _PU, "采购科"),
        _Title("科主任", _IN, ""),
        _Title("临床药师", _US, "药剂科"),
        _Title("医务科科长", _GK, "医务科"),
        _Title("财务科长", _FI, "财务科"),
        _Title("药库管理员", _PU, "药剂科"),
        _Title("护士长", _US, ""),
    ],
    CustomerKind.PHARMACY: [
        _Title("店长", _DM, "门店"),
        _Title("采购经理", _PU, "采购部"),
        _Title("执业药师", _US, "门店"),
        _Title("区域经理", _IN, "营运部"),
        _Title("财务", _FI, "财务部"),
        _Title("店员", _US, "门店"),
    ],
    CustomerKind.CLINIC: [
        _Title("主任", _DM, ""),
        _Title("负责人", _DM, ""),
        _Title("全科医生", _US, "全科"),
        _Title("药房负责人", _PU, "药房"),
        _Title("护士长", _GK, ""),
        _Title("财务", _FI, ""),
    ],
    CustomerKind.DISTRIBUTOR: [
        _Title("总经理", _DM, "总经办"),
        _Title("采购经理", _PU, "采购部"),
        _Title("商务经理", _IN, "商务部"),
        _Title("仓储主管", _GK, "物流部"),
        _Title("财务经理", _FI, "财务部"),
        _Title("开票员", _FI, "财务部"),
    ],
    CustomerKind.RETAILER: [
        _Title("店主", _DM, ""),
        _Title("采购", _PU, "采购部"),
        _Title("店长", _IN, "门店"),
        _Title("财务", _FI, ""),
    ],
    CustomerKind.OTHER: [
        _Title("主任", _DM, ""),
        _Title("办公室主任", _GK, "办公室"),
        _Title("采购", _PU, ""),
        _Title("财务", _FI, ""),
    ],
}
CONTACT_COUNTS = [(0, 5), (1, 11), (2, 34), (3, 30), (4, 13), (5, 7)]  # (how many, weight)


_H, _P, _C, _D, _R = "hospital", "pharmacy", "clinic", "distributor", "retailer"
_ALL = {_H, _P, _C, _D, _R, "other"}
# A field required for some kinds is filled only for those, unless listed here; one required for none
# is filled for the kinds listed here (all kinds if it is not listed).
KIND_ALSO = {
    "unified_social_credit_code": {_H},
    "listed_products": {_C, _D, _R},
    "annual_purchase_amount": {_C, _R},
    "actual_payment_days": {_P, _C, _R},
    "invoice_requirements": {_P, _C},
    "delivery_distributor": {_R},
    "receiving_hours": {_C, _R},
    "receiving_requirements": {_C, _D},
    "receiving_phone": {_C},
    "cold_chain_capable": {_H},
    "competitor_products": {_C, _D},
    "last_major_issue": {_P, _C, _R},
    "integrity_agreement_signed": {_P, _C},
    "drug_trading_license_no": {_R},
}
KIND_ONLY = {
    "teaching_hospital": {_H},
    "medical_alliance_role": {_H, _C},
    "medical_alliance_name": {_H, _C},
    "chain_headquarters": {_P},
    "store_count": {_P, _R},
    "dual_channel_pharmacy": {_P},
    "discharges_annual": {_H},
    "surgeries_annual": {_H},
    "physicians_count": {_H, _C},
    "drug_revenue_ratio": {_H, _C},
    "daily_customers": {_P, _R},
    "national_key_specialties": {_H},
    "department_patient_volume": {_H},
    "last_committee_date": {_H},
    "next_committee_date": {_H},
    "provincial_platform": {_H, _D},
    "last_tender_date": {_H},
    "next_tender_date": {_H},
    "vbp_agreed_volume": {_H, _D},
    "downstream_terminals": {_D},
    "delivery_vehicles": {_D},
    "gsp_certificate_no": {_P, _D},
    "gsp_certificate_expiry": {_P, _D},
}


BEDS = {"3a": (1000, 3200), "3b": (500, 1200), "2a": (200, 700), "2b": (150, 500), "2": (80, 400), "1": (20, 120)}
GENERIC_NOTES = [
    "与对方沟通顺畅，按月跟进。",
    "需提前预约，周三下午方便。",
    "历史资料不全，待补充。",
    "去年换了负责人，关系需重新建立。",
    "对价格敏感，重视配送及时性。",
]
PREFERENCES = ["喜欢喝茶，不喝酒", "周末打羽毛球", "关注学术会议和继续教育学分", "只接受微信沟通", "不喜欢临时拜访"]
CONTACT_NOTES = ["明年可能退休", "刚从其他医院调来", "对我司产品评价较好", "与竞品代表关系密切", "主管新药遴选"]
