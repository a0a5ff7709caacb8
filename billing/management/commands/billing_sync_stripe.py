"""Create or update the Stripe Products and Prices of the plan and credit-pack
tables, mirror them into dj-stripe, and link each plan/pack to its price (by id).

Idempotent: products have stable ids (`nexusone_plan_<key>`,
`nexusone_pack_<key>`); a price is reused while its amount and currency are
unchanged, otherwise a new one takes over the lookup key and the old one is
archived (Stripe prices are immutable). Free plans get no price.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from djstripe.models import Price, Product

from billing import stripe_gateway as gateway
from billing.models import CreditPack, Plan
from nexusone.errors import ApplicationError


class Command(BaseCommand):
    help = "Create/update Stripe Products and Prices for plans and credit packs and link them."

    def handle(self, *args, **options):
        try:
            gateway.client()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        for plan in Plan.objects.filter(price__gt=0):
            price = self._sync(
                product_id=f"nexusone_plan_{plan.key}",
                name=f"NexusOne {plan.name_en or plan.key}",
                lookup_key=f"nexusone_plan_{plan.key}_{plan.currency.lower()}_monthly",
                amount=plan.price,
                currency=plan.currency,
                recurring=True,
                metadata={"kind": "plan", "plan": plan.key},
            )
            Plan.objects.filter(pk=plan.pk).update(stripe_price_id=price.id)
            self.stdout.write(f"plan {plan.key}: {price.id}")
        for pack in CreditPack.objects.all():
            price = self._sync(
                product_id=f"nexusone_pack_{pack.key}",
                name=f"NexusOne {pack.name_en or pack.key}",
                lookup_key=f"nexusone_pack_{pack.key}_{pack.currency.lower()}",
                amount=pack.price,
                currency=pack.currency,
                recurring=False,
                metadata={"kind": "pack", "pack": pack.key, "credits": str(pack.credits)},
            )
            CreditPack.objects.filter(pk=pack.pk).update(stripe_price_id=price.id)
            self.stdout.write(f"pack {pack.key}: {price.id}")

    def _sync(self, *, product_id, name, lookup_key, amount, currency, recurring, metadata) -> Price:
        product = gateway.product_get_or_create(product_id=product_id, name=name, metadata=metadata)
        price = gateway.price_ensure(
            product_id=product["id"],
            lookup_key=lookup_key,
            unit_amount=int(amount * 100),
            currency=currency,
            recurring=recurring,
            nickname=lookup_key,
        )
        Product.sync_from_stripe_data(product)
        return Price.sync_from_stripe_data(price)
