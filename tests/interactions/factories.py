"""Record cards for the test world: a submitted card on a customer rep_a sees (Shanghai) and one on a
customer rep_a does not see (Jiangsu), each with a problem, a next step, intelligence, an amendment
and an attachment; and a visit plan for each rep."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liuke.core.changelog import change_context
from liuke.interactions import services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name: str = "shelf.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def card_data(**extra):
    data = {
        "occurred_at": timezone.now() - dt.timedelta(hours=2),
        "kind": "visit",
        "purpose": "了解新品进院进度",
        "summary": "与王主任面谈30分钟，药事会定于下月12日，需补齐两份临床资料。",
        "problems_raised": ["缺少临床资料"],
        "next_steps": [{"text": "周五前送临床资料", "due": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}],
        "intel": [{"competitor": "恒瑞", "product": "同类片剂", "price": "23.5", "activity": "学术会"}],
    }
    data.update(extra)
    return data


def write_card(author, customer, *, submit=True, attachment=None, **extra):
    with change_context(source="web", actor=author.user):
        card = services.card_save_draft(author=author, customer=customer, data=card_data(**extra))
        if attachment is not None:
            services.attachment_add(card=card, author=author, upload=attachment)
        if submit:
            card = services.card_submit(card=card, author=author)
    return card


def cards_for(w):
    """Built once per world (memoised on it)."""
    if hasattr(w, "cards"):
        return w.cards
    a = write_card(
        w.rep_a,
        w.customer_a,
        attachment=png("shelf-a.png"),
        summary="上海可见的卡片：王主任说药事会定于12日，需补两份资料。",
    )
    b = write_card(
        w.rep_b,
        w.customer_b,
        attachment=png("shelf-b.png"),
        summary="江苏隐藏的卡片：李科长说库存还够3个月，下季度再谈。",
        problems_raised=["江苏的问题"],
        next_steps=[{"text": "江苏的下一步", "due": timezone.localdate().isoformat()}],
        intel=[{"competitor": "江苏对手", "product": "", "price": "", "activity": ""}],
    )
    with change_context(source="web"):
        amend_a = services.card_amend(
            card=a, author=w.rep_a, changes={"suggestions": "建议加一场科室会"}, reason="补充建议A"
        )
        amend_b = services.card_amend(card=b, author=w.rep_b, changes={"suggestions": "建议"}, reason="补充建议B")
        week = services.week_start_of(timezone.localdate())
        visit_a = services.plan_add(employee=w.rep_a, week_start=week, customer=w.customer_a)
        visit_b = services.plan_add(employee=w.rep_b, week_start=week - dt.timedelta(days=14), customer=w.customer_b)
    w.cards = SimpleNamespace(
        a=a,
        b=b,
        amend=(amend_a, amend_b),
        attachment=(a.attachments.get(), b.attachments.get()),
        problem=(a.problems.get(), b.problems.get()),
        follow_up=(a.follow_ups.get(), b.follow_ups.get()),
        intel=(a.intel_rows.get(), b.intel_rows.get()),
        plan=(visit_a.plan, visit_b.plan),
        visit=(visit_a, visit_b),
    )
    return w.cards
