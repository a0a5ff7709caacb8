"""SMS test rows and the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools

from sms.models import SmsCampaign, SmsMessage

_sequence = itertools.count(1)


def make_campaign(workspace, **fields) -> SmsCampaign:
    n = next(_sequence)
    values = {"name": f"SMS {n} of {workspace.slug}", "body": f"Hello from {workspace.slug} #{n}", **fields}
    return SmsCampaign.unscoped.create(workspace=workspace, **values)


def make_message(workspace, campaign: SmsCampaign | None = None, **fields) -> SmsMessage:
    campaign = campaign or make_campaign(workspace)
    n = next(_sequence)
    values = {"to": f"+1415555{n:04d}", "status": SmsMessage.Status.SENT, "sid": f"SM{workspace.slug}{n:030d}"[:34]}
    return SmsMessage.unscoped.create(workspace=workspace, campaign=campaign, **{**values, **fields})


TENANT_FACTORIES = {SmsCampaign: make_campaign, SmsMessage: make_message}
