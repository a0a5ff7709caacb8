"""Product imports: supplier URLs (or CJ product ids) → catalogue products.

Credits: `product_scraper` (3) per product actually imported. The whole
batch is reserved up front (one charge, `quantity` = URLs) under a key
derived from the client's Idempotency-Key; each URL that yields no product
gives its unit back once (`charge_refund_units`, keyed by the item), and
the charge is committed with the rest when the job ends. A retried job
re-processes only the items still pending, so nothing is charged or
refunded twice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.charging import charge_commit, charge_refund_units, charge_reserve
from billing.models import Charge
from commerce.models import ImportItem, Product, ProductImport, Supplier, Variant
from commerce.pricing import price_for, to_cents
from commerce.providers import cj
from commerce.scraping import ScrapedProduct, ScrapeFailed, download_image, scrape
from nexusone import live, outbound, storage
from nexusone.audit import audit_record
from nexusone.errors import ApplicationError, InsufficientCredits

logger = logging.getLogger(__name__)

MODULE = "product_scraper"
MAX_URLS = 100
HOLD_SECONDS = 6 * 3600


def import_start(
    *,
    workspace,
    user,
    entries: list[dict[str, str]],
    supplier: str,
    import_to_store: bool = False,
    category: str = "",
    request_key: str = "",
    request=None,
) -> ProductImport:
    """Create the job and reserve its credits; the task does the rest.
    `entries`: [{"url": …, "supplier_product_id": …}] (1–100, validated by the caller).
    The same `request_key` returns the job it created before."""
    if request_key:
        existing = ProductImport.objects.filter(request_key=request_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            job = ProductImport.objects.create(
                workspace=workspace,
                supplier=supplier,
                category=category,
                import_to_store=import_to_store,
                total=len(entries),
                request_key=request_key,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            ImportItem.objects.bulk_create(
                ImportItem(
                    workspace=workspace,
                    job=job,
                    position=i,
                    url=e.get("url", ""),
                    supplier_product_id=e.get("supplier_product_id", ""),
                )
                for i, e in enumerate(entries)
            )
    except IntegrityError:  # a concurrent request with the same key won
        return ProductImport.objects.get(request_key=request_key)
    key = f"commerce:import:{request_key}" if request_key else f"commerce:import:job:{job.pk}"
    try:
        job.charge_id = charge_reserve(
            workspace=workspace,
            user=job.created_by,
            module=MODULE,
            quantity=len(entries),
            action="products_imported",
            idempotency_key=key,
            reference=f"commerce.import:{job.pk}",
            metadata={"import_id": job.pk},
            hold_seconds=HOLD_SECONDS,
        )
    except (InsufficientCredits, ApplicationError):
        job.delete()
        raise
    job.credits_charged = Charge.unscoped.filter(pk=job.charge_id).values_list("credits", flat=True).first() or 0
    job.save(update_fields=["charge_id", "credits_charged", "updated_at"])
    audit_record(
        action="commerce.import.started",
        request=request,
        user=job.created_by,
        workspace=workspace,
        target=job,
        metadata={"urls": len(entries), "supplier": supplier, "credits": job.credits_charged},
    )
    from commerce.tasks import commerce_import_run

    commerce_import_run.delay_on_commit(workspace_id=workspace.pk, import_id=job.pk)
    return job


def _read(job: ProductImport, item: ImportItem) -> ScrapedProduct:
    if job.supplier == Supplier.CJ:
        pid = item.supplier_product_id or cj.pid_from_url(item.url)
        if pid:
            return cj.CJClient.for_workspace(job.workspace).product(pid)
    if not item.url:
        raise ScrapeFailed("no_url")
    return scrape(item.url)


def _store_images(job: ProductImport, urls: list[str]) -> list[dict[str, Any]]:
    images = []
    for url in urls:
        image = download_image(url)
        if image is None:
            continue
        asset = storage.store(
            workspace=job.workspace,
            bucket="generated-content",
            content=image.content,
            extension=image.extension,
            content_type=image.content_type,
            source="commerce.import",
            user=job.created_by,
            width=image.width,
            height=image.height,
            metadata={"source_url": url[:500], "import_id": job.pk},
        )
        images.append({"asset_id": asset.pk, "url": storage.public_url(asset), "source_url": url[:500]})
    return images


def create_product(job: ProductImport, item: ImportItem, scraped: ScrapedProduct) -> Product:
    from commerce.services.products import store_for_workspace

    images = _store_images(job, scraped.images)
    store = store_for_workspace(job.workspace)
    with transaction.atomic():
        product = Product.objects.create(
            workspace=job.workspace,
            store=store,
            title=scraped.title,
            description=scraped.description,
            category=job.category or scraped.category,
            currency=(scraped.currency or (store.currency if store else "USD"))[:3],
            supplier=job.supplier,
            supplier_product_id=scraped.supplier_product_id,
            source_url=item.url,
            images=images,
        )
        variants = scraped.variants or [None]
        for position, found in enumerate(variants):
            cost = to_cents(found.price if found and found.price is not None else scraped.price)
            Variant.objects.create(
                workspace=job.workspace,
                product=product,
                title=(found.title if found else "") or scraped.title,
                sku=((found.sku if found else "") or scraped.sku)[:100],
                options=found.options if found else {},
                cost_cents=cost,
                price_cents=price_for(job.workspace, cost),
                supplier_variant_id=found.supplier_variant_id if found else "",
                weight_grams=(found.weight_grams if found else None) or scraped.weight_grams,
                supplier_stock=found.stock if found else None,
                position=position,
            )
        ImportItem.objects.filter(pk=item.pk).update(status=ImportItem.Status.IMPORTED, product=product)
        ProductImport.objects.filter(pk=job.pk).update(imported=job.imported + 1, processed=job.processed + 1)
    return product


def _fail(job: ProductImport, item: ImportItem, reason: str, detail: str = "") -> None:
    given_back = 0
    if job.charge_id:
        given_back = charge_refund_units(job.charge_id, quantity=1, key=f"item:{item.pk}", reason=reason)
    with transaction.atomic():
        ImportItem.objects.filter(pk=item.pk).update(
            status=ImportItem.Status.FAILED, reason=reason[:50], detail=detail[:300]
        )
        ProductImport.objects.filter(pk=job.pk).update(
            failed=job.failed + 1, processed=job.processed + 1, credits_refunded=job.credits_refunded + given_back
        )


def import_run(*, import_id: int) -> ProductImport | None:
    """The task: every pending item once, then commit the charge. Safe to re-run."""
    job = ProductImport.objects.filter(pk=import_id).first()
    if job is None or job.status in (ProductImport.Status.DONE, ProductImport.Status.FAILED):
        return job
    ProductImport.objects.filter(pk=job.pk).update(status=ProductImport.Status.RUNNING)
    for item in list(job.items.filter(status=ImportItem.Status.PENDING)):
        job.refresh_from_db()
        try:
            scraped = _read(job, item)
            create_product(job, item, scraped)
        except outbound.UnsafeURL as exc:
            _fail(job, item, "url_not_allowed", exc.reason)
        except ScrapeFailed as exc:
            _fail(job, item, exc.reason, exc.detail)
        except ApplicationError as exc:  # supplier not connected / refused, provider errors
            _fail(job, item, exc.code, str(exc.message))
        job.refresh_from_db()
        live.publish_progress(
            job.workspace_id,
            job="commerce.import",
            object_id=job.pk,
            done=job.processed,
            total=job.total,
            status=job.status,
        )
    return _finish(job)


def _finish(job: ProductImport) -> ProductImport:
    job.refresh_from_db()
    if job.charge_id and job.imported:
        charge_commit(job.charge_id, metadata={"imported": job.imported, "failed": job.failed})
    job.status = ProductImport.Status.DONE if job.imported else ProductImport.Status.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    live.publish_progress(
        job.workspace_id,
        job="commerce.import",
        object_id=job.pk,
        done=job.processed,
        total=job.total,
        status=job.status,
    )
    audit_record(
        action="commerce.import.finished",
        user=job.created_by,
        workspace=job.workspace,
        target=job,
        metadata={"imported": job.imported, "failed": job.failed, "credits_refunded": job.credits_refunded},
    )
    return job
