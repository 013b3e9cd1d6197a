"""Several short lists about one record, read in one round trip.

A page showing a record and half a dozen short lists about it (the persons of a callout, the help
given, the referrals…) pays, for each list, Django's compiling of the query (0.3 to 1 ms) and a
round trip to PostgreSQL: far more than PostgreSQL's own work, a few rows read by index. Here each
list is described once, compiled by the ORM once per process, and one statement returns every list
as JSON (``json_agg``). The rows come back as model instances carrying the fields and related
objects that were asked for; fields not asked for are deferred, as with ``.only()``, so reading one
by mistake costs a query instead of showing an empty value.

    PAGE = OneTrip(
        persons=Fetch(Involvement, "callout", ("role", "person__first_name"), order=("created_at", "id")),
        help=Fetch(AssistanceAction, "callout", ("kind", "at", "note"), order=("at", "id")),
    )
    lists = PAGE.load(callout.pk, "persons", "help")   # {"persons": [...], "help": [...]}
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.backends.postgresql.base import CursorDebugWrapper
from django.db.models import F
from django.db.models.constants import LOOKUP_SEP

# Never a real key: they mark, in the compiled SQL's parameters, where the record's key goes.
_INTEGER_KEY = -7_351_000_000_000
_UUID_KEY = uuid.UUID("00000000-0000-4000-8000-735100000000")


@dataclass(frozen=True)
class Fetch:
    """One list: rows of ``model`` whose ``key_field`` equals the record's key (an integer or a UUID;
    ``"callout"`` or ``"callout__public_id"``, or ``"public_id"`` to read the record itself).

    ``fields`` are the model's fields to read (a foreign key by its name reads the id) and, with
    ``__``, fields of related objects (``"person__first_name"``, ``"officer__unit__code"``): the
    related object is built with its primary key and those fields, or is None when the key is empty.
    ``order`` lists the model's own fields to sort by, ``-`` first for descending.
    """

    model: type[models.Model]
    key_field: str
    fields: tuple[str, ...]
    order: tuple[str, ...] = ("id",)


class OneTrip:
    def __init__(self, **fetches: Fetch):
        self.fetches = fetches
        self._compiled: dict[tuple[str, ...], tuple[str, list]] = {}

    def load(self, key, *names: str) -> dict[str, list[models.Model]]:
        """The lists ``names`` for the record whose key is ``key``, in one query."""
        if not names:
            return {}
        sql, params = self._compiled.get(names) or self._compile(names)
        with prepared_cursor() as cursor:
            cursor.execute(sql, [key if param in (_INTEGER_KEY, _UUID_KEY) else param for param in params])
            row = cursor.fetchone()
        return {
            name: [self._build(self.fetches[name], item) for item in rows]
            for name, rows in zip(names, row, strict=True)
        }

    # --- compiling, once per process and list of names -------------------------------------------------------

    def _compile(self, names: tuple[str, ...]) -> tuple[str, list]:
        parts, params = [], []
        for name in names:
            fetch = self.fetches[name]
            own, related = _columns(fetch)
            ordering = [(field[1:], "DESC") if field.startswith("-") else (field, "ASC") for field in fetch.order]
            own += [attname for attname in (_attname(fetch.model, f) for f, _ in ordering) if attname not in own]
            rows = (
                fetch.model._default_manager.filter(**{fetch.key_field: _sentinel(fetch.model, fetch.key_field)})
                .order_by()
                .values(*own, **{alias: F(path) for alias, path in related.items()})
            )
            sql, list_params = rows.query.sql_with_params()
            order_sql = ", ".join(f't."{_attname(fetch.model, field)}" {direction}' for field, direction in ordering)
            # SQL of our own queryset (values as parameters); names from our models and code.
            select = f"SELECT coalesce(json_agg(t ORDER BY {order_sql}), '[]'::json) FROM ({sql}) t"  # noqa: S608
            parts.append(f'({select}) AS "{name}"')
            params.extend(list_params)
        if not any(param in (_INTEGER_KEY, _UUID_KEY) for param in params):
            raise ValueError("OneTrip: a list is not filtered on the record's key")
        compiled = ("SELECT " + ", ".join(parts), params)
        self._compiled[names] = compiled
        return compiled

    # --- building instances ---------------------------------------------------------------------------------

    def _build(self, fetch: Fetch, item: dict) -> models.Model:
        obj = _instance(fetch.model, item, prefix="")
        for path in _relation_paths(fetch.fields):
            _attach(obj, path, item)
        return obj


def prepared_cursor():
    """A cursor whose statements PostgreSQL prepares: a statement of a dozen tables took 1.4 ms to
    plan for 0.4 ms of work; prepared, PostgreSQL settles on a generic plan after five runs on a
    connection (connections live CONN_MAX_AGE seconds) and plans it no more.

    Django turns psycopg's preparing off, for connection poolers in transaction mode (there is none
    in front of this application's PostgreSQL); its own cursors bind on the client and never
    prepare whatever the threshold, so only these statements are prepared. The cursor is Django's
    wrapper: queries are logged and counted, execute wrappers apply."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = 0
    cursor = psycopg.Cursor(raw)
    return _LoggedCursor(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


def prepared_values(queryset) -> list[dict]:
    """The rows of a ``values()`` queryset as dicts, through a prepared statement: for a list page
    whose SQL is the same on every view but its parameters, PostgreSQL plans it once per connection."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (pk__in=[]): the ORM does the same
        return []
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def prepared_count(queryset, cap: int) -> int:
    """How many rows ``queryset`` has, counting no further than ``cap``, through a prepared
    statement (see prepared_values)."""
    try:
        sql, params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
    except EmptyResultSet:
        return 0
    with prepared_cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS counted", params)  # noqa: S608 - SQL of our own queryset
        return cursor.fetchone()[0]


class _LoggedCursor(CursorDebugWrapper):
    """Logs the statement as written (placeholders, no values): psycopg keeps no text of a prepared
    statement's run for Django's last_executed_query."""

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        return super().debug_sql(sql, params, use_last_executed_query=False, many=many)


def _sentinel(model, key_field: str):
    *path, name = key_field.split(LOOKUP_SEP)
    field = _related_model(model, tuple(path))._meta.get_field(name)
    if field.is_relation:
        field = field.target_field
    return _UUID_KEY if isinstance(field, models.UUIDField) else _INTEGER_KEY


def _attname(model, name: str) -> str:
    field = model._meta.get_field(name)
    if field.column != field.attname:
        raise ValueError(f"OneTrip: {model.__name__}.{name} has its own column name")
    return field.attname


def _columns(fetch: Fetch) -> tuple[list[str], dict[str, str]]:
    """The model's own columns (attnames) and the related ones (alias "a.b" -> ORM path "a__b")."""
    own = [_attname(fetch.model, fetch.model._meta.pk.name)]
    related = {}
    for field in fetch.fields:
        if LOOKUP_SEP in field:
            related[field.replace(LOOKUP_SEP, ".")] = field
        else:
            attname = _attname(fetch.model, field)
            if attname not in own:
                own.append(attname)
    for path in _relation_paths(fetch.fields):  # each related object's primary key
        model = _related_model(fetch.model, path)
        related.setdefault(".".join((*path, model._meta.pk.attname)), LOOKUP_SEP.join((*path, model._meta.pk.attname)))
        # the foreign key column itself, so the object and the id agree
        head = fetch.model._meta.get_field(path[0]).attname
        if len(path) == 1 and head not in own:
            own.append(head)
    return own, related


@functools.cache
def _relation_paths(fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every relation named by a field, parents first: ("officer",), ("officer", "unit")."""
    paths = []
    for field in fields:
        steps = field.split(LOOKUP_SEP)[:-1]
        for depth in range(1, len(steps) + 1):
            if tuple(steps[:depth]) not in paths:
                paths.append(tuple(steps[:depth]))
    return paths


def _related_model(model, path: tuple[str, ...]):
    for step in path:
        model = model._meta.get_field(step).related_model
    return model


# Types JSON gives back as Python wants them (strings, numbers, booleans, lists): no conversion.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "JSONField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


@functools.cache
def _converters(model, prefix: str) -> list[tuple[str, object]]:
    """For each concrete field: its key in the JSON row and the function turning the JSON value
    into the field's Python value (None when the value is right as it comes: most fields)."""
    return [
        (prefix + field.attname, None if field.get_internal_type() in _AS_IS else field.to_python)
        for field in model._meta.concrete_fields
    ]


def _instance(model, item: dict, prefix: str) -> models.Model:
    values = []
    for name, convert in _converters(model, prefix):
        if name not in item:
            values.append(models.DEFERRED)
        elif convert is None or item[name] is None:
            values.append(item[name])
        else:
            values.append(convert(item[name]))
    obj = model(*values)
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def _attach(obj: models.Model, path: tuple[str, ...], item: dict) -> None:
    parent = obj
    for step in path[:-1]:
        parent = getattr(parent, step)
        if parent is None:
            return
    model = parent._meta.get_field(path[-1]).related_model
    prefix = ".".join(path) + "."
    related = None if item[prefix + model._meta.pk.attname] is None else _instance(model, item, prefix)
    setattr(parent, path[-1], related)
