"""What a workspace puts around its e-mails: its name, postal address (the
law in most countries — CAN-SPAM, CASL, GDPR's transparency — wants a
physical address in every marketing e-mail), brand colour and logo. These
are workspace settings (`accounts.Workspace`); this module only reads them."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from emails.content import Branding
from nexusone.errors import ValidationFailed

DEFAULT_COLOR = "#2563eb"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class PostalAddressRequired(ValidationFailed):
    code = "postal_address_required"
    default_message = _("Add your postal address in the workspace settings before sending a campaign.")


def postal_address(workspace) -> str:
    return str(getattr(workspace, "postal_address", "") or "").strip()


def postal_address_set(*, workspace, value: str, user=None, request=None) -> str:
    """Save the workspace's postal address (a workspace setting); audited."""
    from accounts.models import Workspace
    from nexusone.audit import audit_record

    # One line per line the user typed (the footer keeps them), blank lines and runs of spaces dropped.
    lines = (" ".join(line.split()) for line in str(value or "").replace("\x00", "").splitlines())
    address = "\n".join(line for line in lines if line)
    if len(address) > 300:
        raise ValidationFailed(details={"postal_address": [_("At most %(n)d characters.") % {"n": 300}]})
    Workspace.objects.filter(pk=workspace.pk).update(postal_address=address)
    workspace.postal_address = address
    audit_record(
        action="emails.postal_address.changed",
        request=request,
        user=user,
        workspace=workspace,
        metadata={"postal_address": address},
    )
    return address


def postal_address_require(workspace) -> str:
    address = postal_address(workspace)
    if not address:
        raise PostalAddressRequired(details={"postal_address": [str(PostalAddressRequired.default_message)]})
    return address


def _logo_url(workspace) -> str:
    url = str(getattr(workspace, "logo_url", "") or "")  # accounts.Workspace.logo_url: the public link
    if url.startswith("/"):
        url = f"{settings.SITE_URL}{url}"
    return url if url.startswith("https://") or url.startswith("http://") else ""


def workspace_branding(workspace) -> Branding:
    color = str(getattr(workspace, "brand_color", "") or "")
    return Branding(
        name=workspace.name,
        postal_address=postal_address(workspace),
        brand_color=color if _HEX_COLOR.match(color) else DEFAULT_COLOR,
        logo_url=_logo_url(workspace),
    )
