"""The one place where magic pages hand a lead to the CRM.

`lead_to_crm()` creates or updates the workspace's contact (found by e-mail,
else phone) with one `form_submit` activity, through the CRM's own service
`crm.services.contact_upsert_from_form`. The submission key is the page plus
the submission's fingerprint, so a repeated identical submit is a no-op
there too. It runs inside the submission's transaction and the page's
workspace scope. A lead is free (the page was already paid
for), so it is never refused for lack of credits; the CRM raises ValidationFailed only when
neither the e-mail nor the phone is usable. Returns the contact id.
"""

from __future__ import annotations

from crm.services import contact_upsert_from_form


def lead_to_crm(*, page, submission) -> int:
    first_name, _sep, last_name = " ".join(submission.name.split()).partition(" ")
    contact = contact_upsert_from_form(
        workspace=page.workspace,
        data={
            "first_name": first_name[:100],
            "last_name": last_name[:100],
            "email": submission.email,
            "phone": submission.phone,
            "language": page.language,
            "tags": ["landing-page"],
            "message": submission.message,
            "email_opt_in": submission.email_opt_in,
            "whatsapp_opt_in": submission.whatsapp_opt_in,
        },
        submission_key=f"page:{page.pk}:{submission.fingerprint}",
        source="landing_page",
        page={"id": page.pk, "slug": page.slug, "title": page.title},
    )
    return contact.pk
