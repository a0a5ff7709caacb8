"""The public edge of magic pages: `/p/<slug>/` (outside the i18n URLs,
a reviewed public route — see content/README.md).

- Only published pages of active workspaces exist here; anything else is a 404.
- The page renders in its own language (`lang`, `dir="rtl"` for ar/he),
  without the app's context processors, in a constant number of queries:
  the page with its workspace, plus the view counter's UPDATE.
- Every text is autoescaped; links pass `safe_href`.
- A page with a chat assistant (`chat_agent`, toggled in the builder) loads
  that agent's widget script from this site (`/a/<key>/widget.js`); its CSP
  then allows scripts and requests to this site only ('self').
- The form is CSRF-protected (the global middleware), has a honeypot, and a
  per-address rate limit; bots (User-Agent heuristics) never count as views
  or conversions and their submissions are dropped silently, like the honeypot.
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from content import landing_services, selectors
from content.bots import is_bot
from content.forms import LeadForm
from content.models import LandingPage
from content.themes import theme_variables
from nexusone import storage
from nexusone.api.throttles import consume_window
from nexusone.audit import client_ip
from nexusone.errors import ValidationFailed
from nexusone.tenancy import workspace_scope

logger = logging.getLogger(__name__)

# Form posts per client address per window (views are not limited).
FORM_POSTS_PER_WINDOW = 5
FORM_WINDOW_SECONDS = 600


def public_hero_url(page: LandingPage) -> str:
    # The stored key changes with every upload, so it busts the image cache.
    return f"/p/{page.slug}/hero?v={page.hero_image.rsplit('/', 1)[-1][:12]}" if page.hero_image else ""


def render_landing_page(
    request, page: LandingPage, *, form: LeadForm | None = None, sent: bool = False, preview: bool = False,
    hero_url: str = "", status: int = 200, notice: str = "",
) -> HttpResponse:  # fmt: skip
    """The page's HTML, rendered in the page's language."""
    chat_src = page.chat_widget_src
    workspace = page.workspace
    logo_url = workspace.logo_url
    with translation.override(page.language):
        sections = page.sections or {}
        context = {
            "chat_src": chat_src,
            "workspace_name": workspace.name,
            "logo_url": logo_url,
            "page": page,
            "s": sections,
            "form": form or LeadForm(labels=sections.get("form")),
            "sent": sent,
            "preview": preview,
            "hero_url": hero_url,
            "notice": notice,
            "theme_vars": theme_variables(page.theme, brand_color=workspace.brand_color),
            "dir": "rtl" if page.is_rtl else "ltr",
            "csrf_token": get_token(request),
        }
        html = render_to_string("content/public/page.html", context)
    response = HttpResponse(html, status=status)
    response["Content-Language"] = page.language
    # Defence in depth for T12: the page needs no script of its own, so none may run — only the
    # chat widget's script from this site when the page shows one (and its requests to this site).
    ancestors = "'self'" if preview else "'none'"
    scripts = "script-src 'self'; connect-src 'self'; " if chat_src else ""
    images = "'self'"
    if logo_url.startswith("https://"):  # a logo in a remote bucket (S3): its origin only
        images += " https://" + logo_url.split("/", 3)[2]
    response["Content-Security-Policy"] = (
        f"default-src 'none'; {scripts}style-src 'unsafe-inline'; img-src {images}; form-action 'self'; "
        f"base-uri 'none'; frame-ancestors {ancestors}"
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def landing_page(request, slug: str):
    page = selectors.public_page_get(slug=slug)
    if page is None:
        raise Http404(_("Page not found."))
    hero_url = public_hero_url(page)
    with workspace_scope(page.workspace):
        if request.method == "POST":
            return _submit(request, page, hero_url)
        sent = request.GET.get("sent") == "1"
        if request.method == "GET" and not sent and not is_bot(request):
            landing_services.landing_page_record_view(page_id=page.pk)
        return render_landing_page(request, page, sent=sent, hero_url=hero_url)


def _submit(request, page: LandingPage, hero_url: str) -> HttpResponse:
    allowed, wait = consume_window(f"landing-form:{client_ip(request)}", FORM_POSTS_PER_WINDOW, FORM_WINDOW_SECONDS)
    if not allowed:
        with translation.override(page.language):
            notice = _("Too many messages from your connection. Please try again in a few minutes.")
        response = render_landing_page(request, page, hero_url=hero_url, status=429, notice=notice)
        response["Retry-After"] = str(max(1, int(wait + 0.999)))
        return response
    form = LeadForm(request.POST, labels=(page.sections or {}).get("form"))
    if form.is_spam or is_bot(request):
        # Answer like a success so the bot learns nothing; store nothing, count nothing.
        return HttpResponseRedirect(f"/p/{page.slug}/?sent=1#form")
    with translation.override(page.language):
        valid = form.is_valid()
    if not valid:
        return render_landing_page(request, page, form=form, hero_url=hero_url, status=400)
    data = form.cleaned_data
    try:
        landing_services.landing_page_submit(
            page=page,
            name=data["name"],
            email=data["email"],
            phone=data.get("phone") or "",
            message=data.get("message") or "",
            email_opt_in=bool(data.get("email_opt_in")),
            whatsapp_opt_in=bool(data.get("whatsapp_opt_in")),
        )
    except ValidationFailed:
        # The CRM found neither a usable e-mail nor a usable phone number.
        with translation.override(page.language):
            form.add_error("email", _("Enter a valid e-mail address."))
        return render_landing_page(request, page, form=form, hero_url=hero_url, status=400)
    except Exception:
        logger.exception("Landing page %s: storing a form submission failed", page.pk)
        with translation.override(page.language):
            notice = _("Your message could not be sent. Please try again.")
        return render_landing_page(request, page, form=form, hero_url=hero_url, status=503, notice=notice)
    return HttpResponseRedirect(f"/p/{page.slug}/?sent=1#form")


@require_http_methods(["GET", "HEAD"])
def landing_page_hero(request, slug: str):
    """The published page's hero image, streamed from the default storage
    (so the page needs no public bucket and no external host)."""
    page = selectors.public_page_hero_get(slug=slug)
    if page is None:
        raise Http404(_("Page not found."))
    return hero_image_response(page)


def hero_image_response(page: LandingPage) -> FileResponse:
    try:
        handle = storage.open_path(page.hero_image)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("Image not found.")) from exc
    response = FileResponse(handle, content_type=page.hero_image_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, public=True, max_age=3600)
    return response
