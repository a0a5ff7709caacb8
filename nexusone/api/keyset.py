"""Keyset ("cursor") pagination for the large lists, with the page-number
contract kept.

A list answers `{count, count_is_approximate, next, previous, results}`:
the page-number keys, plus a flag. Without `?page=` the page is found by its
position in the sort — `WHERE (sort, id) < (last row's sort, id) ORDER BY
sort, id LIMIT n` over an index on `(workspace_id, sort, id)` — so the
thousandth page costs what the first costs; `next` / `previous` carry an
opaque `?cursor=`. `?page=N` still works as before (OFFSET; for old clients
and small lists). Any sort by one non-null field (plus `id`, added as the tie
breaker) pages by keyset; other sorts fall back to page numbers.

`count` is exact up to `exact_count_limit` rows (a bounded count that stops
there); past it, PostgreSQL's planner estimate (`EXPLAIN`), with
`count_is_approximate: true`. Other databases always count exactly. A first
page that holds the whole list is its own count (no count query).
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from nexusone.api.pagination import PageNumberPagination
from nexusone.localcache import LocalTTLCache


def estimated_count(queryset: QuerySet) -> int | None:
    """The planner's row estimate for `queryset` (PostgreSQL), else None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# An approximate count, once known, is kept for a minute in the process (keyed by the query's SQL and
# parameters, so by workspace and filter): paging through a large list then costs the page's query only,
# not a bounded count of `limit` rows plus an EXPLAIN on every page. Exact counts are never cached.
_APPROXIMATE = LocalTTLCache(ttl=60, max_entries=10_000)


def bounded_count(queryset: QuerySet, limit: int) -> tuple[int, bool]:
    """(count, approximate): exact below `limit`, else the planner's estimate
    (never less than `limit`, which is known to be exceeded)."""
    key = None
    if connections[queryset.db].vendor == "postgresql":
        sql, params = queryset.order_by().query.sql_with_params()
        key = (queryset.db, limit, sql, repr(params))
        cached = _APPROXIMATE.get(key)
        if cached is not None:
            return cached, True
    exact = queryset.order_by()[: limit + 1].count()
    if exact <= limit:
        return exact, False
    estimate = estimated_count(queryset)
    if estimate is None:
        return queryset.count(), False
    count = max(estimate, exact)
    if key is not None:
        _APPROXIMATE.set(key, count)
    return count, True


class KeysetPagination(pagination.BasePagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"
    page_query_param = "page"
    # A bounded count reads up to this many matching rows on every page: at 1,000 that is a few
    # milliseconds on a filtered or searched list of a 1,000,000-contact workspace (at 10,000 it
    # was most of the page's time; docs/PERFORMANCE.md). Past it, the planner's estimate.
    exact_count_limit = 1_000
    invalid_cursor_message = pagination.CursorPagination.invalid_cursor_message

    def __init__(self) -> None:
        self._fallback: PageNumberPagination | None = None

    # --- DRF's pagination interface -------------------------------------------------------------

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        self._model = queryset.model
        ordering = self._keyset_ordering(queryset)
        if self.page_query_param in request.query_params or ordering is None:
            self._fallback = PageNumberPagination()
            self._fallback.max_page_size = self.max_page_size
            self._fallback.page_size = self.page_size
            page = self._fallback.paginate_queryset(queryset, request, view)
            self.count, self.count_is_approximate = self._fallback.page.paginator.count, False
            return page
        self.page_size = self._page_size(request)
        self.field, self.descending = ordering
        position = self._decode(request.query_params.get(self.cursor_query_param))
        backwards = bool(position and position["r"])
        order = self._order(reverse=backwards)
        rows = queryset.order_by(*order)
        if position is not None:
            rows = rows.filter(self._after(position, reverse=backwards))
        rows = list(rows[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if position is None and not more:
            self.count, self.count_is_approximate = len(rows), False  # the whole list is this page: no count query
        else:
            self.count, self.count_is_approximate = bounded_count(queryset, self.exact_count_limit)
        if backwards:
            rows.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, position is not None
        self.rows = rows
        return rows

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict(
                [
                    ("count", self.count),
                    ("count_is_approximate", self.count_is_approximate),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_next_link(self) -> str | None:
        if self._fallback is not None:
            return self._fallback.get_next_link()
        if not self.has_next or not self.rows:
            return None
        return self._link(self.rows[-1], reverse=False)

    def get_previous_link(self) -> str | None:
        if self._fallback is not None:
            return self._fallback.get_previous_link()
        if not self.has_previous or not self.rows:
            return None
        return self._link(self.rows[0], reverse=True)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_is_approximate": {
                    "type": "boolean",
                    "description": "true when `count` is the database's estimate (very large lists).",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from `next` / `previous` (keyset: any page as fast as the first).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number (OFFSET paging; prefer the `next` links on large lists).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (max {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]

    # --- keyset -----------------------------------------------------------------------------------

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size)) if size > 0 else self.page_size

    def _keyset_ordering(self, queryset: QuerySet) -> tuple[str, bool] | None:
        """(field, descending) when the sort is one non-null field (+ id), else None."""
        terms = [
            str(term) for term in (queryset.query.order_by or queryset.model._meta.ordering) if isinstance(term, str)
        ]
        terms = [term for term in terms if term.lstrip("-") not in ("id", "pk")] or ["-id"]
        if len(terms) != 1:
            return None
        name = terms[0].lstrip("-")
        try:
            field = queryset.model._meta.get_field(name)
        except Exception:  # a related path or an annotation: not keyset-able
            return None
        if field.null or field.is_relation:
            return None
        return name, terms[0].startswith("-")

    def _order(self, *, reverse: bool) -> list[str]:
        descending = self.descending != reverse
        sign = "-" if descending else ""
        return [f"{sign}{self.field}", f"{sign}id"] if self.field != "id" else [f"{sign}id"]

    def _after(self, position: dict, *, reverse: bool) -> Q:
        descending = self.descending != reverse
        op = "lt" if descending else "gt"
        if self.field == "id":
            return Q(**{f"id__{op}": position["id"]})
        value = position["v"]
        # The redundant bound lets the (sort, id) index start at the position.
        bound = Q(**{f"{self.field}__{op}e": value})
        return bound & (Q(**{f"{self.field}__{op}": value}) | Q(**{self.field: value, f"id__{op}": position["id"]}))

    def _link(self, row: Any, *, reverse: bool) -> str:
        value = getattr(row, self.field) if self.field != "id" else None
        token = {"v": value.isoformat() if hasattr(value, "isoformat") else value, "id": row.pk, "r": reverse}
        encoded = base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, encoded)

    def _decode(self, encoded: str | None) -> dict | None:
        if not encoded:
            return None
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            token = json.loads(raw)
            if not isinstance(token, dict) or not isinstance(token.get("id"), int):
                raise ValueError
            if self.field != "id":
                model_field = self.model_field
                token["v"] = model_field.to_python(token["v"])
                if token["v"] is None:
                    raise ValueError
            token["r"] = bool(token.get("r"))
            return token
        except Exception:  # whatever is wrong with a cursor, it is DRF's 404 "Invalid cursor"
            raise exceptions.NotFound(force_str(self.invalid_cursor_message)) from None

    @property
    def model_field(self):
        return self._model._meta.get_field(self.field)


class BoundedCountPaginator(Paginator):
    """Django's paginator for the pages' large lists, with the API's count:
    exact up to `exact_count_limit` rows, the planner's estimate beyond
    (`count_is_approximate`, for the template to say "about")."""

    exact_count_limit = KeysetPagination.exact_count_limit
    count_is_approximate = False

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        count, self.count_is_approximate = bounded_count(self.object_list, self.exact_count_limit)
        return count
