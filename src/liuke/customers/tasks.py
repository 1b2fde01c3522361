"""Nightly upkeep of the customer archive."""

from celery import shared_task

from . import services


@shared_task(name="liuke.customers.refresh_derived")
def refresh_derived_task() -> int:
    """Memberships end by date without a write: recompute coverage and completeness for everyone."""
    return services.customers_refresh_derived()
