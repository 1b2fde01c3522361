import pytest
from django.utils import translation

from .factories import Channel, build_channel


@pytest.fixture(autouse=True)
def _english_reasons():
    # Reasons are stored in the language of the import; these tests read them in English.
    with translation.override("en"):
        yield


@pytest.fixture
def channel(world) -> Channel:
    return build_channel(world)
