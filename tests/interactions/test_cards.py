"""Record cards: drafts, locked submission, amendments, back-dating, check-in, quality."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liuke.core.models import ChangeLogEntry
from liuke.customers.models import Customer
from liuke.interactions import quality, services
from liuke.interactions.models import FollowUp, MarketIntel, Problem, RecordCard

from .factories import card_data, png, write_card

pytestmark = pytest.mark.django_db


def test_submitting_makes_tracked_problems_follow_ups_and_intel(world):
    card = write_card(world.rep_a, world.customer_a)
    assert card.status == "submitted"
    assert card.submitted_at is not None
    problem = Problem.objects.get(card=card)
    assert problem.description == "缺少临床资料"
    assert problem.status == "open"
    assert problem.owner == world.rep_a
    follow_up = FollowUp.objects.get(card=card)
    assert follow_up.owner == world.rep_a
    assert follow_up.due == timezone.localdate() + dt.timedelta(days=3)
    intel = MarketIntel.objects.get(card=card)
    assert (intel.competitor, intel.price_seen) == ("恒瑞", Decimal("23.5"))
    world.customer_a.refresh_from_db()
    assert world.customer_a.last_contact_at == card.occurred_at


def test_an_open_problem_stays_on_the_customer_until_a_later_card_resolves_it(world, client):
    first = write_card(world.rep_a, world.customer_a)
    problem = first.problems.get()
    client.force_login(world.manager_a.user)
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    assert "缺少临床资料" in page.split('data-testid="open-problems"')[1].split("</ul>")[0]
    # A later card that does not resolve it leaves it open.
    write_card(world.rep_a, world.customer_a, problems_raised=[], next_steps=[], intel=[])
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    assert 'data-testid="open-problems"' in page
    # The card that resolves it closes it, and says which card did.
    later = write_card(
        world.rep_a,
        world.customer_a,
        problems_raised=[],
        next_steps=[],
        intel=[],
        resolved_problem_ids=[problem.pk],
        done_follow_up_ids=[first.follow_ups.get().pk],
    )
    problem.refresh_from_db()
    assert problem.status == "resolved"
    assert problem.resolved_by == later
    assert first.follow_ups.get().done_by == later
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    assert 'data-testid="open-problems"' not in page
    assert 'data-testid="open-follow-ups"' not in page


def test_a_submitted_card_cannot_be_changed_only_amended_and_the_original_is_kept(world, client):
    card = write_card(world.rep_a, world.customer_a)
    original = card.summary
    with pytest.raises(ValidationError, match="锁定"):
        services.card_save_draft(author=world.rep_a, customer=world.customer_a, data={"summary": "改写"}, card=card)
    with pytest.raises(ValidationError):
        services.card_submit(card=card, author=world.rep_a)
    # Through the page: the edit form sends the author back to the card.
    client.force_login(world.rep_a.user)
    response = client.post(
        f"/cards/{card.pk}/edit/", {"summary": "改写", "occurred_at": "2026-01-01T10:00", "kind": "visit"}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.summary == original
    # Someone else may not amend it; the author may, with a reason.
    with pytest.raises(ValidationError):
        services.card_amend(card=card, author=world.manager_a, changes={"summary": "x"}, reason="r")
    with pytest.raises(ValidationError):
        services.card_amend(card=card, author=world.rep_a, changes={"summary": "更正后的内容"}, reason="")
    client.post(
        f"/cards/{card.pk}/amend/",
        {"reason": "记错了日期", "summary": "更正：药事会定于13日。", "purpose": card.purpose},
    )
    card.refresh_from_db()
    assert card.summary == original  # the card itself never changes
    page = client.get(card.get_absolute_url()).content.decode()
    assert "更正：药事会定于13日。" in page.split('data-testid="card-summary"')[1].split("</dd>")[0]
    amendments = page.split('data-testid="amendments"')[1].split("</ul>")[0]
    assert "记错了日期" in amendments
    assert original in amendments
    with pytest.raises(ValidationError, match="没有任何改动"):
        services.card_amend(
            card=card, author=world.rep_a, changes={"summary": "更正：药事会定于13日。"}, reason="again"
        )


def test_back_dating_beyond_the_limit_needs_a_reason_which_is_shown(world, client, settings):
    settings.LIUKE_BACKDATE_LIMIT_DAYS = 3
    old = timezone.now() - dt.timedelta(days=5)
    draft = services.card_save_draft(author=world.rep_a, customer=world.customer_a, data=card_data(occurred_at=old))
    with pytest.raises(ValidationError) as exc:
        services.card_submit(card=draft, author=world.rep_a)
    assert "backdate_reason" in exc.value.message_dict
    assert RecordCard.objects.get(pk=draft.pk).status == "draft"
    assert not Problem.objects.exists()  # nothing made from a card that was refused
    services.card_save_draft(
        author=world.rep_a, customer=world.customer_a, data={"backdate_reason": "出差无信号"}, card=draft
    )
    card = services.card_submit(card=draft, author=world.rep_a)
    assert card.backdate_reason == "出差无信号"
    client.force_login(world.manager_a.user)
    assert "出差无信号" in client.get(card.get_absolute_url()).content.decode()
    # Three days back is within the limit.
    recent = timezone.now() - dt.timedelta(days=2)
    assert write_card(world.rep_a, world.customer_a, occurred_at=recent).status == "submitted"


def test_bad_input_is_refused_with_a_specific_reason_and_changes_nothing(world):
    before = ChangeLogEntry.objects.count()
    cases = {
        "occurred_at": {"occurred_at": timezone.now() + dt.timedelta(days=1)},
        "contact_ids": {"contact_ids": [world.contact_b.pk]},  # a contact of another customer
        "next_steps": {"next_steps": [{"text": "送资料", "due": ""}]},
        "intel": {"intel": [{"competitor": "恒瑞", "price": "-3"}]},
        "resolved_problem_ids": {"resolved_problem_ids": [999999]},
        "kind": {"kind": "telepathy"},
    }
    for field, extra in cases.items():
        with pytest.raises(ValidationError) as exc:
            services.card_save_draft(author=world.rep_a, customer=world.customer_a, data=card_data(**extra))
        assert field in exc.value.message_dict, field
    assert ChangeLogEntry.objects.count() == before
    assert not RecordCard.objects.exists()


def test_a_card_needs_what_happened_before_it_is_submitted(world):
    draft = services.card_save_draft(author=world.rep_a, customer=world.customer_a, data=card_data(summary=""))
    with pytest.raises(ValidationError) as exc:
        services.card_submit(card=draft, author=world.rep_a)
    assert "summary" in exc.value.message_dict


def test_check_in_far_from_the_customer_is_marked(world, client):
    Customer._base_manager.filter(pk=world.customer_a.pk).update(
        latitude=Decimal("39.900000"), longitude=Decimal("116.410000")
    )
    world.customer_a.refresh_from_db()
    near = write_card(
        world.rep_a, world.customer_a, checkin_lat=Decimal("39.901000"), checkin_lng=Decimal("116.411000")
    )
    far = write_card(world.rep_a, world.customer_a, checkin_lat=Decimal("31.230000"), checkin_lng=Decimal("121.470000"))
    assert near.distance_m < 200
    assert not near.far_from_customer
    assert far.distance_m > 1_000_000
    assert far.far_from_customer
    client.force_login(world.manager_a.user)
    assert 'data-testid="far-checkin"' in client.get(far.get_absolute_url()).content.decode()
    assert 'data-testid="far-checkin"' not in client.get(near.get_absolute_url()).content.decode()


def test_quality_rewards_specific_linked_timely_cards_over_boilerplate(world):
    good = write_card(world.rep_a, world.customer_a, contact_ids=[world.contact_a.pk])
    lazy = write_card(
        world.rep_a2,
        world.customer_a2,
        purpose="",
        summary="正常拜访",
        problems_raised=[],
        next_steps=[],
        intel=[],
    )
    assert good.quality >= 85
    assert lazy.quality <= 30
    items = {i["key"]: i["ok"] for i in lazy.quality_items}
    assert not items["not_boilerplate"]
    assert not items["specific_length"]
    # A copy of one's previous card is boilerplate too.
    assert quality.is_boilerplate(good.summary, previous_summary=good.summary)
    assert not quality.is_boilerplate(good.summary, previous_summary="完全不同的另一件事，关于回款和对账。")


def test_a_card_logged_days_later_is_not_on_time(world):
    when = timezone.now() - dt.timedelta(days=2)
    card = write_card(world.rep_a, world.customer_a, occurred_at=when)
    assert {i["key"]: i["ok"] for i in card.quality_items}["on_time"] is False


def test_attachments_are_checked_by_type_size_and_content(world, settings):
    draft = services.card_save_draft(author=world.rep_a, customer=world.customer_a, data=card_data())
    services.attachment_add(card=draft, author=world.rep_a, upload=png())
    with pytest.raises(ValidationError, match="只能附加照片"):
        services.attachment_add(
            card=draft,
            author=world.rep_a,
            upload=SimpleUploadedFile("x.exe", b"MZ..", content_type="application/octet-stream"),
        )
    with pytest.raises(ValidationError, match="实际上不是"):
        services.attachment_add(
            card=draft,
            author=world.rep_a,
            upload=SimpleUploadedFile("fake.png", b"GIF89a....", content_type="image/png"),
        )
    settings.LIUKE_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="上限"):
        services.attachment_add(card=draft, author=world.rep_a, upload=png("big.png"))
    card = services.card_submit(card=draft, author=world.rep_a)
    with pytest.raises(ValidationError, match="草稿"):
        services.attachment_add(card=card, author=world.rep_a, upload=png("late.png"))
    assert card.attachments.count() == 1


def test_the_same_offline_draft_sent_twice_is_one_card(world):
    key = "4b0c5d1e-phone-draft"
    first = services.card_record(author=world.rep_a, customer=world.customer_a, data=card_data(), client_key=key)
    again = services.card_record(author=world.rep_a, customer=world.customer_a, data=card_data(), client_key=key)
    assert first.pk == again.pk
    assert RecordCard.objects.count() == 1
    assert Problem.objects.count() == 1


def test_a_refused_card_form_shows_the_errors_and_keeps_what_was_typed(world, client):
    client.force_login(world.rep_a.user)
    response = client.post(
        f"/cards/new/?customer={world.customer_a.pk}",
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "kind": "visit",
            "summary": "",
            "step_text": ["下周二送样品"],
            "step_due": ["not-a-date"],
            "step_owner": [str(world.rep_a.pk)],
            "contact_ids": [str(world.contact_a.pk)],
            "action": "submit",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="card-errors"' in body
    assert "下周二送样品" in body  # the next step typed is still there
    assert f'value="{world.contact_a.pk}" id="contact-{world.contact_a.pk}" autocomplete="off" checked' in body
    assert not RecordCard.objects.exists()
