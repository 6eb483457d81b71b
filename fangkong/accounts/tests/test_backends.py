"""RoleBackend: a role's permission answers without queries; the full set still applies."""

from django.contrib.auth.models import Permission


def test_role_permission_needs_no_query_and_user_permissions_still_count(
    users, django_assert_num_queries
):
    community = users["community"]
    with django_assert_num_queries(0):
        assert community.has_perm("venues.ingest_scan")
    assert not users["grid_a"].has_perm("venues.ingest_scan")
    granted = Permission.objects.get(codename="ingest_scan", content_type__app_label="venues")
    users["grid_a"].user_permissions.add(granted)
    grid = type(users["grid_a"]).objects.get(pk=users["grid_a"].pk)  # fresh permission cache
    assert grid.has_perm("venues.ingest_scan")
    community.is_active = False
    assert not community.has_perm("venues.ingest_scan")
