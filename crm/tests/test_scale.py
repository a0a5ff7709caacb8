"""Contact lists at workspace scale (issue 19): keyset pages, the bounded
count, search through the trigram index — and, on PostgreSQL, EXPLAIN shows
the deep page and the search use an index."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from crm import selectors
from crm.models import Contact
from crm.tests.factories import make_contact

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/crm/contacts/"
migration = importlib.import_module("crm.migrations.0003_contact_keyset_and_search_indexes")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")


def _contacts(workspace, n: int) -> list[Contact]:
    start = timezone.now() - timedelta(days=1)
    rows = Contact.unscoped.bulk_create(
        [Contact(workspace=workspace, email=f"c{i}@example.com", first_name=f"N{i:03d}") for i in range(n)]
    )
    for i, row in enumerate(rows):  # distinct times, plus ties: the id breaks them
        row.created_at = start + timedelta(seconds=i // 2)
    Contact.unscoped.bulk_update(rows, ["created_at"])
    return rows


def _walk(client, url: str, *, key: str = "next") -> list[list[int]]:
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body[key]
    return pages


def test_keyset_pages_cover_every_contact_once_in_order_both_ways(world):
    rows = _contacts(world["A"].workspace, 53)
    _contacts(world["B"].workspace, 5)
    client = world["A"].client("viewer")
    expected = [row.pk for row in sorted(rows, key=lambda r: (r.created_at, r.pk), reverse=True)]
    body = client.get(CONTACTS + "?page_size=10").json()
    assert body["count"] == 53 and body["count_is_approximate"] is False and body["previous"] is None
    assert "cursor=" in body["next"] and "page=" not in body["next"]
    pages = _walk(client, CONTACTS + "?page_size=10")
    assert [len(page) for page in pages] == [10, 10, 10, 10, 10, 3]
    assert [pk for page in pages for pk in page] == expected
    # and back from the last page through `previous`
    last = client.get(CONTACTS + "?page_size=10").json()
    while last["next"]:
        last = client.get(last["next"]).json()
    backwards = _walk(client, last["previous"], key="previous")
    assert [pk for page in reversed(backwards) for pk in page] == expected[:50]


def test_other_sorts_page_by_keyset_and_nullable_ones_by_page_number(world):
    rows = _contacts(world["A"].workspace, 12)
    client = world["A"].client("viewer")
    pages = _walk(client, CONTACTS + "?page_size=5&ordering=first_name")
    assert [pk for page in pages for pk in page] == [row.pk for row in sorted(rows, key=lambda r: r.first_name)]
    body = client.get(CONTACTS + "?page_size=5&ordering=last_activity_at").json()
    assert "page=2" in body["next"]  # NULLs in the sort: page numbers
    assert client.get(CONTACTS + "?page_size=5&page=3").json()["next"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxfQ", "eyJ2Ijoibm9wZSIsImlkIjoxLCJyIjpmYWxzZX0"])
def test_a_bad_cursor_is_a_404_not_a_500(world, cursor):
    response = world["A"].client("viewer").get(CONTACTS + f"?cursor={cursor}")
    assert response.status_code == 404 and response.json()["error"]["code"]


def test_past_the_exact_limit_the_count_is_labelled_approximate(world, monkeypatch):
    from nexusone.api import keyset

    _contacts(world["A"].workspace, 12)
    monkeypatch.setattr(keyset.KeysetPagination, "exact_count_limit", 10)
    body = world["A"].client("viewer").get(CONTACTS + "?page_size=5").json()
    if connection.vendor == "postgresql":
        assert body["count_is_approximate"] is True and body["count"] >= 11
    else:
        assert body["count"] == 12


@postgres_only
def test_an_approximate_count_is_kept_for_a_minute_in_process(world, monkeypatch):
    """Paging through a large list costs its page query, not a bounded count and an EXPLAIN each time."""
    from django.test.utils import CaptureQueriesContext

    from nexusone.api import keyset

    _contacts(world["A"].workspace, 12)
    monkeypatch.setattr(keyset.KeysetPagination, "exact_count_limit", 10)
    client = world["A"].client("viewer")
    first = client.get(CONTACTS + "?page_size=5").json()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(first["next"]).json()
    assert again["count_is_approximate"] is True and again["count"] == first["count"]
    assert not [q for q in captured.captured_queries if "EXPLAIN" in q["sql"] or "COUNT(" in q["sql"].upper()]
    _contacts(world["B"].workspace, 3)  # another workspace's list is its own key, counted exactly
    assert world["B"].client("viewer").get(CONTACTS + "?page_size=2").json()["count"] == 3


def test_the_contacts_page_says_about_past_the_exact_limit(world, monkeypatch):
    from nexusone.api import keyset

    a = world["A"]
    _contacts(a.workspace, 12)
    client = Client()
    client.force_login(a.users["viewer"])
    page = f"/en/w/{a.workspace.slug}/crm/"
    assert "12 contacts" in client.get(page).content.decode()
    monkeypatch.setattr(keyset.BoundedCountPaginator, "exact_count_limit", 10)
    text = client.get(page).content.decode()
    if connection.vendor == "postgresql":
        assert "about " in text and "12 contacts" not in text
    else:
        assert "12 contacts" in text


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("ann", "ann"),
        ("ANN SMITH", "ann"),
        ("globex", "ann"),
        ("bob@initech", "bob"),
        ("(415) 555-0199", "cid"),
        ("5550199", "cid"),
        ("+1 415", "cid"),
        ("bo", "bob"),  # short: a prefix
        ("gl", "ann"),
        ("zz", None),
        ("100%", None),  # LIKE wildcards are literal
    ],
)
def test_search_by_name_email_phone_digits_and_company(world, query, who):
    workspace = world["A"].workspace
    people = {
        "ann": make_contact(workspace, first_name="Ann", last_name="Smith", company="Globex", email="a@x.test"),
        "bob": make_contact(workspace, first_name="Bob", company="Initech", email="bob@initech.test"),
        "cid": make_contact(workspace, first_name="Cid", company="Umbrella", phone="+14155550199", email="c@u.test"),
    }
    make_contact(world["B"].workspace, first_name="Ann", company="Globex")  # another workspace's
    response = world["A"].client("viewer").get(CONTACTS, {"search": query})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == ([people[who].pk] if who else [])


def test_the_search_expression_is_the_indexed_one():
    """The index only serves the query if both spell the same expression."""
    assert selectors.SEARCH_DOCUMENT_SQL == migration.SEARCH_DOCUMENT_SQL
    sql = str(Contact.unscoped.alias(d=selectors.SearchDocument()).filter(d__contains="x").query)
    assert migration.SEARCH_DOCUMENT_SQL in sql.replace('"crm_contact".', "").replace('"', "")


def _explain_page_query(client, url: str) -> str:
    """EXPLAIN the SQL the API ran for the page itself (the query with LIMIT)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    page_sql = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]][-1]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page_sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
def test_explain_the_deep_page_and_the_search_use_an_index(world):
    """On an ANALYZEd table with thousands of contacts in two workspaces, the
    planner reaches a deep keyset page and a search through indexes."""
    with connection.schema_editor() as editor:  # the suite runs without migrations
        migration.create_search_index(None, editor)
    for workspace in (world["A"].workspace, world["B"].workspace):
        Contact.unscoped.bulk_create(
            [
                Contact(workspace=workspace, email=f"p{i}@w{workspace.pk}.test", first_name=f"Person{i}")
                for i in range(5000)
            ]
        )
    target = make_contact(world["A"].workspace, first_name="Zebulon", company="Quuxcorp")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_contact")
    client = world["A"].client("viewer")
    url = CONTACTS + "?page_size=100"
    for _ in range(30):  # 3,000 rows deep
        url = client.get(url).json()["next"]
    deep_plan = _explain_page_query(client, url)
    search_plan = _explain_page_query(client, CONTACTS + "?search=quuxcorp")
    assert [row["id"] for row in client.get(CONTACTS + "?search=quuxcorp").json()["results"]] == [target.pk]
    assert "crm_contact_ws_created_id" in deep_plan and "Seq Scan" not in deep_plan, deep_plan
    assert "crm_contact_search_trgm" in search_plan and "Seq Scan" not in search_plan, search_plan


@postgres_only
def test_an_import_keeps_the_statistics_its_chunk_lookups_need(world):
    """Pass 2 looks each chunk's e-mails and phones up among the workspace's
    contacts. On a table with no statistics for those columns (a new
    database: nothing has analyzed it yet) the planner scanned the whole
    workspace for every chunk; the import's first ANALYZE gathers them, and
    the lookup goes through the unique indexes."""
    from crm.importing.matching import pg_text_array
    from crm.importing.writes import _FreshStatistics

    workspace = world["A"].workspace
    Contact.unscoped.bulk_create(
        [Contact(workspace=workspace, email=f"p{i}@import.test", phone=f"+1415555{i:04d}") for i in range(20_000)]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'crm_contact' AND attname = 'email'")
        assert cursor.fetchone()[0] == 0  # the starting point the import must cope with
    statistics = _FreshStatistics(first=10_000)
    statistics.inserted(20_000)
    lookup = (
        "EXPLAIN (FORMAT JSON) SELECT id FROM crm_contact WHERE workspace_id = %s AND ((email = ANY(%s::text[]) "
        "AND email <> '') OR (phone = ANY(%s::text[]) AND phone <> ''))"
    )
    emails = [f"p{i}@import.test" for i in range(0, 20_000, 2_000)]
    phones = [f"+1415555{i:04d}" for i in range(1_000, 20_000, 2_000)]
    with connection.cursor() as cursor:
        cursor.execute(lookup, [workspace.pk, pg_text_array(emails), pg_text_array(phones)])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    # 20 keys, 20 contacts: without the columns' statistics the planner assumed ~1,000 (and at 100,000
    # contacts and 100 keys, a third of the workspace: a full scan per chunk)
    assert plan[0]["Plan"]["Plan Rows"] <= 40, plan
