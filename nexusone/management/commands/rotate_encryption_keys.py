"""Re-encrypt every EncryptedTextField value with the primary key.

Procedure (no downtime):
1. deploy `FIELD_ENCRYPTION_KEYS=new,old` (new encrypts, both decrypt);
2. run `manage.py rotate_encryption_keys` (batched; safe to interrupt and rerun);
3. deploy `FIELD_ENCRYPTION_KEYS=new` alone.

Resumable and idempotent: a value already encrypted with the primary key is
skipped after one cheap check, so a rerun after an interruption rewrites only
the rows that were not done; each row is written with a compare-and-set
(`WHERE pk = … AND column = old token`) so a concurrent change is never
overwritten with a stale value. Values no configured key can decrypt are
counted and left untouched (exit status 1), never deleted.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nexusone.crypto import SealedToken, SecretUnavailable, encrypted_fields, is_current, rotate_token


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the first key of FIELD_ENCRYPTION_KEYS (resumable, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        totals = {"checked": 0, "rotated": 0, "current": 0, "undecryptable": 0}
        for model, field in encrypted_fields():
            counts = rotate_model_field(model, field, batch_size=batch_size, dry_run=dry_run, stdout=self.stdout)
            for key, value in counts.items():
                totals[key] += value
        self.stdout.write(
            "checked {checked}, rotated {rotated}, already current {current}, undecryptable {undecryptable}".format(
                **totals
            )
        )
        if totals["undecryptable"]:
            raise CommandError(f"{totals['undecryptable']} value(s) could not be decrypted with the configured keys.")


def rotate_model_field(model, field, *, batch_size: int = 500, dry_run: bool = False, stdout=None) -> dict[str, int]:
    """Rotate one column, walking the table by primary key in batches."""
    manager = model._base_manager  # the plain manager: maintenance spans all workspaces
    column = field.attname
    counts = {"checked": 0, "rotated": 0, "current": 0, "undecryptable": 0}
    last_pk = None
    while True:
        rows = manager.exclude(**{column: ""}).exclude(**{f"{column}__isnull": True}).order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows.values_list("pk", column)[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            for pk, token in batch:
                counts["checked"] += 1
                if is_current(token):
                    counts["current"] += 1
                    continue
                try:
                    new_token = rotate_token(token)
                except SecretUnavailable:
                    counts["undecryptable"] += 1
                    continue
                if dry_run:
                    counts["rotated"] += 1
                    continue
                # Compare-and-set: a row changed meanwhile keeps its newer value.
                counts["rotated"] += manager.filter(pk=pk, **{column: SealedToken(token)}).update(**{column: new_token})
        last_pk = batch[-1][0]
        if stdout is not None:
            stdout.write(f"{model._meta.label}.{field.name}: up to pk {last_pk} — {counts}")
    return counts
