"""Issue 19 (cold start): `Plan.stripe_price` and `CreditPack.stripe_price` were
foreign keys to dj-stripe's `Price`; they become a plain `stripe_price_id`
column, so the web process can run without dj-stripe installed.

The column keeps its name, type and data: in the database only the foreign-key
constraint and its indexes go (an `AlterField` to a `CharField` on the same
column: `ALTER TABLE … DROP CONSTRAINT` and `DROP INDEX` on PostgreSQL, a
table copy on SQLite); in the migration state the field is renamed to
`stripe_price_id` (its attribute name already was).
"""

from django.db import migrations, models


def _plain(**kwargs):
    return models.CharField(max_length=255, null=True, blank=True, **kwargs)


PLAN_HELP = "Recurring monthly Stripe price (manage.py billing_sync_stripe sets it)."


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_paid_features"),
        ("djstripe", "0003_2_11"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField("plan", "stripe_price", _plain(db_column="stripe_price_id")),
                migrations.AlterField("creditpack", "stripe_price", _plain(db_column="stripe_price_id")),
            ],
            state_operations=[
                migrations.RemoveField("plan", "stripe_price"),
                migrations.AddField("plan", "stripe_price_id", _plain(help_text=PLAN_HELP)),
                migrations.RemoveField("creditpack", "stripe_price"),
                migrations.AddField("creditpack", "stripe_price_id", _plain()),
            ],
        ),
    ]
