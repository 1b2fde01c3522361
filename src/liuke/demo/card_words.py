"""What the demo's record cards say: templates whose blanks (figures, dates) are drawn per text, so summaries
are specific and varied, around one product of the company's catalogue per card (``liuke.demo.interactions``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue import BY_NAME, COMPETITORS
from .vocabulary import DEPARTMENTS

BOILERPLATE_SUMMARIES = ["正常拜访", "例行拜访，沟通良好", "一切正常", "拜访客户，维护客情", "日常拜访", "同上"]
BOILERPLATE_PURPOSES = ["拜访客户", "例行拜访", "客情维护", ""]
PURPOSES = {
    "hospital": [
        "与{title}{contact}沟通{drug}进院进展",
        "药事会前确认{drug}新品申请材料",
        "跟进{dept}科室会安排",
        "了解{dept}本月{drug}用量",
        "处理{drug}断货后的补货",
        "与财务科对账，跟进回款",
        "回访{dept}{contact}，收集{drug}使用反馈",
        "介绍{drug}最新循证数据",
    ],
    "pharmacy": [
        "巡店，检查{drug}陈列和库存",
        "与{title}{contact}沟通季度促销方案",
        "对账并确认{drug}补货",
        "店员培训：{drug}用药指导",
        "了解竞品在店内的活动",
    ],
    "clinic": [
        "拜访{title}{contact}，介绍{drug}",
        "了解门诊{drug}用药需求",
        "确认{drug}到货和使用情况",
        "邀请{contact}参加区域学术会",
    ],
    "distributor": [
        "与{title}{contact}对账回款",
        "沟通{drug}库存和配送计划",
        "确认下月{drug}备货",
        "协调医院订单配送时效",
    ],
    "retailer": ["巡店，检查{drug}陈列", "与{title}{contact}沟通补货", "对账并确认下月订单"],
    "other": ["拜访{title}{contact}，了解采购需求", "沟通{drug}采购计划"],
}
OPENERS = {
    "visit": ["在{place}与{contact}{title}面谈约{mins}分钟。", "上门拜访{contact}{title}，{place}见面约{mins}分钟。"],
    "phone": ["电话联系{contact}{title}，通话约{mins}分钟。", "与{contact}{title}电话沟通。"],
    "wechat": ["微信与{contact}{title}沟通。", "{contact}{title}微信回复了上次的问题。"],
    "meeting": [
        "参加{dept}{what}，{contact}{title}主持，到场{n}人。",
        "与{contact}{title}及{dept}骨干开会约{mins}分钟。",
    ],
    "event": ["举办{dept}科室会，讲{drug}的{topic}，到场医生{n}人。", "区域学术沙龙，{contact}{title}到场并发言。"],
    "delivery": ["随配送商送货{n}件{drug}，{contact}签收。", "现场确认{drug}{n}件到货，随货同行单已签收。"],
}
_HOSPITAL_FACTS = [
    "{dept}上月{drug}用量{n}{unit}，较前月{updown}{pct}%。",
    "{contact}表示{date}药事会将讨论{drug}的新品申请。",
    "药剂科库存{drug}{n}{unit}，约够{days}天用量。",
    "{contact}反馈{drug}在{dept}的使用评价较好，不良反应报告{k}例。",
    "{competitor}近期在{dept}开展病例征集，每例补贴{fee}元。",
    "{contact}希望{date}前安排一次{dept}的学术讲座。",
    "{contact}提到{dept}新来两名主治医师，对{drug}还不熟悉。",
    "对方应付账款{money}万元，其中逾期{days}天的约{money2}万元。",
]
_STORE_FACTS = [
    "门店{drug}月销{n}{unit}，{competitor}同类产品约{n2}{unit}。",
    "{drug}本季度累计采购{money}万元，完成季度目标的{pct}%。",
    "店内{drug}库存{n}{unit}，陈列在{shelf}。",
    "{competitor}在店内做买赠活动，{drug}销量{updown}{pct}%。",
    "{contact}希望{date}前安排一次店员培训。",
]
_CLINIC_FACTS = [
    "门诊每天开{drug}的处方约{k}张。",
    "{drug}本季度累计采购{money}万元，完成季度目标的{pct}%。",
    "{contact}希望{date}前参加一次区域学术会。",
    "{competitor}的同类产品报价{their_price}元/{unit}，比我司{drug}低{pct}%。",
]
_DISTRIBUTOR_FACTS = [
    "{drug}库存{n}件，约够{days}天配送。",
    "对方应付账款{money}万元，其中逾期{days}天的约{money2}万元。",
    "下月医院订单预计{n}件{drug}，需提前备货。",
    "{drug}本季度累计采购{money}万元，完成季度目标的{pct}%。",
]
_COMMON_FACTS = [
    "{competitor}的同类产品报价{their_price}元/{unit}，比我司{drug}低{pct}%。",
    "下月起执行省集采价格，{drug}挂网价调整为{price}元。",
]
# What a card may report, by the kind of customer (common facts go with every kind).
FACTS = {
    "hospital": _HOSPITAL_FACTS + _COMMON_FACTS,
    "pharmacy": _STORE_FACTS + _COMMON_FACTS,
    "retailer": _STORE_FACTS + _COMMON_FACTS,
    "clinic": _CLINIC_FACTS + _COMMON_FACTS,
    "distributor": _DISTRIBUTOR_FACTS + _COMMON_FACTS,
    "other": _CLINIC_FACTS + _COMMON_FACTS,
}
_PROBLEMS_ANYWHERE = [
    "回款逾期{days}天，财务要求先对账",
    "{drug}断货{k}天，客户有意见",
    "{competitor}降价{pct}%抢量，{drug}销量下滑",
    "配送商{k}天未送货",
    "发票抬头有误，需要重开",
    "近效期{drug}{n}{unit}需要调换",
    "对方要求延长账期到{days}天",
]
_PROBLEMS_HOSPITAL = [
    "{drug}进院申请卡在药事会，需补充临床资料",
    "{drug}断货{k}天，{dept}临床有意见",
    "科室会申请未获医务科批准",
    "挂网价与省平台最新价格不一致",
    "医保限制{drug}二线使用，处方量下降",
    "新任药剂科主任对我司产品不了解",
    "{drug}一品两规名额被{competitor}占用",
]
_PROBLEMS_STORE = ["门店陈列位被{competitor}买断", "店员对{drug}的适应症不熟悉", "总部采购目录暂未收录{drug}"]
PROBLEMS = {
    "hospital": _PROBLEMS_HOSPITAL + _PROBLEMS_ANYWHERE,
    "pharmacy": _PROBLEMS_STORE + _PROBLEMS_ANYWHERE,
    "retailer": _PROBLEMS_STORE + _PROBLEMS_ANYWHERE,
    "clinic": ["医保限制{drug}二线使用，处方量下降", *_PROBLEMS_ANYWHERE],
    "distributor": ["挂网价与省平台最新价格不一致", *_PROBLEMS_ANYWHERE],
    "other": _PROBLEMS_ANYWHERE,
}
_SOLUTIONS_ANYWHERE = [
    "已协调配送商{k}日内补货。",
    "与{contact}约定{date}对账。",
    "已向公司申请季度返利政策。",
    "发票已重开并快递寄出。",
    "近效期产品已办理退换货。",
    "",
]
SOLUTIONS = {
    "hospital": [
        "提供{drug}药物经济学资料和省内使用数据。",
        "申请临时采购通道，先保证临床用药。",
        "安排医学部同事{date}来院做专题讲座。",
        "与{contact}商定先做{k}例临床观察。",
        *_SOLUTIONS_ANYWHERE,
    ],
    "pharmacy": ["安排{date}给店员做{drug}培训。", "申请{drug}陈列费用和买赠物料。", *_SOLUTIONS_ANYWHERE],
    "retailer": ["申请{drug}陈列费用和买赠物料。", *_SOLUTIONS_ANYWHERE],
    "clinic": ["送{drug}说明书和用药手册。", *_SOLUTIONS_ANYWHERE],
    "distributor": ["调整下月发货计划，优先保证医院订单。", *_SOLUTIONS_ANYWHERE],
    "other": _SOLUTIONS_ANYWHERE,
}
NEXT_STEPS = [
    "提交{drug}新药申请材料",
    "约{contact}参加下周的科室会",
    "跟进回款{money}万元",
    "确认{drug}到货情况",
    "送{drug}说明书和最新文献",
    "回电{contact}答复价格问题",
    "安排{dept}科室会",
    "对账并寄出对账单",
    "提交返利申请",
    "复查{drug}库存和效期",
]
SUGGESTIONS = [
    "建议公司对{drug}给予阶段性价格支持。",
    "建议与配送商签订备货协议，避免再次断货。",
    "建议区域经理一起拜访{contact}。",
    "建议把{drug}纳入下季度重点品种。",
]
INTEL_ACTIVITIES = ["买赠活动：买十送一", "科室会两场", "病例征集", "学术会议赞助", "降价抢量", "专柜陈列", "无"]
BACKDATE_REASONS = [
    "出差途中手机没电，回来补录",
    "当天在外地参加培训，今天补记",
    "系统登录异常，延后补录",
    "忘记提交，发现后补录",
]
AMEND_REASONS = ["补充遗漏的信息", "更正用量数字", "更正联系人的说法", "补记对方后来的答复"]
AMEND_TEXTS = [
    "补充：{contact}下午又来电，希望{date}前给出报价。",
    "更正：{drug}用量应为{n}{unit}。",
    "补充：{competitor}也在跟进此事。",
]
DRAFT_SUMMARIES = ["与{contact}初步沟通{drug}，具体待补充", "电话未接通，明天再联系", "{drug}补货，待确认数量"]
PLACES = {
    "hospital": ["药剂科", "科室办公室", "会议室", "院办", "采购科"],
    "pharmacy": ["门店", "店长办公室"],
    "retailer": ["门店", "办公室"],
    "clinic": ["诊室", "药房"],
    "distributor": ["采购部", "仓库", "会议室"],
    "other": ["办公室"],
}
WHATS = ["科室早会", "药事会前沟通会", "季度业务回顾会"]
TOPICS = ["临床进展", "用药安全", "指南更新", "病例分享"]
CLOSED_NOTES = ["客户撤回该诉求", "已由公司商务部统一处理", "政策调整后问题不再存在"]
CANCEL_NOTES = ["客户取消了该安排", "已合并到其他跟进事项"]
DONE_BY_HAND_NOTES = ["已电话确认", "微信上已落实", "已完成，未另写记录卡"]
IN_PROGRESS_NOTES = ["已上报公司，等待答复", "正在与配送商协调", "医务科审批中"]


@dataclass(frozen=True)
class Talk:
    """What cards say about one product of the company's catalogue."""

    name: str
    unit: str  # its base unit (盒, 瓶): quantities on cards are counted in it
    departments: tuple[str, ...]  # where hospitals use it
    competitors: tuple[str, ...]  # who competes with it
    price: float | None  # its terminal price per base unit: quoted prices are drawn around it


def talk_about(products: Iterable[tuple[str, str]]) -> list[Talk]:
    """What cards say about each (name, base unit) of the company's products: the demo catalogue's own
    departments, competitors and price for its products, the general ones for any other."""
    talks = []
    for name, unit in products:
        item = BY_NAME.get(name)
        if item is None:
            talks.append(Talk(name, unit or "盒", tuple(DEPARTMENTS), tuple(COMPETITORS), None))
        else:
            talks.append(Talk(name, unit, item.departments, item.competitors, float(item.floor_terminal)))
    return talks


def card_topic(rng: random.Random, kind: str, product: Talk) -> dict[str, str]:
    """What one card is about: every text on it names the same product, department, competitor and place."""
    return {
        "drug": product.name,
        "unit": product.unit,
        "dept": rng.choice(product.departments),
        "competitor": rng.choice(product.competitors),
        "place": rng.choice(PLACES.get(kind, PLACES["other"])),
        "ref_price": str(product.price or ""),
    }


class Words(dict):
    """The blanks of a card's templates, drawn when a template asks for them (one draw per text)."""

    def __init__(self, rng: random.Random, day: dt.date, contact: str, title: str, topic: dict[str, str]):
        super().__init__(contact=contact, title=title, **topic)  # one card, one product, department, competitor
        self.rng, self.day = rng, day  # dates in the text come after the card's own day

    def __missing__(self, key: str) -> str:
        rng = self.rng
        ref = float(self.get("ref_price") or 0)
        if key == "date":
            day = self.day + dt.timedelta(days=rng.randint(3, 30))
            value = f"{day.month}月{day.day}日"
        elif key == "price" and ref:  # our product's price, as a tender or a price list sets it
            value = f"{ref * rng.uniform(0.85, 1.1):.2f}"
        elif key == "their_price" and ref:  # a rival's, as much below ours as the text says
            value = f"{ref * (100 - int(self['pct'])) / 100:.2f}"
        elif key in _DRAWS:
            value = _DRAWS[key](rng)
        else:
            raise KeyError(key)
        self[key] = value
        return value


_DRAWS = {
    "n": lambda rng: str(rng.randint(20, 600)),
    "n2": lambda rng: str(rng.randint(20, 600)),
    "k": lambda rng: str(rng.randint(2, 12)),
    "pct": lambda rng: str(rng.randint(5, 45)),
    "price": lambda rng: str(rng.choice([12.5, 18, 23.8, 35, 46.5, 58, 88, 128, 260])),  # no price to go by
    "their_price": lambda rng: str(rng.choice([9.8, 15, 21.5, 32, 44.8, 56, 79, 118, 235])),
    "fee": lambda rng: str(rng.choice([50, 80, 100, 150, 200, 300])),
    "money": lambda rng: f"{rng.uniform(0.8, 60):.1f}",
    "money2": lambda rng: f"{rng.uniform(0.2, 8):.1f}",
    "days": lambda rng: str(rng.choice([7, 10, 15, 30, 45, 60, 90])),
    "mins": lambda rng: str(rng.choice([10, 15, 20, 30, 40, 60])),
    "updown": lambda rng: rng.choice(["增长", "增长", "下降"]),
    "what": lambda rng: rng.choice(WHATS),
    "topic": lambda rng: rng.choice(TOPICS),
    "shelf": lambda rng: rng.choice(["收银台旁", "处方药区", "OTC货架端头", "慢病专柜"]),
}
