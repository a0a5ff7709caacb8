"""Hooks for other apps, sent after the change is committed:

    from integrations.signals import connection_connected, connection_disconnected

    @receiver(connection_connected)
    def create_store(sender, *, workspace_id, provider, connection_id, **kwargs): ...

`connection_connected` fires on every successful connect or reconnect (also
after a reconnect that replaced an expired token); `connection_disconnected`
when an admin disconnects (the row and its secrets are gone by then). Both
carry ids only — receivers re-read what they need inside the workspace scope.
"""

from django.dispatch import Signal

connection_connected = Signal()  # workspace_id, provider, connection_id, reconnected: bool
connection_disconnected = Signal()  # workspace_id, provider, account_id
