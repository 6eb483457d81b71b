"""Background recomputation of derived statuses (after bulk changes such as an import)."""

from django_tasks import task


@task()
def recompute_area_status(area_id: int, cause: str) -> dict:
    from fangkong.areas.models import Area

    from .services import recompute_all

    area = Area.objects.get(pk=area_id)
    result = recompute_all(cause=cause, area=area)
    return {"evaluated": result.evaluated, "changed": result.changed}


@task()
def recompute_residents_status(resident_ids: list[int], cause: str) -> dict:
    """Recompute exactly these residents (e.g. those an import gave a new fact)."""
    from .services import recompute_status

    result = recompute_status(resident_ids, cause=cause)
    return {"evaluated": result.evaluated, "changed": result.changed}
