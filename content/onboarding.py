"""Getting-started steps the content studio owns (see accounts/onboarding.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.onboarding import Step, register
from content.models import Generation, LandingPage


def _has_generation(workspace) -> bool:
    return Generation.objects.filter(workspace=workspace).exists()


def _has_published_page(workspace) -> bool:
    return LandingPage.objects.filter(workspace=workspace, status=LandingPage.Status.PUBLISHED).exists()


register(
    Step(
        key="first_post",
        order=20,
        title=_("Generate your first post"),
        hint=_("Pick a type, a tone and a language; the cost is shown before you click."),
        url_name="content_studio",
        done=_has_generation,
        permission="content.change",
    )
)
register(
    Step(
        key="publish_page",
        order=30,
        title=_("Publish a landing page"),
        hint=_("Its form brings leads straight into your CRM."),
        url_name="content_pages",
        done=_has_published_page,
        permission="content.change",
    )
)
