"""Who sees which cards (pages and API), my day, follow-ups per person and team, problems, plans."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from liuke.customers.models import Customer
from liuke.interactions import services
from liuke.interactions.models import FollowUp, PlannedVisit, Problem, RecordCard

from .factories import card_data, write_card

pytestmark = pytest.mark.django_db


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_rep_never_sees_a_card_about_a_customer_outside_their_visibility(world, client):
    mine = write_card(world.rep_a, world.customer_a, summary="上海可见卡片的内容，王主任说药事会12日召开。")
    theirs = write_card(
        world.rep_b,
        world.customer_b,
        summary="江苏不可见卡片的内容，李科长说库存还够3个月。",
        problems_raised=["江苏独有问题"],
        next_steps=[{"text": "江苏独有下一步", "due": timezone.localdate().isoformat()}],
    )
    problem, follow_up = theirs.problems.get(), theirs.follow_ups.get()
    client.force_login(world.rep_a.user)
    for url in (
        theirs.get_absolute_url(),
        f"/customers/{world.customer_b.pk}/cards/",
        problem.get_absolute_url(),
        follow_up.get_absolute_url(),
        theirs.attachments.first().get_absolute_url() if theirs.attachments.exists() else f"/cards/{theirs.pk}/edit/",
        f"/cards/new/?customer={world.customer_b.pk}",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("/problems/", "/follow-ups/?overdue=0", "/my-day/", f"/customers/{world.customer_a.pk}/cards/"):
        body = client.get(url).content.decode()
        assert "江苏不可见" not in body, url
        assert "江苏独有" not in body, url
    api = _api(world.rep_a.user)
    assert {c["id"] for c in api.get("/api/cards/").json()["results"]} == {mine.pk}
    assert api.get(f"/api/cards/{theirs.pk}/").status_code == 404
    assert problem.pk not in {p["id"] for p in api.get("/api/problems/").json()["results"]}
    assert follow_up.pk not in {f["id"] for f in api.get("/api/follow-ups/").json()["results"]}
    # Nor can they write one about that customer.
    response = api.post("/api/cards/", {"customer": world.customer_b.pk, "summary": "x"}, format="json")
    assert response.status_code == 400
    assert RecordCard.objects.filter(customer=world.customer_b).count() == 1
    # Their manager sees both of rep_a's; the director sees everything.
    assert _api(world.manager_a.user).get(f"/api/cards/{mine.pk}/").status_code == 200
    assert _api(world.manager_a.user).get(f"/api/cards/{theirs.pk}/").status_code == 404
    assert _api(world.director.user).get(f"/api/cards/{theirs.pk}/").status_code == 200


def test_drafts_are_private_to_their_author(world, client):
    draft = services.card_save_draft(author=world.rep_a, customer=world.customer_a, data=card_data())
    for person in (world.manager_a, world.director, world.rep_a2):
        client.force_login(person.user)
        assert client.get(draft.get_absolute_url()).status_code == 404, person
        assert draft.pk not in {c["id"] for c in _api(person.user).get("/api/cards/").json()["results"]}
    client.force_login(world.rep_a.user)
    assert client.get(f"/cards/{draft.pk}/edit/").status_code == 200


def test_api_writes_and_submits_a_card_then_only_amends_it(world):
    api = _api(world.rep_a.user)
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = api.post(
        "/api/cards/",
        {
            "customer": world.customer_a.pk,
            "occurred_at": timezone.now().isoformat(),
            "kind": "phone",
            "summary": "电话确认王主任周四在院，带两份临床资料过去。",
            "problems_raised": ["资料不全"],
            "next_steps": [{"text": "周四送资料", "due": due}],
            "contact_ids": [world.contact_a.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    card_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    submitted = api.post(f"/api/cards/{card_id}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["quality"] > 0
    assert api.patch(f"/api/cards/{card_id}/", {"summary": "改"}, format="json").status_code == 400
    amend = api.post(
        f"/api/cards/{card_id}/amend/", {"reason": "补充", "changes": {"suggestions": "加一场科室会"}}, format="json"
    )
    assert amend.status_code == 201
    detail = api.get(f"/api/cards/{card_id}/").json()
    assert detail["texts"]["suggestions"] == "加一场科室会"
    assert detail["suggestions"] == ""
    problem = Problem.objects.get(card_id=card_id)
    assert api.patch(f"/api/problems/{problem.pk}/", {"status": "closed"}, format="json").status_code == 400
    closed = api.patch(f"/api/problems/{problem.pk}/", {"status": "closed", "note": "客户撤回"}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    follow_up = FollowUp.objects.get(card_id=card_id)
    assert api.patch(f"/api/follow-ups/{follow_up.pk}/", {"status": "done"}, format="json").json()["status"] == "done"


def test_my_day_lists_due_overdue_and_customers_past_cadence(world, client, django_assert_max_num_queries):
    today = timezone.localdate()
    services.follow_up_create(customer=world.customer_a, owner=world.rep_a, description="今天送样品", due=today)
    services.follow_up_create(
        customer=world.customer_a, owner=world.rep_a, description="上周该回电", due=today - dt.timedelta(days=6)
    )
    services.follow_up_create(customer=world.customer_a, owner=world.rep_a2, description="别人的事", due=today)
    Customer._base_manager.filter(pk=world.customer_a.pk).update(
        grade="A", last_contact_at=timezone.now() - dt.timedelta(days=20)
    )
    client.force_login(world.rep_a.user)
    with django_assert_max_num_queries(16):
        page = client.get("/my-day/").content.decode()
    due = page.split('data-testid="due-today"')[1].split("</section>")[0]
    overdue = page.split('data-testid="overdue"')[1].split("</section>")[0]
    cadence = page.split('data-testid="past-cadence"')[1].split("</section>")[0]
    assert "今天送样品" in due
    assert "别人的事" not in due
    assert "上周该回电" in overdue
    assert "今天送样品" not in overdue
    assert "北京同仁医院" in cadence  # grade A, 20 days > 14
    write_card(world.rep_a, world.customer_a, next_steps=[], problems_raised=[])
    page = client.get("/my-day/").content.decode()
    assert "北京同仁医院" not in page.split('data-testid="past-cadence"')[1].split("</section>")[0]


def test_overdue_follow_ups_are_listed_per_person_and_per_team(world, client):
    late = timezone.localdate() - dt.timedelta(days=4)
    services.follow_up_create(customer=world.customer_a, owner=world.rep_a, description="逾期甲", due=late)
    services.follow_up_create(customer=world.customer_a2, owner=world.rep_a2, description="逾期乙", due=late)
    services.follow_up_create(customer=world.customer_b, owner=world.rep_b, description="逾期丙", due=late)
    client.force_login(world.manager_a.user)
    page = client.get("/follow-ups/").content.decode()
    by_owner = page.split('data-testid="overdue-by-owner"')[1].split("</table>")[0]
    by_team = page.split('data-testid="overdue-by-team"')[1].split("</table>")[0]
    assert world.rep_a.name in by_owner
    assert world.rep_a2.name in by_owner
    assert world.rep_b.name not in by_owner  # Jiangsu is not the Shanghai manager's
    assert world.sh_team.name in by_team
    assert "逾期丙" not in page
    count = page.split('data-testid="follow-up-count">')[1].split("<")[0]
    assert count == "2"  # the manager's two overdue ones, counted from the per-person rows
    one = client.get(f"/follow-ups/?owner={world.rep_a.pk}").content.decode()
    assert one.split('data-testid="follow-up-count">')[1].split("<")[0] == "1"
    assert "逾期乙" not in one
    client.force_login(world.director.user)
    assert "逾期丙" in client.get("/follow-ups/").content.decode()


def test_closing_a_follow_up_or_problem_by_hand_needs_a_reason(world, client):
    card = write_card(world.rep_a, world.customer_a)
    problem, follow_up = card.problems.get(), card.follow_ups.get()
    client.force_login(world.rep_a.user)
    assert client.post(problem.get_absolute_url(), {"status": "closed", "note": ""}).status_code == 200
    problem.refresh_from_db()
    assert problem.status == "open"
    client.post(problem.get_absolute_url(), {"status": "in_progress", "note": ""})
    problem.refresh_from_db()
    assert problem.status == "in_progress"
    client.post(follow_up.get_absolute_url(), {"status": "cancelled", "note": ""})
    follow_up.refresh_from_db()
    assert follow_up.status == "open"
    client.post(follow_up.get_absolute_url(), {"status": "done", "note": "电话里说了"})
    follow_up.refresh_from_db()
    assert follow_up.status == "done"
    assert follow_up.done_on == timezone.localdate()


def test_visit_plan_is_suggested_adjusted_and_compared_with_what_happened(world, client):
    today = timezone.localdate()
    week = services.week_start_of(today)
    Customer._base_manager.filter(pk__in=[world.customer_a.pk]).update(grade="A", last_contact_at=None)
    client.force_login(world.rep_a.user)
    page = client.get("/plan/").content.decode()
    suggestions = page.split('data-testid="suggestions"')[1].split("</ul>")[0]
    assert "北京同仁医院" in suggestions
    assert "南京鼓楼医院" not in suggestions  # not theirs
    client.post(
        "/plan/",
        {
            "week": week.isoformat(),
            "customer": [world.customer_a.pk],
            f"day_{world.customer_a.pk}": week.isoformat(),
            f"reason_{world.customer_a.pk}": "cadence",
        },
    )
    visit = PlannedVisit.objects.get(plan__employee=world.rep_a)
    assert visit.customer == world.customer_a
    assert visit.reason == "cadence"
    # Planning someone else's customer is refused.
    client.post(
        "/plan/",
        {"week": week.isoformat(), "customer": [world.customer_b.pk], f"reason_{world.customer_b.pk}": "manual"},
    )
    assert not PlannedVisit.objects.filter(customer=world.customer_b).exists()
    # The manager sees planned against actual; a visit logged for the planned customer counts.
    client.force_login(world.manager_a.user)
    row = client.get("/plan/team/").content.decode().split('data-testid="plan-vs-actual"')[1]
    assert world.rep_a.name in row
    write_card(world.rep_a, world.customer_a, occurred_at=timezone.now())
    write_card(world.rep_a2, world.customer_a2, occurred_at=timezone.now())  # visited without a plan
    from liuke.interactions.selectors import plan_vs_actual

    rows = {r.employee.pk: r for r in plan_vs_actual(viewer=world.manager_a.user, week_start=week)}
    assert (rows[world.rep_a.pk].planned, rows[world.rep_a.pk].done) == (1, 1)
    assert rows[world.rep_a2.pk].unplanned == 1
    assert world.rep_b.pk not in rows
    # Taking a visit out of the plan keeps it in the plan's history (archived).
    client.force_login(world.rep_a.user)
    client.post("/plan/", {"week": week.isoformat(), "remove": visit.pk})
    visit.refresh_from_db()
    assert visit.archived_at is not None


def test_a_planned_visit_never_logged_is_listed_for_the_manager(world):
    last_week = services.week_start_of(timezone.localdate()) - dt.timedelta(days=7)
    services.plan_add(employee=world.rep_a, week_start=last_week, customer=world.customer_a, day=last_week)
    from liuke.interactions.selectors import plan_vs_actual

    rows = {r.employee.pk: r for r in plan_vs_actual(viewer=world.manager_a.user, week_start=last_week)}
    assert [v.customer for v in rows[world.rep_a.pk].missed] == [world.customer_a]


def test_card_pages_make_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    cards = [write_card(world.rep_a, world.customer_a) for _ in range(25)]
    client.force_login(world.manager_a.user)
    with django_assert_max_num_queries(14):
        assert client.get(f"/customers/{world.customer_a.pk}/cards/").status_code == 200
    with django_assert_max_num_queries(24):
        assert client.get(cards[0].get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(32):
        assert client.get(world.customer_a.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/cards/new/?customer={world.customer_a.pk}").status_code == 200
