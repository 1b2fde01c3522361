"""The registered cases: one per business model."""

import datetime as dt

from liuke.customers.models import AccountTeamMember, Contact, ContactKnower, Customer, FieldDefinition, FieldGroup
from liuke.org.models import Department, Employee, Territory

from .generic import ModelCase, register

register(
    ModelCase(
        model=Department,
        list_url="/org/departments/",
        api_url="/api/departments/",
        scoped=lambda w: (w.rep_a, w.jiangsu, None),
        edit_url=lambda obj: f"/org/departments/{obj.pk}/edit/",
        add_url="/org/departments/new/",
        edit_data=lambda w, obj: {"name": "江苏新区", "code": obj.code, "parent": obj.parent_id, "manager": ""},
        edit_check=("name", "江苏新区"),
        edit_denied=lambda w: [w.rep_a, w.manager_a, w.director],
        api_patch=lambda w, obj: {"name": "江苏新区"},
        api_denied=lambda w: w.rep_a,
    )
)

register(
    ModelCase(
        model=Employee,
        list_url="/org/employees/",
        api_url="/api/employees/",
        scoped=lambda w: (w.rep_a, w.rep_a2, w.rep_b),
        label=lambda obj: obj.name,
        edit_url=lambda obj: f"/org/employees/{obj.pk}/edit/",
        add_url="/org/employees/new/",
        edit_data=lambda w, obj: {
            "employee_no": obj.employee_no,
            "name": obj.name,
            "department": obj.department_id,
            "role": obj.role,
            "status": obj.status,
            "email": "",
            "phone": "13812345678",
            "hire_date": "",
            "leave_date": "",
        },
        edit_check=("phone", "13812345678"),
        edit_denied=lambda w: [w.rep_a, w.manager_a, w.director],
        api_patch=lambda w, obj: {"phone": "13812345678"},
        api_denied=lambda w: w.rep_a,
    )
)

register(
    ModelCase(
        model=Territory,
        list_url="/org/territories/",
        api_url="/api/territories/",
        scoped=lambda w: (w.rep_a, w.territory, None),
        edit_url=lambda obj: f"/org/territories/{obj.pk}/edit/",
        add_url="/org/territories/new/",
        edit_data=lambda w, obj: {
            "name": "浦东片区",
            "code": obj.code,
            "parent": "",
            "department": obj.department_id,
            "division_codes": "310115",
        },
        edit_check=("name", "浦东片区"),
        edit_denied=lambda w: [w.rep_a, w.manager_a, w.director],
        entries_per_edit=2,  # the territory's fields, then its division set
    )
)


def _customer_form(w, obj):
    return {
        "name": obj.name,
        "short_name": obj.short_name,
        "kind": obj.kind,
        "grade": obj.grade,
        "status": obj.status,
        "address": obj.address,
        "division_code": obj.division_id or "",
        "phone": "010-66668888",
        "version": obj.version,
    }


register(
    ModelCase(
        model=Customer,
        list_url="/customers/",
        api_url="/api/customers/",
        scoped=lambda w: (w.rep_a, w.customer_a, w.customer_b),
        edit_url=lambda obj: f"/customers/{obj.pk}/edit/",
        add_url="/customers/new/",
        edit_data=_customer_form,
        edit_check=("phone", "010-66668888"),
        editor=lambda w: w.rep_a,  # reps keep their customers' archives
        edit_denied=lambda w: [w.director],
        add_denied=lambda w: [w.director],
        api_patch=lambda w, obj: {"phone": "010-66668888"},
        api_denied=lambda w: w.director,
    )
)

register(
    ModelCase(
        model=Contact,
        list_url=lambda w: w.customer_a.get_absolute_url(),
        api_url="/api/contacts/",
        scoped=lambda w: (w.rep_a, w.contact_a, w.contact_b),
        label=lambda obj: obj.name,
        detail_url=lambda obj: obj.customer.get_absolute_url(),
        edit_url=lambda obj: f"/customers/{obj.customer_id}/contacts/{obj.pk}/",
        add_url=lambda w: f"/customers/{w.customer_a.pk}/contacts/new/",
        edit_data=lambda w, obj: {"name": obj.name, "title": "药剂科主任", "purchase_role": "decision_maker"},
        edit_check=("title", "药剂科主任"),
        editor=lambda w: w.rep_a,
        edit_denied=lambda w: [w.director],
        add_denied=lambda w: [w.director],
        api_patch=lambda w, obj: {"title": "药剂科主任"},
        api_denied=lambda w: w.director,
    )
)

register(
    ModelCase(
        model=ContactKnower,
        list_url=lambda w: w.customer_a.get_absolute_url(),
        api_url=None,
        scoped=lambda w: (w.rep_a, w.knower_a, w.knower_b),
        label=lambda obj: f"{obj.employee.name} (",
        detail_url=lambda obj: obj.contact.customer.get_absolute_url(),
        pending="set from the contact page (POST .../knower/); its own API comes with record cards (issue 4)",
    )
)

register(
    ModelCase(
        model=AccountTeamMember,
        list_url="/customers/",
        api_url="/api/account-team/",
        scoped=lambda w: (w.rep_a, w.customer_a.account_team.first(), w.customer_b.account_team.first()),
        detail_url=lambda obj: obj.customer.get_absolute_url(),
        label=lambda obj: obj.customer.name,
        api_patch=lambda w, obj: {"until": (dt.date.today() - dt.timedelta(days=1)).isoformat()},  # noqa: DTZ011
        api_denied=lambda w: w.rep_a,
        pending="assigned and ended from the customer page (POST .../team/); covered in tests/customers",
    )
)

register(
    ModelCase(
        model=FieldGroup,
        list_url="/customers/fields/",
        api_url=None,
        scoped=lambda w: (w.rep_a, FieldGroup.objects.get(key="basic"), None),
        detail_url=lambda obj: "/customers/fields/",
        label=lambda obj: obj.label_zh,
        pending="groups come with the template; admins edit their fields",
    )
)

register(
    ModelCase(
        model=FieldDefinition,
        list_url="/customers/fields/",
        api_url=None,
        scoped=lambda w: (w.rep_a, FieldDefinition.objects.get(key="beds"), None),
        detail_url=lambda obj: "/customers/fields/",
        label=lambda obj: obj.label_zh,
        edit_url=lambda obj: f"/customers/fields/{obj.pk}/",
        add_url="/customers/fields/new/",
        edit_data=lambda w, obj: {
            "key": obj.key,
            "label_zh": "实际开放床位数",
            "label_en": obj.label_en,
            "group": obj.group_id,
            "type": obj.type,
            "choices": "",
            "required_for": ["hospital"],
            "weight": 4,
            "help_zh": obj.help_zh,
            "help_en": obj.help_en,
            "unit": obj.unit,
        },
        edit_check=("label_zh", "实际开放床位数"),
        edit_denied=lambda w: [w.rep_a, w.manager_a, w.director],
    )
)


# --- channel (issue 5) -------------------------------------------------------------------------------------


def _ch(w):
    from .channel.factories import channel_for

    return channel_for(w)


def _ch_objects(w):
    """Pairs of channel records: one rep_a may see (Shanghai distributor), one they may not (Jiangsu)."""
    import datetime as dt
    from decimal import Decimal

    from liuke.channel import models as cm

    ch = _ch(w)
    if not hasattr(ch, "objs"):
        floor = cm.PriceFloor.objects.create(product=ch.tablets, channel_level="terminal", floor_price=Decimal(28))
        day = dt.date(2024, 1, 1)
        disc = [
            cm.DiscountAuthorization.objects.create(customer=c, product=ch.tablets, net_price=Decimal(25),
                                                    valid_from=day, valid_to=day, approver=w.manager_a)
            for c in (w.customer_a, w.customer_b)
        ]  # fmt: skip
        auth = [
            cm.DistributorAuthorization.objects.create(distributor=d, product=None, division_id=div)
            for d, div in ((ch.dist_sh, "310000"), (ch.dist_js, "320000"))
        ]
        prof = [cm.DistributorProfile.objects.create(distributor=d) for d in (ch.dist_sh, ch.dist_js)]
        alias = [
            cm.TerminalAlias.objects.create(distributor=d, name=n, name_key=n, terminal=ch.terminals[t])
            for d, n, t in ((ch.dist_sh, "瑞金", "H-RJ"), (ch.dist_js, "鼓楼", "H-GL"))
        ]
        imports = [
            cm.FlowImport.objects.create(
                distributor=d, period=day, file_name=name, sha256=(name * 8)[:64], status="active"
            )
            for d, name in ((ch.dist_sh, "sh-jan.xlsx"), (ch.dist_js, "js-jan.csv"))
        ]
        ships = list(cm.Shipment.objects.order_by("distributor__code"))  # D-JS, D-SH
        ch.objs = {"floor": floor, "disc": disc, "auth": auth, "prof": prof, "alias": alias, "imports": imports,
                   "ships": [ships[1], ships[0]]}  # fmt: skip
    return ch.objs


def _pair(key):
    return lambda w: (w.rep_a, _ch_objects(w)[key][0], _ch_objects(w)[key][1])


def _register_channel_cases():
    from liuke.channel import models as cm

    register(
        ModelCase(
            model=cm.Product,
            list_url="/channel/products/",
            api_url="/api/products/",
            scoped=lambda w: (w.rep_a, _ch(w).tablets, None),
            edit_url=lambda obj: f"/channel/products/{obj.pk}/edit/",
            add_url="/channel/products/new/",
            edit_data=lambda w, obj: {
                "code": obj.code,
                "name": "复方丹参片(薄膜衣)",
                "spec": obj.spec,
                "base_unit": obj.base_unit,
                "units_text": "件=50",
                "aliases_text": "",
            },
            edit_check=("name", "复方丹参片(薄膜衣)"),
            editor=lambda w: w.director,  # products are company decisions: directors and admins
            edit_denied=lambda w: [w.rep_a, w.manager_a, w.auditor],
            add_denied=lambda w: [w.rep_a, w.manager_a, w.auditor],
        )
    )
    register(
        ModelCase(
            model=cm.PriceFloor,
            list_url="/channel/prices/",
            api_url=None,
            # Floor prices are for managers and up (a rep never sees them: tests/channel/test_channel_visibility.py).
            scoped=lambda w: (w.manager_a, _ch_objects(w)["floor"], None),
            add_url="/channel/prices/new/",
            add_data=lambda w: {
                "product": _ch(w).syrup.pk,
                "channel_level": "distributor",
                "floor_price": "12.5",
                "valid_from": "2026-01-01",
                "valid_to": "",
            },
            editor=lambda w: w.director,
            add_denied=lambda w: [w.rep_a, w.manager_a, w.auditor],
        )
    )
    register(
        ModelCase(
            model=cm.DiscountAuthorization,
            list_url="/channel/discounts/",
            api_url=None,
            scoped=_pair("disc"),
            add_url="/channel/discounts/new/",
            add_data=lambda w: {
                "customer_code": w.customer_a.code,
                "product": _ch(w).syrup.pk,
                "net_price": "9.9",
                "quantity_cap": "",
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
                "note": "季度返利",
            },
            editor=lambda w: w.manager_a,  # managers approve discounts for customers they see
            add_denied=lambda w: [w.rep_a, w.auditor],
        )
    )
    register(
        ModelCase(
            model=cm.DistributorAuthorization,
            list_url="/channel/authorizations/",
            api_url="/api/authorizations/",
            scoped=_pair("auth"),
            add_url="/channel/authorizations/new/",
            add_data=lambda w: {
                "distributor": _ch(w).dist_sh.pk,
                "product": "",
                "division_code": "310115",
                "valid_from": "2026-01-01",
                "valid_to": "",
            },
            editor=lambda w: w.director,
            add_denied=lambda w: [w.rep_a, w.manager_a, w.auditor],
        )
    )
    register(
        ModelCase(
            model=cm.Shipment,
            list_url="/channel/shipments/",
            api_url="/api/shipments/",
            scoped=_pair("ships"),
            pending="sell-in comes from `liuke import shipments`",
        )
    )
    register(
        ModelCase(
            model=cm.DistributorProfile,
            list_url="/channel/",
            api_url=None,
            scoped=_pair("prof"),
            label=lambda obj: obj.distributor.name,
            pending="the header mapping is set on the upload page and remembered by the flow import",
        )
    )
    register(
        ModelCase(
            model=cm.TerminalAlias,
            list_url="/channel/aliases/",
            api_url=None,
            scoped=_pair("alias"),
            pending="aliases are made in the review queue (tests/channel)",
        )
    )
    register(
        ModelCase(
            model=cm.FlowImport,
            list_url="/channel/imports/",
            api_url="/api/flow-imports/",
            scoped=_pair("imports"),
            label=lambda obj: obj.file_name,
            pending="imports are made by uploading a file (tests/channel, tests/e2e)",
        )
    )


_register_channel_cases()


# --- record cards (issue 4) --------------------------------------------------------------------------------


def _cards(w):
    from .interactions.factories import cards_for

    return cards_for(w)


def _card_pair(key):
    return lambda w: (w.rep_a, getattr(_cards(w), key)[0], getattr(_cards(w), key)[1])


def _register_interaction_cases():
    from liuke.interactions import models as im

    register(
        ModelCase(
            model=im.RecordCard,
            list_url=lambda w: f"/customers/{w.customer_a.pk}/cards/",
            api_url="/api/cards/",
            scoped=lambda w: (w.rep_a, _cards(w).a, _cards(w).b),
            label=lambda obj: obj.summary[:20],
            pending="a submitted card is never edited (amendments: tests/interactions)",
        )
    )
    register(
        ModelCase(
            model=im.CardAmendment,
            list_url=lambda w: _cards(w).a.get_absolute_url(),
            api_url=None,
            scoped=_card_pair("amend"),
            label=lambda obj: obj.reason,
            pending="amendments are added, never edited",
        )
    )
    register(
        ModelCase(
            model=im.Attachment,
            list_url=lambda w: _cards(w).a.get_absolute_url(),
            api_url=None,
            scoped=_card_pair("attachment"),
            label=lambda obj: obj.name,
            pending="attachments are added to drafts (tests/interactions)",
        )
    )
    register(
        ModelCase(
            model=im.Problem,
            list_url="/problems/",
            api_url="/api/problems/",
            scoped=_card_pair("problem"),
            label=lambda obj: obj.description,
            pending="problems change status on their page (tests/interactions)",
        )
    )
    register(
        ModelCase(
            model=im.FollowUp,
            list_url="/follow-ups/?overdue=0",
            api_url="/api/follow-ups/",
            scoped=_card_pair("follow_up"),
            label=lambda obj: obj.description,
            pending="follow-ups are closed on their page (tests/interactions)",
        )
    )
    register(
        ModelCase(
            model=im.MarketIntel,
            list_url=lambda w: _cards(w).a.get_absolute_url(),
            api_url=None,
            scoped=_card_pair("intel"),
            label=lambda obj: obj.competitor,
            pending="intelligence rows come from submitted cards",
        )
    )
    register(
        ModelCase(
            model=im.VisitPlan,
            list_url="/plan/",
            api_url=None,
            scoped=_card_pair("plan"),
            label=lambda obj: obj.week_start.strftime("%Y-%m-%d"),
            pending="plans are made from suggestions on the plan page (tests/interactions)",
        )
    )
    register(
        ModelCase(
            model=im.PlannedVisit,
            list_url="/plan/",
            api_url=None,
            scoped=_card_pair("visit"),
            label=lambda obj: obj.customer.name,
            pending="planned visits are added and removed on the plan page (tests/interactions)",
        )
    )


_register_interaction_cases()


# --- alerts (issue 11) -------------------------------------------------------------------------------------


def _alerts(w):
    """Alerts of the world: one about rep_a's customer CA, one about Jiangsu's CB (each with a note)."""
    if not hasattr(w, "_alerts"):
        from liuke.alerts.models import AlertNote, RuleSetting
        from liuke.core.changelog import change_context

        from .alerts.factories import make_alert

        made = {
            "a": make_alert(rule="uncovered", customer=w.customer_a, params={"customer": w.customer_a.name}),
            "b": make_alert(rule="uncovered", customer=w.customer_b, params={"customer": w.customer_b.name}),
        }
        with change_context(source="system"):
            made["notes"] = [
                AlertNote.objects.create(alert=made[k], author=w.admin.user, text=f"已电话核实 {k}") for k in "ab"
            ]
            made["setting"] = RuleSetting.objects.create(rule="uncovered", params={})
        w._alerts = made
    return w._alerts


def _register_alert_cases():
    from liuke.alerts import models as am

    register(
        ModelCase(
            model=am.Alert,
            list_url="/alerts/",
            api_url="/api/alerts/",
            scoped=lambda w: (w.rep_a, _alerts(w)["a"], _alerts(w)["b"]),
            label=lambda obj: obj.customer.name,
            pending="alerts are opened by screening and worked through their steps (tests/alerts/test_pages.py)",
        )
    )
    register(
        ModelCase(
            model=am.AlertNote,
            list_url=lambda w: _alerts(w)["a"].get_absolute_url(),
            api_url=None,
            scoped=lambda w: (w.rep_a, _alerts(w)["notes"][0], _alerts(w)["notes"][1]),
            label=lambda obj: obj.text,
            pending="notes are added on the alert page, never edited (tests/alerts/test_pages.py)",
        )
    )
    register(
        ModelCase(
            model=am.RuleSetting,
            list_url="/alerts/rules/",
            api_url=None,
            scoped=lambda w: (w.director, _alerts(w)["setting"], None),
            label=str,
            pending="admins change a rule on /alerts/rules/<rule>/ (tests/alerts/test_pages.py, test_api.py)",
        )
    )


_register_alert_cases()


def _notify(w):
    """A preference of rep_a's and a group robot for Shanghai."""
    if not hasattr(w, "_notify"):
        from liuke.alerts.models import NotificationPreference, WebhookTarget
        from liuke.core.changelog import change_context

        with change_context(source="system"):
            w._notify = {
                "pref": NotificationPreference.objects.create(user=w.rep_a.user, email=True),
                "robot": WebhookTarget.objects.create(
                    name="上海销售群",
                    kind="wecom",
                    url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
                    department=w.shanghai,
                ),
            }
    return w._notify


def _register_notify_cases():
    from django.utils.translation import gettext

    from liuke.alerts import models as am

    register(
        ModelCase(
            model=am.NotificationPreference,
            list_url="/alerts/preferences/",
            api_url="/api/notification-preferences/",
            scoped=lambda w: (w.rep_a, _notify(w)["pref"], None),  # everyone sees only their own
            detail_url=lambda obj: "/alerts/preferences/",
            label=lambda obj: gettext("Notification preferences"),
            pending="each person sets their own on /alerts/preferences/ (tests/alerts/test_notify_pages.py)",
        )
    )
    register(
        ModelCase(
            model=am.WebhookTarget,
            list_url="/alerts/robots/",
            api_url=None,
            scoped=lambda w: (w.director, _notify(w)["robot"], None),  # directors and admins read them
            label=lambda obj: obj.name,
            edit_url=lambda obj: f"/alerts/robots/{obj.pk}/edit/",
            add_url="/alerts/robots/new/",
            edit_data=lambda w, obj: {
                "name": "华东销售群",
                "kind": obj.kind,
                "url": obj.url,
                "secret": "",
                "department": obj.department_id or "",
                "min_severity": "high",
                "enabled": "on",
            },
            edit_check=("name", "华东销售群"),
            edit_denied=lambda w: [w.director, w.manager_a, w.rep_a],
        )
    )


_register_notify_cases()
