"""Content studio reads. All but `public_page_get` need the workspace scope
(they start from the scoped managers); `public_page_get` is the public edge's
lookup and returns the page with its workspace in one query."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from content.models import Generation, IdeaBatch, LandingPage, LandingPageSubmission


def generation_list() -> QuerySet[Generation]:
    return Generation.objects.order_by("-created_at", "-id")


def generation_get(*, pk: int) -> Generation | None:
    return Generation.objects.filter(pk=pk).first()


def idea_batch_list() -> QuerySet[IdeaBatch]:
    return IdeaBatch.objects.order_by("-created_at", "-id")


def idea_batch_get(*, pk: int) -> IdeaBatch | None:
    return IdeaBatch.objects.filter(pk=pk).first()


def landing_page_list() -> QuerySet[LandingPage]:
    return LandingPage.objects.order_by("-created_at", "-id")


def landing_page_get(*, pk: int) -> LandingPage | None:
    return LandingPage.objects.filter(pk=pk).first()


def landing_page_submissions(*, page: LandingPage) -> QuerySet[LandingPageSubmission]:
    return LandingPageSubmission.objects.filter(page=page).order_by("-created_at", "-id")


def landing_page_stats(*, page: LandingPage) -> dict:
    """Views and conversions (human visitors only), their rate, and the leads list's size."""
    summary = LandingPageSubmission.objects.filter(page=page).aggregate(last=Max("created_at"))
    return {
        "views": page.views,
        "conversions": page.conversions,
        "conversion_rate": page.conversion_rate,
        "submissions": LandingPageSubmission.objects.filter(page=page).count(),
        "last_submission_at": summary["last"],
        "status": page.status,
        "published_at": page.published_at,
    }


def public_page_get(*, slug: str) -> LandingPage | None:
    """A published page by its public address, with its workspace, its logo and its chat agent
    (one query). The public edge has no scope yet: this is the lookup that defines it."""
    return (
        LandingPage.unscoped.select_related("workspace", "workspace__logo", "chat_agent")
        .filter(slug=slug, status=LandingPage.Status.PUBLISHED, workspace__is_suspended=False)
        .first()
    )


def public_page_hero_get(*, slug: str) -> LandingPage | None:
    return (
        LandingPage.unscoped.filter(slug=slug, status=LandingPage.Status.PUBLISHED, workspace__is_suspended=False)
        .exclude(hero_image="")
        .only("id", "hero_image", "hero_image_type", "updated_at")
        .first()
    )
