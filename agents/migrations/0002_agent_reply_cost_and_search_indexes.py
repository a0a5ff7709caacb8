"""Seed the `agent_reply` module cost (1 credit, editable in the admin) and,
on PostgreSQL, the search indexes of the chunks: a GIN index on the
tsvector and — when the pg_trgm extension can be installed — a trigram index
for the typo fallback. Neither index is part of the model state: SQLite
(`make run`) has no such index types."""

import logging

from django.conf import settings
from django.db import DatabaseError, migrations, transaction

from billing import defaults

logger = logging.getLogger(__name__)


def seed_cost(apps, schema_editor):
    ModuleCost = apps.get_model("billing", "ModuleCost")
    for row in defaults.MODULE_COSTS:
        if row["module"] == "agent_reply":
            values = {"credits": row["credits"], "description": row["description"]}
            values.update(defaults.translated("label", row["label"], settings.MODELTRANSLATION_LANGUAGES))
            ModuleCost.objects.get_or_create(module=row["module"], defaults=values)


def search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE INDEX IF NOT EXISTS agents_chunk_search ON agents_chunk USING gin (search)")
    try:
        with transaction.atomic():
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS agents_chunk_trgm ON agents_chunk USING gin (text gin_trgm_ops)"
            )
    except DatabaseError:
        logger.warning("pg_trgm is not available: agent retrieval runs without the trigram fallback.")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS agents_chunk_search")
        schema_editor.execute("DROP INDEX IF EXISTS agents_chunk_trgm")


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial"), ("billing", "0002_seed_defaults")]

    operations = [
        migrations.RunPython(seed_cost, migrations.RunPython.noop),
        migrations.RunPython(search_indexes, drop_indexes),
    ]
