"""Contact lists that do not grow with the workspace (issue 19).

- `(workspace_id, created_at, id)` replaces `(workspace_id, created_at)`: the
  default order with its tie breaker, so a keyset page is one index range
  (created before the old one is dropped: the list is never without one).
- On PostgreSQL, a trigram (pg_trgm) GIN index on the search document
  `crm.selectors.SEARCH_DOCUMENT_SQL`, so `?search=` is an index lookup.
  Where the extension cannot be created (no privilege) or on another
  database, the index is skipped and search still works, unindexed.
"""

import logging

from django.db import DatabaseError, migrations, models, transaction

logger = logging.getLogger(__name__)

# Must stay the exact expression `crm.selectors.SearchDocument` compiles to (a test checks it).
SEARCH_DOCUMENT_SQL = "LOWER(first_name || ' ' || last_name || ' ' || email || ' ' || phone || ' ' || company)"
INDEX = "crm_contact_search_trgm"


def create_search_index(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:  # a savepoint
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON crm_contact USING gin (({SEARCH_DOCUMENT_SQL}) gin_trgm_ops)"
            )
    except DatabaseError as error:  # no privilege for the extension: search stays correct, only slower
        logger.warning("crm: contact search index not created (%s); search works without it", error)


def drop_search_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("crm", "0002_contact_sms_opt_in_timezone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["workspace", "created_at", "id"], name="crm_contact_ws_created_id"),
        ),
        migrations.RemoveIndex(model_name="contact", name="crm_contact_ws_created"),
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
