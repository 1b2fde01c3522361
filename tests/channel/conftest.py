import pytest

from .factories import Channel, build_channel


@pytest.fixture
def channel(world) -> Channel:
    return build_channel(world)
