import datetime

import pytest

from fangkong.status.clock import at_local

from .. import services

DAY = datetime.date(2020, 2, 14)


def at(hour: int, minute: int = 0, *, day: int = 0) -> datetime.datetime:
    """An aware Asia/Shanghai moment on ``DAY + day``."""
    return at_local(DAY + datetime.timedelta(days=day), hour, minute)


@pytest.fixture
def make_shift(users):
    def make(area, person, start, end, *, role="officer", actor=None):
        return services.create_shift(
            actor=actor or users["command"],
            data={"area": area, "person": person, "role": role, "start": start, "end": end},
        )

    return make
