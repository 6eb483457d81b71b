import pytest

from fangkong.core.testing import factories


@pytest.fixture
def areas(db):
    return factories.build_city()


@pytest.fixture
def users(areas):
    return factories.build_users(areas)
