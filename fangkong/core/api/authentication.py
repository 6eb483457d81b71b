"""API authentication: DRF's token scheme, the token, its user and the user's area read by one
plain SQL statement built once per process."""

from __future__ import annotations

from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from fangkong.core import pipelined


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``. Every scoped API call reads ``user.area`` (the subtree
    it may see), so it is loaded here too. The ORM compiled the joined query afresh on every
    request (~60 % of the cheapest API request); the same rows now come from one statement
    whose text and converters are built once per process, prepared on PostgreSQL
    (``pipelined.fetch``). Nothing is cached between requests: a revoked token, a deleted or
    deactivated user is refused on the next request."""

    def authenticate_credentials(self, key):
        from fangkong.accounts import tokens

        found = _token_with_user(key)
        if found is None or not found.user.is_active:
            # DRF's own refusal, with its messages and translations.
            return super().authenticate_credentials(key)
        if tokens.expired(found):
            raise exceptions.AuthenticationFailed(
                _("令牌已过期，请用用户名和密码重新获取（/api/v1/auth/token/）")
            )
        return (found.user, found)


class _Loader:
    """Token ⨝ user ⟕ area as one statement, and model instances built from its row the way
    the ORM builds them (``Model.from_db`` after each column's converters)."""

    def __init__(self, alias: str):
        from rest_framework.authtoken.models import Token

        conn = connections[alias]
        qn = conn.ops.quote_name
        user_model = Token._meta.get_field("user").related_model
        area_model = user_model._meta.get_field("area").related_model
        self.alias = alias
        self.models = []  # (model, attnames, first column, converters)
        columns, start = [], 0
        for model, table in ((Token, "t"), (user_model, "u"), (area_model, "a")):
            fields = model._meta.concrete_fields
            converters = []
            for i, f in enumerate(fields):
                col = f.get_col(table)
                found = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
                if found:
                    converters.append((start + i, found, col))
            self.models.append((model, [f.attname for f in fields], start, converters))
            columns += [f"{table}.{qn(f.column)}" for f in fields]
            start += len(fields)
        user_fk = Token._meta.get_field("user").column
        area_fk = user_model._meta.get_field("area").column
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {qn(Token._meta.db_table)} t "  # noqa: S608
            f"JOIN {qn(user_model._meta.db_table)} u ON u.{qn('id')} = t.{qn(user_fk)} "
            f"LEFT JOIN {qn(area_model._meta.db_table)} a ON a.{qn('id')} = u.{qn(area_fk)} "
            f"WHERE t.{qn(Token._meta.pk.column)} = %s"
        )

    def instances(self, row: tuple, conn) -> list:
        row = list(row)
        out = []
        for model, attnames, start, converters in self.models:
            for i, funcs, col in converters:
                value = row[i]
                for func in funcs:
                    value = func(value, col, conn)
                row[i] = value
            values = row[start : start + len(attnames)]
            out.append(None if values[0] is None else model.from_db(self.alias, attnames, values))
        return out


@lru_cache(maxsize=4)
def _loader(alias: str) -> _Loader:
    return _Loader(alias)


def _token_with_user(key: str):
    """The token of ``key`` with ``token.user`` and ``user.area`` set, or None."""
    conn = connections[DEFAULT_DB_ALIAS]
    loader = _loader(DEFAULT_DB_ALIAS)
    rows = pipelined.fetch(loader.sql, [key])
    if not rows:
        return None
    token, user, area = loader.instances(rows[0], conn)
    user._state.fields_cache["area"] = area  # None for an account without an area
    token._state.fields_cache["user"] = user
    return token
