"""The demo company where users notice: customers are where their addresses are, reps check in at them, and
record cards talk about the products the company sells. One small demo, built once for this module."""

import re

import pytest
from django.conf import settings
from django.db import transaction

from liuke.channel.models import Product
from liuke.customers.models import Customer
from liuke.demo.generator import demo_build
from liuke.interactions import services
from liuke.interactions.choices import CardStatus
from liuke.interactions.models import FollowUp, MarketIntel, Problem, RecordCard
from liuke.interactions.services import distance_metres
from liuke.org.address import division_centre
from liuke.org.models import Employee

pytestmark = pytest.mark.demo_build  # the generator is checked on SQLite in CI (minutes a build)


A_FEW_KM = 5_000  # metres: how far a customer may sit from its county's seat
# What a drug's name ends with (a dosage form): any such word on a card must be a catalogue product.
DOSAGE_FORM = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:缓释片|肠溶胶囊|滴丸|片|胶囊|糖浆|散|颗粒|注射液|口服液|混悬液)")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The small demo, rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        report = demo_build(scale="small", seed=2026)
        yield report
        transaction.set_rollback(True)


def _metres(a, b) -> int:
    return distance_metres(float(a[0]), float(a[1]), float(b[0]), float(b[1]))


@pytest.mark.django_db
def test_every_demo_customer_sits_within_a_few_km_of_its_divisions_centre(demo):
    rows = list(Customer.objects.values_list("code", "division_id", "address", "latitude", "longitude"))
    assert len(rows) == demo.customers
    distances = []
    for code, division, address, lat, lng in rows:
        assert lat is not None, code
        metres = _metres((lat, lng), division_centre(division))
        assert metres <= A_FEW_KM, (code, address, metres)
        distances.append(metres)
    # Scattered around the seat, not stacked on it.
    distances.sort()
    assert 500 < distances[len(distances) // 2] < 3_000
    assert len({(lat, lng) for *_, lat, lng in rows}) > 0.99 * len(rows)


@pytest.mark.django_db
def test_a_rep_checking_in_at_a_demo_customers_address_is_not_flagged_far(demo):
    rep = Employee.objects.get(user__username="rep")
    customers = Customer.objects.filter(account_team__employee=rep).order_by("code")[:20]
    for customer in customers:
        at_door = (float(customer.latitude) + 0.0003, float(customer.longitude))  # 33 m off, as GPS is
        card = services.card_record(
            author=rep,
            customer=customer,
            data={
                "kind": "visit",
                "purpose": "拜访",
                "summary": "在药剂科与主任面谈，沟通本月用量和下月备货计划。",
                "checkin_lat": f"{at_door[0]:.6f}",
                "checkin_lng": f"{at_door[1]:.6f}",
                "checkin_accuracy": 30,
            },
        )
        assert card.status == CardStatus.SUBMITTED
        assert card.distance_m < 100
        assert not card.far_from_customer
        # Where liuke places the address (its county's seat) is a short drive away, not 45 km.
        assert _metres((customer.latitude, customer.longitude), division_centre(customer.division_id)) <= A_FEW_KM


@pytest.mark.django_db
def test_demo_check_ins_are_near_the_customer_with_a_few_planted_far_ones(demo):
    limit = settings.LIUKE_CHECKIN_FAR_METRES
    cards = list(
        RecordCard.objects.filter(checkin_lat__isnull=False).values_list(
            "checkin_lat",
            "checkin_lng",
            "checkin_accuracy",
            "distance_m",
            "far_from_customer",
            "customer__latitude",
            "customer__longitude",
            "customer__division_id",
        )
    )
    assert len(cards) > 5_000
    far = 0
    for lat, lng, accuracy, distance, flagged, c_lat, c_lng, division in cards:
        assert distance == _metres((lat, lng), (c_lat, c_lng))  # as card_submit measures it
        assert flagged == (distance - (accuracy or 0) > limit)
        if flagged:
            far += 1
            assert distance <= 26_000
        else:
            assert distance <= 400
            assert _metres((lat, lng), division_centre(division)) <= A_FEW_KM + 400
    assert 0.01 * len(cards) < far < 0.06 * len(cards)


def _only_catalogue_products(text: str, catalogue: set[str]) -> bool:
    return all(any(name.endswith(p) for p in catalogue) for name in DOSAGE_FORM.findall(text))


def _texts(card: RecordCard) -> list[str]:
    steps = [s["text"] for s in card.next_steps]
    return [card.purpose, card.summary, card.solutions, card.suggestions, *card.problems_raised, *steps]


@pytest.mark.django_db
def test_demo_record_cards_name_the_companys_own_products(demo):
    catalogue = set(Product.objects.values_list("name", flat=True))
    assert len(catalogue) >= 4
    mentioned: set[str] = set()
    cards = RecordCard.objects.only("purpose", "summary", "solutions", "suggestions", "problems_raised", "next_steps")
    for card in cards.iterator(chunk_size=2000):
        for text in _texts(card):
            assert _only_catalogue_products(text, catalogue), text
            mentioned |= {p for p in catalogue if p in text}
    assert mentioned == catalogue  # and every product comes up
    # Problems and follow-ups are the cards' texts; market intelligence is about rivals' takes on our products.
    for model in (Problem, FollowUp):
        for text in model.objects.values_list("description", flat=True):
            assert _only_catalogue_products(text, catalogue), text
    intel = set(MarketIntel.objects.values_list("product", flat=True))
    assert intel
    assert intel <= catalogue


@pytest.mark.django_db
def test_demo_customers_archives_list_the_companys_own_products(demo):
    catalogue = set(Product.objects.values_list("name", flat=True))
    listed = [f["listed_products"] for f in Customer.objects.values_list("fields", flat=True) if "listed_products" in f]
    assert len(listed) > 100
    for value in listed:
        for line in value.split("；"):
            assert line.split(" ")[0] in catalogue, value
