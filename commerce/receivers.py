"""Commerce listens to integrations: a Shopify connect creates (or re-opens) the
store and starts its setup; a disconnect marks it disconnected."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from integrations.signals import connection_connected, connection_disconnected

logger = logging.getLogger(__name__)


@receiver(connection_connected, dispatch_uid="commerce.store_connect")
def _store_connect(sender, *, workspace_id, provider, connection_id, **kwargs):
    if provider != "shopify":
        return
    from accounts.models import Workspace
    from commerce.services.sync import store_connect
    from integrations.models import Connection
    from nexusone.tenancy import workspace_scope

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    connection = Connection.unscoped.filter(pk=connection_id, workspace_id=workspace_id).first()
    if workspace is None or connection is None:
        return
    with workspace_scope(workspace):
        store_connect(workspace=workspace, connection=connection)


@receiver(connection_disconnected, dispatch_uid="commerce.store_disconnect")
def _store_disconnect(sender, *, workspace_id, provider, account_id, **kwargs):
    if provider != "shopify":
        return
    from accounts.models import Workspace
    from commerce.services.sync import store_disconnect
    from nexusone.tenancy import workspace_scope

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is not None:
        with workspace_scope(workspace):
            store_disconnect(workspace=workspace, domain=account_id)
