import pytest

from fangkong.enterprises.testing import make_enterprise, make_liaison


@pytest.fixture
def ent_a(users, areas):
    """An enterprise in grid A (海棠花语社区)."""
    return make_enterprise(users["community"], areas["grid_a"], name="金华车辆有限公司")


@pytest.fixture
def ent_b(users, areas):
    """An enterprise in the same community, grid B."""
    return make_enterprise(users["community"], areas["grid_b"], name="攀钢配件厂")


@pytest.fixture
def ent_c(users, areas):
    """An enterprise in the other district (米易县)."""
    return make_enterprise(users["command"], areas["grid_c"], name="米易果蔬合作社")


@pytest.fixture
def liaison(users, areas, ent_a):
    """A liaison officer stationed at ``ent_a`` only."""
    return make_liaison(users["community"], ent_a, area=areas["community"], username="liaison_a")
