"""Where the demo's customers are, and where its reps stand when they check in.

A customer's address names its county (GB/T 2260 division); liuke has no geocoder, so the demo puts the
customer a few hundred metres to a few kilometres from that county's seat (``org/data/division_centres.csv``,
WGS-84 like the positions phones report), in a direction and at a distance that depend only on its code.
Check-ins on the demo's record cards are measured from there, as ``card_submit`` measures a real one.
"""

from __future__ import annotations

import hashlib
import math

from liuke.customers.models import Customer
from liuke.org.address import division_centre

SCATTER_METRES = (250.0, 4000.0)  # how far from its county's seat a customer may be
METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude, times cos(latitude)


def moved(lat: float, lng: float, metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` from (lat, lng) towards ``bearing`` (radians clockwise from north); exact enough
    for the few kilometres the demo moves things."""
    d_lat = metres * math.cos(bearing) / METRES_PER_DEGREE
    d_lng = metres * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat + d_lat, lng + d_lng


def site_of(customer: Customer) -> tuple[float, float] | None:
    """Where a customer is: its own coordinates, or a point near its division's seat that depends only on its
    code and division (``generator`` stores it on new customers). None without a division or coordinates."""
    if customer.latitude is not None and customer.longitude is not None:
        return float(customer.latitude), float(customer.longitude)
    centre = division_centre(customer.division_id)
    if centre is None:
        return None
    digest = hashlib.sha256(f"{customer.division_id}:{customer.code}".encode()).digest()
    u, v = int.from_bytes(digest[:4], "big") / 2**32, int.from_bytes(digest[4:8], "big") / 2**32
    low, high = SCATTER_METRES
    # Most customers in and around the county town, fewer out in the county.
    return moved(*centre, low + (high - low) * u**1.5, 2 * math.pi * v)
