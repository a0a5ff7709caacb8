"""CSV import (T11 at test scale): every good line in, every bad line
reported by number and reason, duplicates merged, credits charged once for
the new contacts, 402 with nothing imported when short, resumable, and a
re-upload creates nothing. Big volumes live in bench/crm_import.py."""

from __future__ import annotations

import csv
import io

import pytest

from crm import importing, services
from crm.importing import matching, passes
from crm.models import Contact, ContactImport, ContactImportError, CustomFieldDefinition, ImportStatus
from crm.tests.conftest import balance, set_credits
from crm.tests.factories import make_contact
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db

URL = "/api/v1/crm/contacts/import"


def upload(client, content: bytes | str, *, name: str = "contacts.csv", mapping: str | None = None, **extra):
    data = content.encode() if isinstance(content, str) else content
    file = io.BytesIO(data)
    file.name = name
    body = {"file": file}
    if mapping is not None:
        body["mapping"] = mapping
    return client.post(URL, body, format="multipart", **extra)


def run_import(client, content, capture, **kwargs):
    with capture(execute=True):
        response = upload(client, content, **kwargs)
    return response


def errors_of(contact_import_id: int) -> dict[int, str]:
    return dict(ContactImportError.unscoped.filter(contact_import_id=contact_import_id).values_list("line", "reason"))


@pytest.fixture
def member(world):
    set_credits(world["A"].workspace, 1000)
    return world["A"].client("member")


def test_a_file_with_good_and_bad_lines(world, member, django_capture_on_commit_callbacks):
    content = (
        "email,phone,first_name,last_name,tags,stage\n"  # line 1
        "ann@example.com,+14155550101,Ann,Lee,vip,customer\n"  # 2 created
        "not-an-email,,Bad,Mail,,\n"  # 3 rejected: e-mail
        ",12,Bad,Phone,,\n"  # 4 rejected: phone
        "\n"  # 5 blank: skipped
        'bob@example.com,,Bob,,"new,trial",\n'  # 6 created
        "ANN@example.com,,Annie,,newsletter,\n"  # 7 merged into line 2 (same e-mail)
        ",,No,Key,,\n"  # 8 rejected: neither e-mail nor phone
        "carl@example.com,+14155550102,Carl,,,unknown\n"  # 9 rejected: stage
        "dora@example.com,+14155550103,Dora,,,lead,extra\n"  # 10 rejected: too many values
    )
    response = run_import(member, content, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    result = member.get(f"/api/v1/crm/imports/{response.json()['id']}").json()
    assert result["status"] == "done"
    assert (result["total"], result["created"], result["merged"], result["updated"], result["rejected"]) == (
        8,
        2,
        1,
        0,
        5,
    )
    assert result["total"] == result["created"] + result["merged"] + result["updated"] + result["rejected"]
    reported = {error["line"]: error["reason"] for error in result["errors"]}
    assert set(reported) == {3, 4, 8, 9, 10}
    assert "e-mail" in reported[3] and "not-an-email" in reported[3]
    assert "phone" in reported[4].lower()
    assert "neither" in reported[8]
    assert "stage" in reported[9].lower()
    assert "7 values" in reported[10] and "6 columns" in reported[10]
    ann = Contact.unscoped.get(workspace=world["A"].workspace, email="ann@example.com")
    assert (ann.first_name, ann.last_name, ann.phone, ann.stage) == ("Annie", "Lee", "+14155550101", "customer")
    assert ann.tags == ["vip", "newsletter"]
    assert Contact.unscoped.get(email="bob@example.com").tags == ["new", "trial"]
    assert balance(world["A"].workspace) == 1000 - 2 * 5  # two new contacts, charged once
    assert result["credits_charged"] == 10 and result["new_contacts"] == 2


def test_semicolons_bom_quotes_and_embedded_newlines(world, member, django_capture_on_commit_callbacks):
    content = (
        "\ufeffE-mail;Teléfono;Nombre;Company\r\n"  # 1 (BOM, Spanish headers, CRLF)
        'eve@example.com;+34 612 34 56 78;Eve;"Acme; Inc."\r\n'  # 2
        'fay@example.com;;"Fay\r\nSecond line";"Multi\r\nline"\r\n'  # lines 3-5, one record
        "bad;;X;\r\n"  # line 6: the embedded newlines above count
    )
    response = run_import(member, content.encode("utf-8"), django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    contact_import = ContactImport.unscoped.get(pk=response.json()["id"])
    assert contact_import.delimiter == ";"
    assert contact_import.mapping == {
        "E-mail": "email",
        "Teléfono": "phone",
        "Nombre": "first_name",
        "Company": "company",
    }
    assert (contact_import.created, contact_import.rejected) == (2, 1)
    assert set(errors_of(contact_import.pk)) == {6}
    eve = Contact.unscoped.get(email="eve@example.com")
    assert (eve.phone, eve.company) == ("+34612345678", "Acme; Inc.")
    assert Contact.unscoped.get(email="fay@example.com").company == "Multi\r\nline"


def test_phone_numbers_without_country_code_use_the_workspace_region(world, member, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    workspace.default_region = "GB"
    workspace.save()
    run_import(member, "phone\n020 7946 0958\n", django_capture_on_commit_callbacks)
    assert Contact.unscoped.filter(workspace=workspace, phone="+442079460958").exists()


def test_mapping_json_and_custom_fields(world, member, django_capture_on_commit_callbacks):
    CustomFieldDefinition.unscoped.create(workspace=world["A"].workspace, key="seats", label="Seats", type="number")
    content = "Mail,Plan seats,Ignored\nann@example.com,12,x\nbob@example.com,many,y\n"
    mapping = '{"Mail": "email", "Plan seats": "custom:seats"}'
    response = run_import(member, content, django_capture_on_commit_callbacks, mapping=mapping)
    assert response.status_code == 202, response.content
    assert Contact.unscoped.get(email="ann@example.com").custom_fields == {"seats": 12}
    assert "number" in errors_of(response.json()["id"])[3].lower()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ('{"Nope": "email"}', "no column named"),
        ('{"Mail": "password"}', "Unknown contact field"),
        ('{"Mail": "email", "Other": "email"}', "both mapped"),
        ("[1]", "Expected a JSON object"),
        ("{bad json", "Not valid JSON"),
    ],
)
def test_invalid_mappings_are_400(member, mapping, message):
    response = upload(member, "Mail,Other\nann@example.com,x\n", mapping=mapping)
    assert response.status_code == 400
    assert message in str(response.json()["error"])


def test_a_missing_header_row_is_explained(member):
    response = upload(member, "ann@example.com,+14155550101,Ann\nbob@example.com,,Bob\n")
    assert response.status_code == 400
    assert "header row" in response.json()["error"]["message"]
    assert response.json()["error"]["details"]["mapping"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty"),
        (b"email,phone\n", "no contacts"),
        ("email,phone\nann@example.com,1\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("nom,pr\xe9nom,t\xe9l\xe9phone\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(world, member, content, message):
    response = upload(member, content)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_file"
    assert message in response.json()["error"]["message"]
    assert not Contact.unscoped.filter(workspace=world["A"].workspace).exists()


def test_a_file_mostly_in_another_encoding_is_refused_but_a_few_bad_lines_are_reported(
    world, member, django_capture_on_commit_callbacks
):
    latin = "email,name\n" + "".join(f"u{i}@example.com,Jos\xe9 {i}\n" for i in range(10))
    response = upload(member, latin.encode("latin-1"))
    assert response.status_code == 400 and "not valid UTF-8" in response.json()["error"]["message"]
    assert ContactImport.unscoped.get().status == ImportStatus.FAILED

    mostly_good = b"email,name\n" + b"".join(f"u{i}@example.com,Ann\n".encode() for i in range(20))
    mostly_good += b"bad@example.com,Jos\xe9\n"  # line 22
    response = run_import(member, mostly_good, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert "UTF-8" in errors_of(response.json()["id"])[22]
    assert Contact.unscoped.filter(workspace=world["A"].workspace).count() == 20


def test_oversized_cells_and_unescaped_formulas(world, member, django_capture_on_commit_callbacks):
    huge = "x" * 1_000_000
    content = (
        f"email,company\nbig@example.com,{huge}\nok@example.com,'=SUM(A1)\nlong@example.com,{'y' * 201}\n"
        'nul@example.com,A\x00B\nesc@example.com,"Tab\there\\back\\slash"\n'
    )
    response = run_import(member, content, django_capture_on_commit_callbacks)
    errors = errors_of(response.json()["id"])
    assert set(errors) == {2, 4, 5}
    assert "NUL" in errors[5]
    assert Contact.unscoped.get(email="esc@example.com").company == "Tab\there\\back\\slash"  # COPY escaping
    assert "longer than" in errors[2] and "200" in errors[4]
    # our export's `'` escaping is undone on import; the value is stored as text
    assert Contact.unscoped.get(email="ok@example.com").company == "=SUM(A1)"


def test_oversized_upload_is_413_and_stores_nothing(world, member, settings):
    content = b"email\n" + b"someone@example.com\n" * (20 * 1024 * 1024 // 20 + 1)  # ~20 MB
    response = upload(member, content)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not ContactImport.unscoped.exists()


def test_conflicting_line_is_rejected_and_existing_contacts_are_updated(
    world, member, django_capture_on_commit_callbacks
):
    workspace = world["A"].workspace
    ann = make_contact(workspace, email="ann@example.com", phone="+14155550101", company="Old")
    make_contact(workspace, email="bob@example.com", phone="+14155550102")
    content = (
        "email,phone,company\n"
        "ann@example.com,+14155550109,New\n"  # 2: updates Ann (company and phone)
        "ann@example.com,+14155550102,X\n"  # 3: Ann's e-mail, Bob's phone → rejected
        ",+14155550109,Newer\n"  # 4: matches Ann by her new phone
    )
    response = run_import(member, content, django_capture_on_commit_callbacks)
    contact_import = ContactImport.unscoped.get(pk=response.json()["id"])
    assert (contact_import.created, contact_import.updated, contact_import.rejected) == (0, 2, 1)
    assert "another" in errors_of(contact_import.pk)[3]
    ann.refresh_from_db()
    assert (ann.phone, ann.company) == ("+14155550109", "Newer")
    assert contact_import.credits_charged == 0 and contact_import.charge_id is None
    assert balance(workspace) == 1000


def test_uploading_the_same_file_twice_creates_no_duplicates(world, member, django_capture_on_commit_callbacks):
    CustomFieldDefinition.unscoped.create(workspace=world["A"].workspace, key="plan", label="Plan")
    content = (
        "email,phone,name,tags,plan\n"
        + "".join(f'p{i}@example.com,+1415555{i:04d},Person {i},"vip,new",gold\n' for i in range(1, 60))
        + "p1@example.com,,Duplicate of line 2,trial,\n"
    )
    first = run_import(member, content, django_capture_on_commit_callbacks).json()
    second = run_import(member, content, django_capture_on_commit_callbacks).json()
    first_import = ContactImport.unscoped.get(pk=first["id"])
    second_import = ContactImport.unscoped.get(pk=second["id"])
    assert (first_import.created, first_import.merged) == (59, 1)
    assert (second_import.created, second_import.updated) == (0, 60)
    assert Contact.unscoped.filter(workspace=world["A"].workspace).count() == 59
    assert balance(world["A"].workspace) == 1000 - 59 * 5  # the re-upload cost nothing
    # values survive the second pass's bulk update unchanged
    p1 = Contact.unscoped.get(email="p1@example.com")
    assert (p1.tags, p1.custom_fields, p1.first_name) == (["vip", "new", "trial"], {"plan": "gold"}, "Duplicate")
    p2 = Contact.unscoped.get(email="p2@example.com")
    assert (p2.tags, p2.custom_fields, p2.last_name) == (["vip", "new"], {"plan": "gold"}, "2")


def test_not_enough_credits_is_402_and_nothing_is_imported(world, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    set_credits(workspace, 12)  # two contacts' worth
    make_contact(workspace, email="known@example.com")
    content = "email\nknown@example.com\nn1@example.com\nn2@example.com\nn3@example.com\nn1@example.com\n"
    client = world["A"].client("member")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, content)
    assert response.status_code == 402
    assert response.json()["error"]["details"] == {"needed": 15, "available": 12}
    assert callbacks == []  # no job queued
    assert Contact.unscoped.filter(workspace=workspace).count() == 1
    assert balance(workspace) == 12
    contact_import = ContactImport.unscoped.get()
    assert contact_import.status == ImportStatus.FAILED and contact_import.error_code == "insufficient_credits"
    assert contact_import.file_key and not _exists(contact_import.file_key)  # the upload is not kept


def test_a_suspended_workspaces_import_stops_and_is_refunded(world, member, django_capture_on_commit_callbacks):
    from accounts.models import Workspace

    workspace = world["A"].workspace
    with django_capture_on_commit_callbacks(execute=False) as held:
        response = upload(member, "email\nn1@example.com\nn2@example.com\n")
    assert response.status_code == 202 and balance(workspace) == 1000 - 10
    Workspace.objects.filter(pk=workspace.pk).update(is_suspended=True)
    for callback in held:  # the queued job runs after the suspension
        callback()
    contact_import = ContactImport.unscoped.get()
    assert (contact_import.status, contact_import.error_code) == (ImportStatus.FAILED, "workspace_suspended")
    assert not Contact.unscoped.filter(workspace=workspace).exists()
    assert balance(workspace) == 1000


def test_an_import_failing_midway_refunds_only_what_it_did_not_apply(world, member, django_capture_on_commit_callbacks):
    from billing.models import Charge

    workspace = world["A"].workspace
    with django_capture_on_commit_callbacks(execute=False):
        response = upload(member, "email\nn1@example.com\nn2@example.com\nn3@example.com\n")
    assert response.status_code == 202 and balance(workspace) == 1000 - 15
    contact_import = ContactImport.unscoped.get()
    with workspace_scope(workspace):
        make_contact(workspace, email="n1@example.com")  # the first chunk got in…
        ContactImport.unscoped.filter(pk=contact_import.pk).update(created=1)
        services.import_fail(import_id=contact_import.pk, code="server_error", message="x")  # …then it died
    assert balance(workspace) == 1000 - 5  # the contact it created is paid for, the two it did not are refunded
    charge = Charge.unscoped.get(pk=contact_import.charge_id)
    assert (charge.status, charge.refunded_quantity) == ("committed", 2)
    with workspace_scope(workspace):
        services.import_fail(import_id=contact_import.pk, code="server_error", message="x")  # twice: no change
    assert balance(workspace) == 1000 - 5


def _exists(key: str) -> bool:
    from django.core.files.storage import default_storage

    return default_storage.exists(key)


def test_a_viewer_cannot_import(world):
    response = upload(world["A"].client("viewer"), "email\nann@example.com\n")
    assert response.status_code == 403


def test_the_second_pass_resumes_after_a_crash_without_duplicates(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    workspace = world["A"].workspace
    set_credits(workspace, 1000)
    monkeypatch.setattr(passes, "CHUNK_SIZE", 10)
    content = "email\n" + "".join(f"r{i}@example.com\n" for i in range(35)) + "r0@example.com\n"
    file = io.BytesIO(content.encode())
    file.name = "resume.csv"
    calls = {"n": 0}
    real = passes._apply_chunk_once

    def crash_on_third_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    with workspace_scope(workspace):
        contact_import = services.import_upload(workspace=workspace, file=file, user=world["A"].users["member"])
        with django_capture_on_commit_callbacks(execute=False):  # run the job by hand below
            services.import_start(contact_import=contact_import, user=world["A"].users["member"])
        monkeypatch.setattr(passes, "_apply_chunk_once", crash_on_third_chunk)
        with pytest.raises(RuntimeError):
            services.import_run(import_id=contact_import.pk)
        contact_import.refresh_from_db()
        assert (contact_import.status, contact_import.processed, contact_import.created) == ("running", 20, 20)
        monkeypatch.setattr(passes, "_apply_chunk_once", real)
        services.import_run(import_id=contact_import.pk)  # the redelivered task
        services.import_run(import_id=contact_import.pk)  # and a duplicate delivery: no effect
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.created, contact_import.merged) == ("done", 35, 1)
    assert Contact.unscoped.filter(workspace=workspace).count() == 35
    assert balance(workspace) == 1000 - 35 * 5


def test_a_job_that_fails_for_good_refunds_its_charge(world, monkeypatch, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    set_credits(workspace, 100)

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(importing, "apply_pass", broken)
    with pytest.raises(RuntimeError):
        run_import(
            world["A"].client("member"), "email\na@example.com\nb@example.com\n", django_capture_on_commit_callbacks
        )
    contact_import = ContactImport.unscoped.get()
    assert contact_import.status == ImportStatus.FAILED
    assert balance(workspace) == 100


def test_import_progress_and_full_error_report(world, member, django_capture_on_commit_callbacks):
    content = "email\n" + "".join("bad\n" if i % 2 else f"ok{i}@example.com\n" for i in range(30))
    import_id = run_import(member, content, django_capture_on_commit_callbacks).json()["id"]
    listing = member.get(f"/api/v1/crm/imports/{import_id}/errors?page_size=5").json()
    assert listing["count"] == 15 and [e["line"] for e in listing["results"]] == [3, 5, 7, 9, 11]
    report = member.get(f"/api/v1/crm/imports/{import_id}/errors?format=csv")
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "line,reason" and len(lines) == 16
    imports = member.get("/api/v1/crm/imports/").json()
    assert imports["results"][0]["id"] == import_id and imports["results"][0]["progress"] == 100


def test_idempotency_key_replays_the_import_instead_of_charging_twice(
    world, member, django_capture_on_commit_callbacks
):
    content = "email\nonce@example.com\n"
    first = run_import(member, content, django_capture_on_commit_callbacks, HTTP_IDEMPOTENCY_KEY="import-1")
    again = run_import(member, content, django_capture_on_commit_callbacks, HTTP_IDEMPOTENCY_KEY="import-1")
    assert again.status_code == 202 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ContactImport.unscoped.count() == 1
    assert balance(world["A"].workspace) == 995


def test_export_reimports_unchanged(world, member, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    make_contact(
        workspace,
        email="ann@example.com",
        phone="+14155550101",
        first_name="=Ann",
        tags=["vip", "b2b"],
        email_opt_in=True,
    )
    exported = member.get("/api/v1/crm/contacts/export?format=csv").content
    response = run_import(member, exported, django_capture_on_commit_callbacks)
    contact_import = ContactImport.unscoped.get(pk=response.json()["id"])
    assert (contact_import.updated, contact_import.created, contact_import.rejected) == (1, 0, 0)
    ann = Contact.unscoped.get(workspace=workspace)
    assert (ann.first_name, ann.phone, ann.tags, ann.email_opt_in) == ("=Ann", "+14155550101", ["vip", "b2b"], True)


def test_unusual_but_valid_addresses_are_found_again(world, member, django_capture_on_commit_callbacks):
    """Quoted local parts with quotes and backslashes survive the lookup
    arrays of both passes (a re-import updates instead of colliding)."""
    email = '"john\\"doe"@example.com'

    def content(company: str) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["email", "company"], [email, company]])
        return buffer.getvalue()

    first = run_import(member, content("First"), django_capture_on_commit_callbacks).json()
    assert ContactImport.unscoped.get(pk=first["id"]).created == 1, errors_of(first["id"])
    again = run_import(member, content("Second"), django_capture_on_commit_callbacks).json()
    assert ContactImport.unscoped.get(pk=again["id"]).updated == 1
    contact = Contact.unscoped.get(workspace=world["A"].workspace)
    assert (contact.email, contact.company) == (email, "Second")


@pytest.mark.parametrize(
    ("memory_limit", "filter_capacity", "filter_bits"),
    [
        (1_000_000, 2_000_000, 16),  # in memory
        (1, 2_000_000, 16),  # spilled at once; the Bloom filter rarely says "maybe"
        (1, 1, 1),  # spilled, a filter that grows at every key and says "maybe" to most keys
    ],
)
def test_pass_one_gives_the_same_answer_from_memory_or_its_spill_table(
    world, member, monkeypatch, django_capture_on_commit_callbacks, memory_limit, filter_capacity, filter_bits
):
    """Pass 1 keeps its state in memory up to a bound, then in a temporary
    table behind a Bloom filter; with tiny chunks every cross-chunk case goes
    through each."""
    monkeypatch.setattr(passes, "CHUNK_SIZE", 2)
    monkeypatch.setattr(matching, "SHADOW_MEMORY_CONTACTS", memory_limit)
    monkeypatch.setattr(matching, "SEEN_FILTER_FIRST_CAPACITY", filter_capacity)
    monkeypatch.setattr(matching, "SEEN_FILTER_BITS_PER_KEY", filter_bits)
    workspace = world["A"].workspace
    make_contact(workspace, email="old@example.com", phone="+14155550100")
    content = (
        "email,phone\n"
        "a@example.com,+14155550101\n"  # 2 new A
        "b@example.com,\n"  # 3 new B
        "old@example.com,+14155550109\n"  # 4 updates Old (new phone; +…0100 is freed)
        ",+14155550100\n"  # 5 new C takes the freed phone
        "a@example.com,+14155550102\n"  # 6 A changes phone (+…0101 freed)
        "b@example.com,+14155550101\n"  # 7 B takes A's old phone
        "c@example.com,+14155550102\n"  # 8 c@ is free, +…0102 is A's → A's e-mail becomes c@
        "a@example.com,+14155550109\n"  # 9 a@ is free now, +…0109 is Old's → Old takes a@
        "b@example.com,+14155550100\n"  # 10 B's e-mail, C's phone → rejected
    )
    response = run_import(member, content, django_capture_on_commit_callbacks)
    contact_import = ContactImport.unscoped.get(pk=response.json()["id"])
    assert (contact_import.new_contacts, contact_import.created, contact_import.rejected) == (3, 3, 1)
    assert (contact_import.updated, contact_import.merged) == (2, 3)
    assert set(errors_of(contact_import.pk)) == {10}
    final = dict(Contact.unscoped.filter(workspace=workspace).values_list("phone", "email"))
    assert final == {
        "+14155550109": "a@example.com",  # the old contact
        "+14155550102": "c@example.com",  # created as a@
        "+14155550101": "b@example.com",
        "+14155550100": "",
    }


def test_a_contact_created_between_the_passes_is_updated_not_duplicated(
    world, member, django_capture_on_commit_callbacks
):
    """Pass 2 trusts pass 1's "new" verdict for speed; the unique constraints
    catch a contact that appeared meanwhile, and the chunk is redone with
    every key looked up."""
    workspace = world["A"].workspace
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(member, "email,company\nfirst@example.com,Import\nlate@example.com,Import\n")
    assert response.status_code == 202
    late = make_contact(workspace, email="late@example.com", company="Typed by hand")  # e.g. from a form
    queued[0]()
    contact_import = ContactImport.unscoped.get(pk=response.json()["id"])
    assert (contact_import.status, contact_import.created, contact_import.updated) == ("done", 1, 1)
    late.refresh_from_db()
    assert late.company == "Import"
    assert Contact.unscoped.filter(workspace=workspace).count() == 2
    # charged for the two contacts pass 1 counted (the documented race)
    assert contact_import.credits_charged == 10


def test_an_import_never_recreates_an_erased_person_who_asked_to_be_blocked(
    world, member, django_capture_on_commit_callbacks
):
    """privacy: an erasure with `block` keeps a keyed hash of the address; an
    import rejects the lines that would bring that person (or their address)
    back, names the reason, and charges nothing for them."""
    a, b = world["A"], world["B"]
    jane = make_contact(a.workspace, email="jane@example.com", phone="+14155550177")
    kept = make_contact(a.workspace, email="kept@example.com")
    erased = a.client("admin").post(f"/api/v1/crm/contacts/{jane.pk}/erase", {"block": True}, format="json")
    assert erased.status_code == 200, erased.content
    content = (
        "email,phone,company\n"
        "JANE@example.com,,Re-imported\n"  # 2: her e-mail → rejected
        "other@example.com,+1 415 555 0177,X\n"  # 3: her phone on a new contact → rejected
        "kept@example.com,+14155550177,Y\n"  # 4: her phone onto an existing contact → rejected
        "new@example.com,,Z\n"  # 5: created
    )
    response = run_import(member, content, django_capture_on_commit_callbacks)
    contact_import = ContactImport.unscoped.get(pk=response.json()["id"])
    assert (contact_import.created, contact_import.rejected) == (1, 3)
    errors = errors_of(contact_import.pk)
    assert set(errors) == {2, 3, 4} and all("erased" in reason for reason in errors.values())
    assert not Contact.unscoped.filter(workspace=a.workspace, email="jane@example.com").exists()
    assert not Contact.unscoped.filter(workspace=a.workspace, phone="+14155550177").exists()
    kept.refresh_from_db()
    assert kept.phone == ""
    assert contact_import.credits_charged == 5
    # The block is the workspace's: another workspace imports the same person.
    set_credits(b.workspace, 1000)
    other = run_import(b.client("member"), "email\njane@example.com\n", django_capture_on_commit_callbacks)
    assert ContactImport.unscoped.get(pk=other.json()["id"]).created == 1
    # A person who came back by themselves (a form) is updated, not refused.
    with workspace_scope(a.workspace):
        services.contact_upsert_from_form(
            workspace=a.workspace, data={"email": "jane@example.com"}, submission_key="back"
        )
    again = run_import(member, "email,company\njane@example.com,Back\n", django_capture_on_commit_callbacks)
    assert ContactImport.unscoped.get(pk=again.json()["id"]).updated == 1
    assert Contact.unscoped.get(workspace=a.workspace, email="jane@example.com").company == "Back"
