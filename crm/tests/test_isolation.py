"""Tenant isolation of the CRM (T02–T04).

1. The project's route walk (`nexusone/tests/test_isolation.py`,
   `test_security.py`) covers the CRM routes; here only that it sees them
   (running the walk a second time over them proved nothing more).
2. Explicit cross-workspace attempts through request bodies and filters
   (merge `other_id`, bulk `ids`, `?segment=`), which the walk cannot build.
3. The T04 invariant: no CRM row points at a row of another workspace.
"""

from __future__ import annotations

import io

import pytest
from django.db.models import Exists

import nexusone.tests.test_isolation as walk
from crm.models import Activity, Contact, ContactImport, ContactImportError
from crm.tests.conftest import set_credits
from crm.tests.factories import make_activity, make_contact, make_import, make_segment

pytestmark = pytest.mark.django_db

CRM_ROUTES = [route for route in walk.ROUTES if route.name.startswith("crm-")]


def test_the_crm_routes_are_in_the_walk():
    names = {route.name for route in CRM_ROUTES}
    assert {
        "crm-contact-list",
        "crm-contact-detail",
        "crm-contact-merge",
        "crm-contact-import-file",
        "crm-contact-export",
        "crm-activity-list",
        "crm-segment-list",
        "crm-segment-detail",
        "crm-segment-preview",
        "crm-import-detail",
    } <= names


def test_csv_export_of_b_never_contains_a(world):
    a_contact = make_contact(world["A"].workspace, email="secret-a@tenant-a.example.test")
    make_contact(world["B"].workspace, email="visible-b@tenant-b.example.test")
    body = world["B"].client("viewer").get("/api/v1/crm/contacts/export?format=csv").content.decode()
    assert "visible-b@tenant-b.example.test" in body
    assert a_contact.email not in body and str(a_contact.company) not in body


def test_merge_with_another_workspaces_contact_is_404_and_changes_nothing(world):
    mine = make_contact(world["B"].workspace)
    theirs = make_contact(world["A"].workspace)
    make_activity(world["A"].workspace, contact=theirs)
    client = world["B"].client("member")
    for url, body in (
        (f"/api/v1/crm/contacts/{mine.pk}/merge", {"other_id": theirs.pk}),
        (f"/api/v1/crm/contacts/{theirs.pk}/merge", {"other_id": mine.pk}),
    ):
        response = client.post(url, body, format="json")
        missing = client.post(url.replace(str(theirs.pk), "987654321"), {"other_id": 987654321}, format="json")
        assert response.status_code == 404 and missing.status_code == 404
        assert response.json() == missing.json()
    assert Contact.unscoped.filter(pk=theirs.pk, workspace=world["A"].workspace).exists()
    assert Activity.unscoped.filter(contact=theirs).count() == 1


def test_bulk_update_with_another_workspaces_ids_is_rejected(world):
    mine = make_contact(world["B"].workspace)
    theirs = make_contact(world["A"].workspace, tags=["untouched"])
    response = (
        world["B"]
        .client("member")
        .post("/api/v1/crm/contacts/bulk", {"ids": [mine.pk, theirs.pk], "add_tags": ["hijacked"]}, format="json")
    )
    assert response.status_code == 400
    assert str(theirs.pk) in response.json()["error"]["details"]["ids"][0]
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.tags == ["untouched"] and mine.tags == []  # all or nothing


def test_segment_of_another_workspace_cannot_be_read_previewed_or_used_as_filter(world):
    segment = make_segment(world["A"].workspace, definition={})
    make_contact(world["A"].workspace)
    client = world["B"].client("owner")
    assert client.get(f"/api/v1/crm/segments/{segment.pk}").status_code == 404
    assert client.get(f"/api/v1/crm/segments/{segment.pk}/preview").status_code == 404
    assert client.patch(f"/api/v1/crm/segments/{segment.pk}", {"name": "x"}, format="json").status_code == 404
    as_filter = client.get(f"/api/v1/crm/contacts/?segment={segment.pk}")
    missing = client.get("/api/v1/crm/contacts/?segment=987654321")
    assert as_filter.status_code == missing.status_code == 400
    assert as_filter.json()["error"]["details"].keys() == missing.json()["error"]["details"].keys()


def test_activities_of_another_workspaces_contact_are_404(world):
    theirs = make_contact(world["A"].workspace)
    client = world["B"].client("member")
    assert client.get(f"/api/v1/crm/contacts/{theirs.pk}/activities/").status_code == 404
    response = client.post(f"/api/v1/crm/contacts/{theirs.pk}/activities/", {"type": "note"}, format="json")
    assert response.status_code == 404
    assert Activity.unscoped.filter(contact=theirs).count() == 0


def test_import_of_another_workspace_is_404_including_its_error_report(world):
    contact_import = make_import(world["A"].workspace)
    client = world["B"].client("owner")
    assert client.get(f"/api/v1/crm/imports/{contact_import.pk}").status_code == 404
    assert client.get(f"/api/v1/crm/imports/{contact_import.pk}/errors?format=csv").status_code == 404


def test_no_crm_row_points_into_another_workspace(world, django_capture_on_commit_callbacks):
    """T04 invariant after real writes in both workspaces (API, import, merge)."""
    for label in ("A", "B"):
        tenant = world[label]
        set_credits(tenant.workspace, 100)
        client = tenant.client("member")
        contact = client.post("/api/v1/crm/contacts/", {"email": f"x@{label}.test"}, format="json").json()
        client.post(f"/api/v1/crm/contacts/{contact['id']}/activities/", {"type": "call"}, format="json")
        file = io.BytesIO(f"email\nx@{label}.test\ny@{label}.test\nz@{label}.test\nbad\n".encode())
        file.name = "c.csv"
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/api/v1/crm/contacts/import", {"file": file}, format="multipart")
        other = Contact.unscoped.get(email=f"y@{label.lower()}.test")
        client.post(f"/api/v1/crm/contacts/{contact['id']}/merge", {"other_id": other.pk}, format="json")
    assert Activity.unscoped.count() >= 4 and ContactImportError.unscoped.count() == 2
    same = {"workspace_id": _outer("workspace_id")}
    assert not Activity.unscoped.exclude(Exists(Contact.unscoped.filter(pk=_outer("contact_id"), **same))).exists()
    assert not ContactImportError.unscoped.exclude(
        Exists(ContactImport.unscoped.filter(pk=_outer("contact_import_id"), **same))
    ).exists()
    imported = Contact.unscoped.filter(source_import_id__isnull=False)
    assert imported.count() == 2
    assert not imported.exclude(Exists(ContactImport.unscoped.filter(pk=_outer("source_import_id"), **same))).exists()


def _outer(name: str):
    from django.db.models import OuterRef

    return OuterRef(name)
