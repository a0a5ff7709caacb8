"""The CRM API: contacts, activities, merge, bulk, segments, custom fields,
export — with the error envelope, credits and query budgets."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Activity, Contact, Segment
from crm.tests.conftest import balance, set_credits
from crm.tests.factories import make_activity, make_contact, make_custom_field, make_segment

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/crm/contacts/"


@pytest.fixture
def member(world):
    set_credits(world["A"].workspace, 100)
    return world["A"].client("member")


# --- create, validate, charge ---------------------------------------------------------------------


def test_create_normalises_and_charges_the_crm_price(world, member):
    response = member.post(
        CONTACTS,
        {
            "first_name": " Ann ",
            "email": "Ann.Lee@Example.COM",
            "phone": "(415) 555-0101",
            "tags": ["VIP", "vip "],
            "stage": "prospect",
            "language": "es",
            "email_opt_in": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["tags"], body["first_name"]) == (
        "ann.lee@example.com",
        "+14155550101",
        ["vip"],
        "Ann",
    )
    assert body["source"] == "api" and body["engagement_score"] == 0
    assert balance(world["A"].workspace) == 95


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"phone": "+999 123"}, "phone"),
        ({"email": "a@b.co", "stage": "vip"}, "stage"),
        ({"email": "a@b.co", "language": "fr"}, "language"),
        ({"email": "a@b.co", "custom_fields": {"nope": 1}}, "custom_fields"),
        ({"email": "a@b.co", "first_name": "x" * 101}, "first_name"),
        ({"company": "Only a company"}, "non_field_errors"),
    ],
)
def test_invalid_input_is_400_naming_the_field_and_costs_nothing(world, member, payload, field):
    response = member.post(CONTACTS, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]
    assert balance(world["A"].workspace) == 100


def test_duplicate_email_or_phone_is_409_naming_the_existing_contact(world, member):
    existing = make_contact(world["A"].workspace, email="ann@example.com", phone="+14155550101")
    for payload, field in (({"email": "ANN@example.com"}, "email"), ({"phone": "+1 415 555 0101"}, "phone")):
        response = member.post(CONTACTS, payload, format="json")
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "duplicate_contact"
        assert error["details"] == {"existing_id": existing.pk, "field": field}
    other = make_contact(world["A"].workspace, email="bob@example.com")
    response = member.patch(f"{CONTACTS}{other.pk}/", {"email": "ann@example.com"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["details"]["existing_id"] == existing.pk
    assert balance(world["A"].workspace) == 100


def test_the_same_email_in_another_workspace_is_not_a_duplicate(world, member):
    make_contact(world["B"].workspace, email="ann@example.com")
    assert member.post(CONTACTS, {"email": "ann@example.com"}, format="json").status_code == 201


def test_not_enough_credits_is_402_and_creates_nothing(world):
    set_credits(world["A"].workspace, 4)
    response = world["A"].client("member").post(CONTACTS, {"email": "ann@example.com"}, format="json")
    assert response.status_code == 402
    assert response.json()["error"] == {
        "code": "insufficient_credits",
        "message": response.json()["error"]["message"],
        "details": {"needed": 5, "available": 4},
    }
    assert not Contact.unscoped.filter(workspace=world["A"].workspace).exists()


def test_idempotency_key_charges_once(world, member):
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-ann"}
    first = member.post(CONTACTS, {"email": "ann@example.com"}, format="json", **headers)
    again = member.post(CONTACTS, {"email": "ann@example.com"}, format="json", **headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert balance(world["A"].workspace) == 95


def test_viewer_reads_but_cannot_write(world):
    contact = make_contact(world["A"].workspace)
    viewer = world["A"].client("viewer")
    assert viewer.get(f"{CONTACTS}{contact.pk}/").status_code == 200
    assert viewer.post(CONTACTS, {"email": "x@example.com"}, format="json").status_code == 403
    assert viewer.patch(f"{CONTACTS}{contact.pk}/", {"company": "X"}, format="json").status_code == 403
    assert viewer.delete(f"{CONTACTS}{contact.pk}/").status_code == 403


def test_update_records_a_stage_change_and_delete_removes_the_timeline(world, member):
    contact = make_contact(world["A"].workspace)
    make_activity(world["A"].workspace, contact=contact)
    response = member.patch(f"{CONTACTS}{contact.pk}", {"stage": "customer", "tags": ["a"]}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "customer"
    change = Activity.unscoped.get(contact=contact, type="stage_change")
    assert change.payload == {"from": "lead", "to": "customer"}
    assert member.put(f"{CONTACTS}{contact.pk}", {"stage": "lead"}, format="json").status_code == 405
    assert member.delete(f"{CONTACTS}{contact.pk}").status_code == 204
    assert not Activity.unscoped.filter(contact_id=contact.pk).exists()


# --- list: search, filters, ordering, pagination, query budget ------------------------------------


def test_search_filters_and_ordering(world, member):
    workspace = world["A"].workspace
    ann = make_contact(
        workspace,
        first_name="Ann",
        company="Globex",
        tags=["vip"],
        stage="customer",
        engagement_score=80,
        language="es",
    )
    make_contact(workspace, first_name="Bob", company="Initech", tags=["vipish"], engagement_score=20)
    low = make_contact(workspace, first_name="Cid", phone="+14155550199", tags=["trial", "vip"], engagement_score=5)
    segment = make_segment(workspace, definition={"tags_any": ["vip"], "score_min": 50})

    def ids(query: str) -> list[int]:
        response = member.get(CONTACTS + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("?search=globex") == [ann.pk]
    assert ids("?search=5550199") == [low.pk]
    assert sorted(ids("?tag=vip")) == sorted([ann.pk, low.pk])  # "vipish" is another tag
    assert ids("?stage=customer") == [ann.pk]
    assert ids("?score_min=10&score_max=90&ordering=-engagement_score")[0] == ann.pk
    assert ids("?language=es") == [ann.pk]
    assert ids(f"?segment={segment.pk}") == [ann.pk]
    assert ids("?ordering=engagement_score")[0] == low.pk
    assert member.get(CONTACTS + "?ordering=workspace").status_code == 200  # not in the allowlist: ignored
    assert member.get(CONTACTS + "?stage=nope").status_code == 400


def test_list_pages_are_capped_and_paginated(world, member):
    Contact.unscoped.bulk_create(
        [Contact(workspace=world["A"].workspace, email=f"c{i}@example.com") for i in range(30)]
    )
    body = member.get(CONTACTS + "?page_size=1000").json()
    assert body["count"] == 30 and len(body["results"]) == 30
    body = member.get(CONTACTS + "?page_size=10&page=3").json()
    assert len(body["results"]) == 10 and body["next"] is None


@pytest.mark.parametrize("size", [1, 100])
def test_contact_list_queries_do_not_grow_with_the_page(world, member, size, django_assert_max_num_queries):
    Contact.unscoped.bulk_create(
        [Contact(workspace=world["A"].workspace, email=f"c{i}@example.com", tags=["t"]) for i in range(size)]
    )
    # 1 membership + role lookup, 1 plan rate (throttle, first request of the window), 1 COUNT, 1 page.
    # No per-row queries: the output has no relations.
    with django_assert_max_num_queries(4):
        response = member.get(CONTACTS + "?page_size=100&tag=t&ordering=-created_at")
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 60])
def test_activity_list_queries_do_not_grow_with_the_page(world, member, size, django_assert_max_num_queries):
    contact = make_contact(world["A"].workspace)
    for _ in range(size):
        make_activity(world["A"].workspace, contact=contact, actor=world["A"].users["member"])
    # membership, plan rate, the contact, COUNT, the page with its actors joined (select_related).
    with django_assert_max_num_queries(5):
        response = member.get(f"{CONTACTS}{contact.pk}/activities/?page_size=100")
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 40])
def test_segment_and_import_lists_have_constant_queries(world, member, size, django_assert_max_num_queries):
    from crm.tests.factories import make_import

    for i in range(size):
        make_segment(world["A"].workspace, name=f"S{i}")
        make_import(world["A"].workspace)
    # membership, plan rate, COUNT, page — for each list.
    with django_assert_max_num_queries(4):
        assert len(member.get("/api/v1/crm/segments/?page_size=100").json()["results"]) == size
    with django_assert_max_num_queries(4):
        assert len(member.get("/api/v1/crm/imports/?page_size=100").json()["results"]) == size


# --- activities and score ---------------------------------------------------------------------------


def test_adding_activities_updates_score_and_last_activity(world, member):
    contact = make_contact(world["A"].workspace)
    url = f"{CONTACTS}{contact.pk}/activities/"
    response = member.post(url, {"type": "purchase", "payload": {"amount": 49}}, format="json")
    assert response.status_code == 201, response.content
    member.post(url, {"type": "form_submit"}, format="json")
    old = (timezone.now() - timedelta(days=60)).isoformat()
    member.post(url, {"type": "call", "occurred_at": old}, format="json")
    contact.refresh_from_db()
    assert contact.engagement_score == 25 + 10 + 2  # a 60-day-old call keeps a quarter of its 8 points
    timeline = member.get(url).json()["results"]
    assert [row["type"] for row in timeline] == ["form_submit", "purchase", "call"]
    assert timeline[0]["actor"] == {"id": world["A"].users["member"].pk, "name": world["A"].users["member"].name}


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "stage_change"},
        {"type": "merge"},
        {"type": "teleport"},
        {"type": "note", "occurred_at": "2999-01-01T00:00:00Z"},
        {"type": "note", "payload": {"x": "y" * 20000}},
    ],
)
def test_system_unknown_future_or_huge_activities_are_refused(world, member, payload):
    contact = make_contact(world["A"].workspace)
    response = member.post(f"{CONTACTS}{contact.pk}/activities/", payload, format="json")
    assert response.status_code == 400


# --- merge and bulk ----------------------------------------------------------------------------------


def test_merge_keeps_every_activity_and_fills_missing_fields(world, member):
    workspace = world["A"].workspace
    keep = make_contact(workspace, email="ann@example.com", phone="", company="", tags=["a"], custom_fields={"x": 1})
    other = make_contact(
        workspace,
        email="ann.old@example.com",
        phone="+14155550101",
        company="Globex",
        tags=["b"],
        custom_fields={"x": 2, "y": 3},
        whatsapp_opt_in=True,
    )
    for _ in range(3):
        make_activity(workspace, contact=other)
    make_activity(workspace, contact=keep)
    response = member.post(f"{CONTACTS}{keep.pk}/merge", {"other_id": other.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["company"], body["tags"]) == (
        "ann@example.com",
        "+14155550101",
        "Globex",
        ["a", "b"],
    )
    assert body["custom_fields"] == {"x": 1, "y": 3} and body["whatsapp_opt_in"] is True
    assert not Contact.unscoped.filter(pk=other.pk).exists()
    assert Activity.unscoped.filter(contact=keep).exclude(type="merge").count() == 4
    merge = Activity.unscoped.get(contact=keep, type="merge")
    assert merge.payload["merged_id"] == other.pk and merge.payload["email"] == "ann.old@example.com"
    from nexusone.audit import AuditEntry

    assert AuditEntry.unscoped.filter(action="crm.contacts.merged", workspace=workspace).exists()


def test_merge_into_itself_or_a_missing_contact(world, member):
    contact = make_contact(world["A"].workspace)
    assert member.post(f"{CONTACTS}{contact.pk}/merge", {"other_id": contact.pk}, format="json").status_code == 400
    assert member.post(f"{CONTACTS}{contact.pk}/merge", {"other_id": 987654}, format="json").status_code == 404


def test_bulk_tag_and_stage(world, member):
    workspace = world["A"].workspace
    contacts = [make_contact(workspace, tags=["old"]) for _ in range(3)]
    ids = [c.pk for c in contacts]
    response = member.post(
        CONTACTS + "bulk", {"ids": ids, "add_tags": ["New"], "remove_tags": ["old"], "stage": "prospect"}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"updated": 3}
    for contact in contacts:
        contact.refresh_from_db()
        assert (contact.tags, contact.stage) == (["new"], "prospect")
    assert Activity.unscoped.filter(contact_id__in=ids, type="stage_change").count() == 3
    assert member.post(CONTACTS + "bulk", {"ids": ids}, format="json").status_code == 400


# --- segments --------------------------------------------------------------------------------------


def test_segment_crud_and_preview(world, member):
    workspace = world["A"].workspace
    make_custom_field(workspace, key="plan", type="choice", choices=["gold", "silver"])
    gold = make_contact(workspace, stage="customer", custom_fields={"plan": "gold"}, engagement_score=70)
    make_contact(workspace, stage="customer", custom_fields={"plan": "silver"})
    make_contact(workspace, stage="lead", custom_fields={"plan": "gold"})
    definition = {"stages": ["customer"], "custom": [{"field": "plan", "op": "eq", "value": "GOLD"}]}
    response = member.post("/api/v1/crm/segments/", {"name": "Gold customers", "definition": definition}, format="json")
    assert response.status_code == 201, response.content
    segment = response.json()
    assert segment["definition"]["custom"] == [{"field": "plan", "op": "eq", "value": "gold"}]
    preview = member.get(f"/api/v1/crm/segments/{segment['id']}/preview").json()
    assert preview["count"] == 1 and preview["results"][0]["id"] == gold.pk
    response = member.patch(
        f"/api/v1/crm/segments/{segment['id']}", {"definition": {"stages": ["lead"]}}, format="json"
    )
    assert response.status_code == 200
    assert member.get(f"/api/v1/crm/segments/{segment['id']}/preview").json()["count"] == 1
    assert member.delete(f"/api/v1/crm/segments/{segment['id']}").status_code == 204
    assert not Segment.unscoped.exists()


@pytest.mark.parametrize(
    ("definition", "key"),
    [
        ({"score_min": 120}, "definition.score_min"),
        ({"score_min": 60, "score_max": 10}, "definition.score_min"),
        ({"stages": ["vip"]}, "definition.stages"),
        ({"colour": "red"}, "definition.colour"),
        ({"custom": [{"field": "nope", "op": "eq", "value": 1}]}, "definition.custom"),
        ({"custom": [{"field": "plan", "op": "gt", "value": "x"}]}, "definition.custom"),
        ({"email_opt_in": "yes"}, "definition.email_opt_in"),
        ("everything", "definition"),
    ],
)
def test_invalid_segment_definitions_are_400(world, member, definition, key):
    make_custom_field(world["A"].workspace, key="plan")
    response = member.post("/api/v1/crm/segments/", {"name": "S", "definition": definition}, format="json")
    assert response.status_code == 400
    assert key in response.json()["error"]["details"]


def test_segment_filters_activity_windows_consent_and_tags(world, member):
    workspace = world["A"].workspace
    now = timezone.now()
    active = make_contact(workspace, tags=["vip", "b2b"], email_opt_in=True, last_activity_at=now - timedelta(days=3))
    make_contact(workspace, tags=["vip"], email_opt_in=True, last_activity_at=now - timedelta(days=90))
    make_contact(workspace, tags=["vip", "b2b"], email_opt_in=False, last_activity_at=now)
    segment = make_segment(
        workspace, definition={"tags_all": ["vip", "b2b"], "email_opt_in": True, "last_activity_within_days": 30}
    )
    preview = member.get(f"/api/v1/crm/segments/{segment.pk}/preview").json()
    assert [row["id"] for row in preview["results"]] == [active.pk]
    dormant = make_segment(workspace, definition={"inactive_for_days": 30, "tags_none": ["b2b"]})
    assert member.get(f"/api/v1/crm/segments/{dormant.pk}/preview").json()["count"] == 1


# --- custom fields ---------------------------------------------------------------------------------


def test_custom_fields_are_defined_by_admins_and_validated_on_contacts(world, member):
    admin = world["A"].client("admin")
    url = "/api/v1/crm/custom-fields/"
    assert member.post(url, {"key": "renewal", "label": "Renewal", "type": "date"}, format="json").status_code == 403
    assert admin.post(url, {"key": "renewal", "label": "Renewal", "type": "date"}, format="json").status_code == 201
    assert admin.post(url, {"key": "renewal", "label": "Again", "type": "text"}, format="json").status_code == 409
    assert admin.post(url, {"key": "Bad Key", "label": "X"}, format="json").status_code == 400
    assert admin.post(url, {"key": "tier", "label": "Tier", "type": "choice"}, format="json").status_code == 400
    ok = member.post(CONTACTS, {"email": "a@example.com", "custom_fields": {"renewal": "2030-01-31"}}, format="json")
    assert ok.status_code == 201 and ok.json()["custom_fields"] == {"renewal": "2030-01-31"}
    bad = member.post(CONTACTS, {"email": "b@example.com", "custom_fields": {"renewal": "soon"}}, format="json")
    assert bad.status_code == 400 and "renewal" in bad.json()["error"]["details"]["custom_fields"][0]
    cleared = member.patch(f"{CONTACTS}{ok.json()['id']}", {"custom_fields": {"renewal": None}}, format="json")
    assert cleared.json()["custom_fields"] == {}


# --- export --------------------------------------------------------------------------------------


def test_csv_export_escapes_formulas_and_follows_the_filters(world, member):
    workspace = world["A"].workspace
    make_custom_field(workspace, key="note")
    payloads = ['=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "plain"]
    for i, value in enumerate(payloads):
        make_contact(
            workspace,
            email=f"x{i}@example.com",
            first_name=value,
            company=value,
            tags=["export"],
            custom_fields={"note": value},
        )
    make_contact(workspace, email="other@example.com", tags=["skip"])
    response = member.get(CONTACTS + "export?format=csv&tag=export&ordering=email")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    header, data = rows[0], rows[1:]
    assert header[:4] == ["id", "first_name", "last_name", "email"] and header[-1] == "custom:note"
    assert len(data) == len(payloads)
    unescaped = [cell for row in data for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert unescaped == []
    first_names = {row[1] for row in data}
    assert '\'=HYPERLINK("http://evil")' in first_names and "plain" in first_names
    assert {row[header.index("phone")] for row in data} == {""}


def test_export_by_accept_header_and_json_default(world, member):
    make_contact(world["A"].workspace, email="ann@example.com", tags=["a"], custom_fields={"k": "v"})
    as_csv = member.get(CONTACTS + "export", HTTP_ACCEPT="text/csv")
    assert as_csv["Content-Type"].startswith("text/csv") and "ann@example.com" in as_csv.content.decode()
    as_json = member.get(CONTACTS + "export")
    assert as_json["Content-Type"] == "application/json"
    (row,) = as_json.json()
    assert row["email"] == "ann@example.com" and row["tags"] == ["a"]
    from nexusone.audit import AuditEntry

    assert AuditEntry.unscoped.filter(action="crm.contacts.exported").count() == 2


def test_export_errors_keep_the_json_envelope(world):
    response = world["B"].client("owner").get(CONTACTS + "export?format=csv&segment=987654")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
