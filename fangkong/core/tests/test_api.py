"""Core API: audit entries, jobs, error mapping, the OpenAPI schema and the offline docs pages."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.management import call_command
from drf_spectacular.drainage import reset_generator_stats
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fangkong.core import audit
from fangkong.core.api.docs import DOCS_CSP
from fangkong.core.api.exceptions import exception_handler
from fangkong.core.models import AuditEntry, Job
from fangkong.core.services import ConflictError
from fangkong.core.testing.factories import make_id_number, make_user
from fangkong.registry import services

AUDIT = "/api/v1/audit-entries/"
JOBS = "/api/v1/jobs/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def audited(users, areas):
    """One resident created in grid A, one in grid C: two audit entries, one per district."""
    actor = users["command"]
    a = services.create_resident(
        actor=actor,
        data={
            "area": areas["grid_a"],
            "name": "张三",
            "id_number": make_id_number(),
            "phone": "13800001234",
            "address": "海棠花语小区1栋101",
        },
    )
    c = services.create_resident(
        actor=actor,
        data={"area": areas["grid_c"], "name": "张山", "id_number": make_id_number()},
    )
    return {"a": a, "c": c}


def object_ids(response) -> list[str]:
    return sorted(row["object_id"] for row in response.json()["results"])


# --- audit entries ------------------------------------------------------------------------


def test_audit_entries_are_scoped_by_area_path(users, audited):
    a, c = str(audited["a"].pk), str(audited["c"].pk)
    assert object_ids(client_for(users["community"]).get(AUDIT)) == [a]
    assert object_ids(client_for(users["street"]).get(AUDIT)) == [a]
    assert object_ids(client_for(users["command"]).get(AUDIT)) == sorted([a, c])
    assert object_ids(client_for(users["leader"]).get(AUDIT)) == sorted([a, c])


def test_global_user_sees_entries_without_an_area(users, areas, audited):
    admin = make_user("command", None, username="admin", superuser=True)
    audit.record(admin, audit.Event(action="login", object_type="accounts.user"))
    response = client_for(admin).get(AUDIT)
    assert response.json()["count"] == 3
    assert client_for(users["command"]).get(AUDIT).json()["count"] == 2


def test_audit_entry_outside_the_area_is_not_found(users, audited):
    entry = AuditEntry.objects.get(object_id=str(audited["c"].pk))
    assert client_for(users["community"]).get(f"{AUDIT}{entry.pk}/").status_code == 404
    assert client_for(users["command"]).get(f"{AUDIT}{entry.pk}/").status_code == 200


def test_audit_changes_show_personal_values_masked(users, audited):
    entry = AuditEntry.objects.get(object_id=str(audited["a"].pk))
    body = client_for(users["community"]).get(f"{AUDIT}{entry.pk}/").json()
    id_number = audited["a"].id_number
    assert body["changes"]["id_number"] == id_number[:6] + "********" + id_number[-4:]
    assert body["changes"]["phone"] == "138****1234"
    assert body["changes"]["address"] == "海棠花****"
    assert body["changes"]["name"] == "张三"
    assert (body["action"], body["object_type"], body["hash"]) == (
        "create",
        "registry.resident",
        entry.hash,
    )


def test_audit_update_changes_are_masked_pairs(users, audited):
    services.update_resident(
        actor=users["command"],
        resident=audited["a"],
        data={"phone": "13911112222"},
        expected_version=1,
    )
    entry = AuditEntry.objects.get(object_id=str(audited["a"].pk), action="update")
    body = client_for(users["command"]).get(f"{AUDIT}{entry.pk}/").json()
    assert body["changes"] == {"phone": ["138****1234", "139****2222"]}


def test_audit_filter_by_action(users, audited):
    services.reveal_resident(actor=users["command"], resident=audited["a"], reason="流调核对")
    response = client_for(users["command"]).get(AUDIT, {"action": "reveal"})
    assert [(r["action"], r["object_id"]) for r in response.json()["results"]] == [
        ("reveal", str(audited["a"].pk))
    ]


def test_audit_entries_are_read_only_and_need_the_permission(users, audited):
    assert client_for(users["grid_a"]).get(AUDIT).status_code == 403
    entry = AuditEntry.objects.get(object_id=str(audited["a"].pk))
    response = client_for(users["command"]).delete(f"{AUDIT}{entry.pk}/")
    assert response.status_code == 405
    assert client_for(users["command"]).post(AUDIT, {}, format="json").status_code == 405
    assert AuditEntry.objects.count() == 2


def test_audit_list_query_count(users, audited, django_assert_max_num_queries):
    for _ in range(10):
        services.reveal_resident(actor=users["command"], resident=audited["a"], reason="流调核对")
    client = client_for(users["command"])
    # session, user, user's area, 2 × role permissions, count, page
    with django_assert_max_num_queries(7):
        assert client.get(AUDIT).json()["count"] == 12


# --- jobs ---------------------------------------------------------------------------------


def test_jobs_are_the_callers_own(users):
    mine = Job.objects.create(kind="import_residents", owner=users["grid_a"], done=5, total=20)
    other = Job.objects.create(kind="import_residents", owner=users["command"])
    client = client_for(users["grid_a"])
    listing = client.get(JOBS).json()
    assert [row["id"] for row in listing["results"]] == [str(mine.pk)]
    body = client.get(f"{JOBS}{mine.pk}/").json()
    assert (body["status"], body["done"], body["total"], body["percent"], body["finished"]) == (
        "pending",
        5,
        20,
        25,
        False,
    )
    assert client.get(f"{JOBS}{other.pk}/").status_code == 404
    assert client_for(users["volunteer"]).get(JOBS).json()["count"] == 0


def test_jobs_are_read_only(users):
    job = Job.objects.create(kind="export", owner=users["grid_a"])
    response = client_for(users["grid_a"]).delete(f"{JOBS}{job.pk}/")
    assert response.status_code == 405
    assert Job.objects.filter(pk=job.pk).exists()


# --- error mapping ------------------------------------------------------------------------


def test_exception_handler_maps_service_errors():
    conflict = exception_handler(ConflictError("已被修改", code="conflict"), {})
    assert (conflict.status_code, conflict.data) == (409, {"detail": "已被修改"})
    fields = exception_handler(ValidationError({"name": ["姓名不能为空"]}), {})
    assert (fields.status_code, fields.data) == (400, {"name": ["姓名不能为空"]})
    whole = exception_handler(ValidationError({NON_FIELD_ERRORS: ["整条记录有误"]}), {})
    assert whole.data == {"non_field_errors": ["整条记录有误"]}
    plain = exception_handler(ValidationError("区划代码和名称不能为空"), {})
    assert (plain.status_code, plain.data) == (
        400,
        {"non_field_errors": ["区划代码和名称不能为空"]},
    )
    denied = exception_handler(PermissionDenied("该区域不在您的管辖范围内"), {})
    assert (denied.status_code, denied.data) == (403, {"detail": "该区域不在您的管辖范围内"})


# --- schema and docs ----------------------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path):
    reset_generator_stats()
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert sorted(p for p in schema["paths"] if p.count("/") == 4) == [
        "/api/v1/alerts/",
        "/api/v1/allocations/",
        "/api/v1/areas/",
        "/api/v1/assignments/",
        "/api/v1/audit-entries/",
        "/api/v1/buildings/",
        "/api/v1/campaigns/",
        "/api/v1/cases/",
        "/api/v1/certificates/",
        "/api/v1/check-ins/",
        "/api/v1/commodities/",
        "/api/v1/contacts/",
        "/api/v1/donations/",
        "/api/v1/enterprise-difficulties/",
        "/api/v1/enterprise-employees/",
        "/api/v1/enterprise-inspections/",
        "/api/v1/enterprise-problems/",
        "/api/v1/enterprise-reports/",
        "/api/v1/enterprises/",
        "/api/v1/findings/",
        "/api/v1/funds/",
        "/api/v1/handovers/",
        "/api/v1/households/",
        "/api/v1/inbox/",
        "/api/v1/industrial-parks/",
        "/api/v1/inspection-groups/",
        "/api/v1/inspection-tasks/",
        "/api/v1/inspection-visits/",
        "/api/v1/jobs/",
        "/api/v1/liaison-assignments/",
        "/api/v1/markets/",
        "/api/v1/notices/",
        "/api/v1/nucleic-acid-tests/",
        "/api/v1/outing-approvals/",
        "/api/v1/pairings/",
        "/api/v1/party-reports/",
        "/api/v1/price-lines/",
        "/api/v1/problem-summaries/",
        "/api/v1/problems/",
        "/api/v1/residents/",
        "/api/v1/resumption-applications/",
        "/api/v1/risk-designations/",
        "/api/v1/risk-levels/",
        "/api/v1/scans/",
        "/api/v1/shifts/",
        "/api/v1/status-overrides/",
        "/api/v1/statuses/",
        "/api/v1/stock-movements/",
        "/api/v1/submitted-reports/",
        "/api/v1/supply-items/",
        "/api/v1/supply-requests/",
        "/api/v1/tip-rewards/",
        "/api/v1/tips/",
        "/api/v1/users/",
        "/api/v1/venues/",
        "/api/v1/visits/",
        "/api/v1/volunteer-needs/",
        "/api/v1/volunteer-shifts/",
        "/api/v1/volunteer-tasks/",
        "/api/v1/volunteer-teams/",
        "/api/v1/volunteers/",
        "/api/v1/warehouses/",
        "/api/v1/working-groups/",
    ]
    assert "/api/v1/residents/{id}/reveal/" in schema["paths"]
    update = schema["components"]["schemas"]["ResidentUpdateRequest"]
    assert "version" in update["required"]
    resident = schema["components"]["schemas"]["Resident"]["properties"]
    assert resident["version"]["readOnly"] is True
    assert resident["id_number"]["title"] == "身份证号"
    # Every operation has a Chinese summary; the standard ones are named from their model.
    operations = {
        (method, path): op
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "operationId" in op
    }
    assert [key for key, op in operations.items() if not op.get("summary")] == []
    assert operations[("get", "/api/v1/residents/")]["summary"] == "居民列表"
    assert operations[("patch", "/api/v1/residents/{id}/")]["summary"] == "修改居民（部分字段）"
    # A scan batch's records are described field by field.
    records = schema["components"]["schemas"]["ScanBatchRequest"]["properties"]["records"]
    assert records["items"] == {"$ref": "#/components/schemas/ScanRecordRequest"}
    record = schema["components"]["schemas"]["ScanRecordRequest"]
    assert {"id", "venue", "scanned_at", "temperature", "token"} <= set(record["properties"])


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"])
def test_schema_and_docs_need_a_signed_in_user(users, path):
    assert APIClient().get(path).status_code == 401
    assert client_for(users["volunteer"]).get(path).status_code == 200


_ATTR_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        (
            "/api/v1/docs/",
            {
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
                "drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
            },
        ),
        ("/api/v1/redoc/", {"/api/v1/redoc/redoc.standalone.js"}),
    ],
)
def test_docs_pages_load_only_local_assets(users, path, assets):
    client = client_for(users["grid_a"])
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html
    assert "https://" not in html
    urls = _ATTR_URL.findall(html)
    assert {u.removeprefix("/static/") for u in urls} == assets
    for asset in assets:
        if asset.startswith("/api/"):
            # Redoc's bundle, with the footer logo it fetched from cdn.redoc.ly made inline
            script = client.get(asset)
            assert script.status_code == 200
            assert script["Content-Type"].startswith("text/javascript")
            assert b"Redoc" in script.content and b"cdn.redoc.ly" not in script.content
        else:
            assert finders.find(asset) is not None, asset
    # The policy keeps the browser local whatever a future bundle asks for.
    assert response["Content-Security-Policy"] == DOCS_CSP
    assert "default-src 'self'" in DOCS_CSP
    assert "http" not in DOCS_CSP


def test_swagger_ui_does_not_call_the_online_validator(users):
    html = client_for(users["grid_a"]).get("/api/v1/docs/").content.decode()
    assert '"validatorUrl": null' in html


def test_only_lists_are_documented_as_paged_and_filtered():
    """An action answering a list answers all of it, unfiltered: a client generated from the
    schema must not look for ``results`` or send the list's filters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paged = sorted(
        f"{method} {path}"
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict)
        and any(p["name"] == "page" for p in op.get("parameters", []))
        and not op["operationId"].endswith("_list")
    )
    assert paged == []
    events = schema["paths"]["/api/v1/problems/{id}/events/"]["get"]
    assert [p["name"] for p in events["parameters"]] == ["id"]
    body = events["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": "#/components/schemas/ProblemEvent"}}
    remind = schema["paths"]["/api/v1/notices/{id}/remind/"]["post"]["responses"]["200"]
    assert remind["content"]["application/json"]["schema"]["type"] == "array"


def test_every_request_carrying_a_version_documents_the_409():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "409" in paths["/api/v1/cases/{id}/discharge/"]["post"]["responses"]
    assert "409" in paths["/api/v1/tips/{id}/assign/"]["post"]["responses"]
    assert "409" in paths["/api/v1/residents/{id}/"]["patch"]["responses"]
    assert "409" not in paths["/api/v1/residents/{id}/reveal/"]["post"]["responses"]
    assert "409" not in paths["/api/v1/residents/"]["post"]["responses"]
