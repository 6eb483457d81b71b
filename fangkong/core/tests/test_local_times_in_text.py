"""Times written into text (a record's name in the audit log, a transmission chain's labels)
read in local time as every page shows them: stored in UTC, they read eight hours early."""

import datetime

from django.utils import timezone

from fangkong.tracing.models import Exposure
from fangkong.venues.models import Scan
from fangkong.volunteers.models import Shift

# 2020-02-14 01:30 UTC is 09:30 in Beijing.
AT = datetime.datetime(2020, 2, 14, 1, 30, tzinfo=datetime.UTC)


def test_a_records_name_gives_its_time_in_local_time(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert timezone.localtime(AT).hour == 9
    assert "2020-02-14 09:30" in str(Exposure(kind="venue", exposed_at=AT))
    assert "2020-02-14 09:30" in str(Scan(venue_id=1, scanned_at=AT, direction="in"))
    shift = Shift(started_at=AT)
    shift._state.fields_cache["assignment"] = "某任务"  # its name is not what is checked
    assert str(shift) == "某任务 2020-02-14 09:30"
