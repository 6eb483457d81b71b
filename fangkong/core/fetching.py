"""Reading many rows of few distinct values without converting each one."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet


def converted_once(qs: QuerySet) -> list[list]:
    """The rows of a ``values_list`` queryset, each distinct raw value converted once.

    A city's price-alert window is tens of thousands of lines sharing a few dates and
    prices, a city's grouped counts thousands of rows of small numbers; Django converts every
    value of every row (on SQLite a ``Decimal`` from a float, a date from text; an ``int``
    from each count), which cost more than the query itself. Same SQL, same converters."""
    compiler = qs.query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # ``none()``: a user without an area
        return []
    connection = compiler.connection
    converters = compiler.get_converters([col for col, _alias, _ in compiler.select])
    memo: dict[int, dict] = {pos: {} for pos in converters}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [list(row) for row in cursor.fetchall()]
    for pos, (convs, expression) in converters.items():
        done = memo[pos]
        for row in rows:
            raw = row[pos]
            value = done.get(raw, done)
            if value is done:
                value = raw
                for convert in convs:
                    value = convert(value, expression, connection)
                done[raw] = value
            row[pos] = value
    return rows
