"""/api/v1/ venues, scans (list + batch ingest) and outing approvals: scoped and masked."""

import datetime
import uuid

from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core.testing.factories import make_id_number
from fangkong.venues.models import Scan, Venue


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _batch(venue, *records):
    when = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    return {
        "records": [
            {"id": str(uuid.uuid4()), "venue": venue.code, "scanned_at": when} | r for r in records
        ]
    }


def test_venue_crud_is_scoped(users, areas, market):
    r = api(users["grid_c"]).get("/api/v1/venues/")
    assert r.status_code == 200 and r.json()["count"] == 0
    r = api(users["community"]).get("/api/v1/venues/")
    assert [v["name"] for v in r.json()["results"]] == ["海棠农贸市场"]
    assert r.json()["results"][0]["code"] == market.code
    r = api(users["community"]).post(
        "/api/v1/venues/",
        {"area": areas["grid_b"].pk, "name": "海棠超市", "kind": "supermarket", "capacity": 50},
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = api(users["community"]).post(
        "/api/v1/venues/",
        {"area": areas["grid_c"].pk, "name": "越权场所", "kind": "office"},
        format="json",
    )
    assert r.status_code == 403
    assert not Venue.objects.filter(name="越权场所").exists()
    r = api(users["grid_c"]).get(f"/api/v1/venues/{market.pk}/")
    assert r.status_code == 404


def test_batch_endpoint_resend_and_partial(users, market, green):
    body = _batch(
        market,
        {"id_number": green.id_number},
        {"id_number": make_id_number(), "name": "外地访客", "direction": "in"},
        {"phone": "12"},
    )
    client = api(users["community"])
    r = client.post("/api/v1/scans/batch/", body, format="json")
    assert r.status_code == 200
    assert (r.json()["created"], r.json()["duplicates"], r.json()["rejected"]) == (2, 0, 1)
    assert r.json()["errors"] == [
        {
            "index": 2,
            "field": "phone",
            "message": "联系电话格式不正确：应为 11 位手机号或带区号的固定电话",
        }
    ]
    r = client.post("/api/v1/scans/batch/", body, format="json")
    assert (r.json()["created"], r.json()["duplicates"]) == (0, 2)
    assert Scan.objects.count() == 2


def test_batch_with_only_bad_records_is_400_and_without_permission_403(users, market):
    r = api(users["community"]).post(
        "/api/v1/scans/batch/", _batch(market, {"phone": "12"}), format="json"
    )
    assert r.status_code == 400 and r.json()["rejected"] == 1
    r = api(users["grid_a"]).post(
        "/api/v1/scans/batch/", _batch(market, {"phone": "13800001111"}), format="json"
    )
    assert r.status_code == 403
    assert Scan.objects.count() == 0
    r = APIClient().post("/api/v1/scans/batch/", _batch(market, {}), format="json")
    assert r.status_code == 401


def test_scan_list_masks_visitors_and_has_no_write_path(users, market, green):
    api(users["community"]).post(
        "/api/v1/scans/batch/",
        _batch(market, {"id_number": "110101199003074514", "name": "外地访客"}),
        format="json",
    )
    r = api(users["grid_a"]).get("/api/v1/scans/")
    row = r.json()["results"][0]
    assert row["id_number"] == "110101********4514"
    assert row["person"] == "外**客"
    assert api(users["community"]).delete(f"/api/v1/scans/{row['id']}/").status_code in (404, 405)
    assert api(users["community"]).post("/api/v1/scans/", {}, format="json").status_code == 405
    assert Scan.objects.count() == 1
    assert api(users["grid_c"]).get("/api/v1/scans/").json()["count"] == 0


def test_devices_read_the_server_clock(users):
    r = api(users["volunteer"]).get("/api/v1/scans/clock/")
    assert r.status_code == 200
    sent = datetime.datetime.fromisoformat(r.json()["now"])
    assert abs((sent - timezone.now()).total_seconds()) < 60
    assert APIClient().get("/api/v1/scans/clock/").status_code == 401


def test_batch_records_must_be_a_list_of_objects(users, market):
    client = api(users["community"])
    r = client.post("/api/v1/scans/batch/", {"records": "x"}, format="json")
    assert r.status_code == 400 and "records" in r.json()
    r = client.post("/api/v1/scans/batch/", {"records": [None]}, format="json")
    assert r.status_code == 400 and "records" in r.json()
    r = client.post("/api/v1/scans/batch/", {"records": [[1], 2]}, format="json")
    assert r.status_code == 400 and r.json()["rejected"] == 2
    assert [e["message"] for e in r.json()["errors"]] == ["每条记录应为一个 JSON 对象"] * 2


def test_the_batch_serializer_rebuilds_the_fields_drf_would_copy():
    import copy

    from fangkong.venues.api.serializers import ScanBatchSerializer

    one, two = ScanBatchSerializer(), ScanBatchSerializer()
    assert repr(one.get_fields()) == repr(copy.deepcopy(one._declared_fields))
    # A nested field is bound to its parent: never shared between two requests' serializers.
    assert one.fields["records"].child is not two.fields["records"].child
    assert one.fields["records"].child.parent is one.fields["records"]


def test_a_well_formed_batch_body_is_read_as_the_serializer_reads_it():
    from rest_framework.exceptions import ValidationError

    from fangkong.venues.api.serializers import ScanBatchSerializer
    from fangkong.venues.rules import MAX_BATCH

    record = {"id": str(uuid.uuid4()), "venue": "x", "scanned_at": "2026-11-30T08:00:00+08:00"}
    bodies = [
        {"records": [record]},
        {"records": [record, [1], 2, "x"], "source": "partner", "other": 1},
        {"records": [record], "source": "device"},
        {"records": [record] * MAX_BATCH},
        # Refused, with the serializer's errors.
        {"records": [record] * (MAX_BATCH + 1)},
        {"records": []},
        {"records": "x"},
        {"records": {"a": record}},
        {"records": [record, None]},
        {"records": [record], "source": "web"},
        {"records": [record], "source": None},
        {"records": [record], "source": ["device"]},
        {"source": "device"},
        [record],
        "records",
        None,
    ]
    for body in bodies:
        drf = ScanBatchSerializer(data=body)
        if drf.is_valid():
            checked = ScanBatchSerializer.checked(body)
            assert checked == dict(drf.validated_data), body
            assert type(checked["source"]) is type(drf.validated_data["source"])
            assert checked["records"] == body["records"]
        else:
            try:
                ScanBatchSerializer.checked(body)
            except ValidationError as e:
                assert e.detail == drf.errors, body
            else:
                raise AssertionError(f"accepted: {body!r:.80}")


def test_outing_cancel_through_the_api(users, areas):
    """POST /api/v1/outing-approvals/{id}/cancel/ with a note: the pass leaves the approvers'
    queue; a leader (read-only) may not."""
    from fangkong.health.models import Assignment
    from fangkong.status.testing import make_resident
    from fangkong.venues import services

    person = make_resident(areas["grid_a"], name="孙居家")
    today = timezone.localdate()
    Assignment.objects.create(
        resident=person,
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=7),
    )
    now = timezone.now()
    outing = services.request_outing(
        actor=users["grid_a"],
        resident=person,
        reason="就医",
        destination="市中心医院",
        starts_at=now + datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3),
    )
    url = f"/api/v1/outing-approvals/{outing.pk}/cancel/"
    assert api(users["leader"]).post(url, {"note": "x"}, format="json").status_code == 403
    r = api(users["grid_a"]).post(url, {"note": "不再外出", "version": 1}, format="json")
    assert r.status_code == 200, r.json()
    assert (r.json()["state"], r.json()["cancel_note"]) == ("cancelled", "不再外出")
    assert r.json()["cancelled_by"] == users["grid_a"].pk
