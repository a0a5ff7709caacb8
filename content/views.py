"""Content studio pages under /<lang>/w/<slug>/: the generator with its
history, business ideas, and the landing-page builder.

Thin: form → service → render. Charged forms carry a one-time
`request_token` used as the service's idempotency key, and a short cache
lock on it, so a double submit neither charges twice nor runs twice. htmx
requests get the fragment they swap; plain posts get the whole page."""

from __future__ import annotations

import contextlib
import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView, View

from content import landing_services, selectors, services
from content.filters import GenerationFilter
from content.forms import (
    GenerateForm,
    GenerationEditForm,
    HeroImageForm,
    HistoryFilterForm,
    IdeasForm,
    LandingPageCreateForm,
    PageChatForm,
    PageSettingsForm,
    SectionsForm,
)
from content.models import Generation, LandingPage
from content.public_views import hero_image_response, render_landing_page
from content.sections import carry_placeholders, placeholder_testimonials, validate_sections
from nexusone.errors import ApplicationError, ValidationFailed
from nexusone.pages import WorkspacePageMixin
from nexusone.refusals import refusal_message

LOCK_SECONDS = 300


class Busy(Exception):
    """The same form token is being processed by another request."""


@contextlib.contextmanager
def _token_lock(workspace_id: int, token: uuid.UUID):
    key = f"content:form-token:{workspace_id}:{token}"
    if not cache.add(key, 1, LOCK_SECONDS):
        raise Busy
    try:
        yield
    finally:
        cache.delete(key)


def _form_key(token: uuid.UUID) -> str:
    return f"page:{token}"


def _user_language(request) -> str:
    """The language new content starts in: the workspace's default language
    (workspace settings), else the page's."""
    language = getattr(getattr(request, "workspace", None), "default_language", "") or ""
    language = language or getattr(request, "LANGUAGE_CODE", "en") or "en"
    return language if language in ("en", "es", "pt", "ar", "he") else "en"


def _redirect(request, url: str) -> HttpResponse:
    """A redirect htmx follows as a full navigation, or a plain 302."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _error_message(exc: ApplicationError) -> str:
    """The localized refusal with its numbers and a link to billing (nexusone.refusals)."""
    return refusal_message(exc)


# --- generator and history -----------------------------------------------------------------


class ContentStudioView(WorkspacePageMixin, TemplateView):
    """The generator form, the latest result, and the filterable history."""

    template_name = "content/studio.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = HistoryFilterForm(self.request.GET or None)
        queryset = selectors.generation_list()
        if filters.is_valid():
            data = filters.cleaned_data
            queryset = GenerationFilter(
                {k: data[k] for k in ("type", "language", "tone") if data.get(k)}, queryset=queryset
            ).qs
            if data.get("q"):
                queryset = queryset.filter(Q(prompt__icontains=data["q"]) | Q(text__icontains=data["q"]))
        paginator = Paginator(queryset, 20)
        context["history"] = paginator.get_page(self.request.GET.get("page"))
        context["filters"] = filters if filters.is_bound else HistoryFilterForm()
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        context.setdefault(
            "form", GenerateForm(initial={"language": _user_language(self.request), "request_token": uuid.uuid4()})
        )
        return context


class GenerateView(WorkspacePageMixin, View):
    """POST the generator form: a fragment (htmx) or the whole studio page."""

    def post(self, request, slug):
        form = GenerateForm(request.POST)
        generation, error = None, None
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _token_lock(self.workspace.pk, data["request_token"]):
                    generation = services.content_generate(
                        workspace=self.workspace,
                        user=request.user,
                        prompt=data["prompt"],
                        type=data["type"],
                        language=data["language"],
                        tone=data["tone"],
                        length=data["length"],
                        idempotency_key=_form_key(data["request_token"]),
                    )
            except Busy:
                error = _("This request is already being processed.")
            except ValidationFailed as exc:
                for field, errors in exc.details.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            except ApplicationError as exc:
                error = _error_message(exc)
        if generation is not None:
            # A fresh token for the next request; the inputs stay for "generate another".
            form = GenerateForm(initial={**form.cleaned_data, "request_token": uuid.uuid4()})
        context = {"form": form, "generation": generation, "error": error, "workspace": self.workspace}
        if request.htmx:  # the new generation also goes to the top of the history (an out-of-band swap)
            return TemplateResponse(request, "content/_generator.html", {**context, "oob": True, "can_write": True})
        view = ContentStudioView(request=request, kwargs={"slug": slug})
        view.workspace, view.membership = self.workspace, self.membership
        page = view.get_context_data(**context)
        return TemplateResponse(request, "content/studio.html", page, status=200 if generation else 400)


class GenerationDetailView(WorkspacePageMixin, TemplateView):
    template_name = "content/generation_detail.html"

    def get_generation(self) -> Generation:
        generation = selectors.generation_get(pk=self.kwargs["pk"])
        if generation is None:
            raise Http404(_("Not found."))
        return generation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        generation = kwargs.get("generation") or self.get_generation()
        context["generation"] = generation
        context.setdefault("edit_form", GenerationEditForm(initial={"text": generation.text}))
        return context

    def post(self, request, slug, pk):
        generation = self.get_generation()
        if request.POST.get("action") == "delete":
            services.generation_delete(generation=generation)
            messages.success(request, _("Deleted."))
            return redirect("content_studio", slug=slug)
        form = GenerationEditForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(generation=generation, edit_form=form))
        services.generation_update(generation=generation, text=form.cleaned_data["text"])
        messages.success(request, _("Saved."))
        return redirect("content_detail", slug=slug, pk=pk)


class GenerationExportView(WorkspacePageMixin, View):
    """Download a generation as .txt or .md."""

    def get(self, request, slug, pk, fmt):
        if fmt not in ("txt", "md"):
            raise Http404(_("Not found."))
        generation = selectors.generation_get(pk=pk)
        if generation is None:
            raise Http404(_("Not found."))
        if fmt == "md":
            header = (
                f"<!-- {generation.type} · {generation.language} · {generation.tone} · {generation.length} · "
                f"{generation.created_at:%Y-%m-%d} -->\n\n"
            )
            body, content_type = header + generation.text + "\n", "text/markdown; charset=utf-8"
        else:
            body, content_type = generation.text + "\n", "text/plain; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="content-{generation.pk}.{fmt}"'
        return response


# --- business ideas -------------------------------------------------------------------------


class IdeasView(WorkspacePageMixin, TemplateView):
    template_name = "content/ideas.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["batches"] = Paginator(selectors.idea_batch_list(), 10).get_page(self.request.GET.get("page"))
        context.setdefault(
            "form", IdeasForm(initial={"language": _user_language(self.request), "request_token": uuid.uuid4()})
        )
        return context

    def post(self, request, slug):
        form, error = IdeasForm(request.POST), None
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _token_lock(self.workspace.pk, data["request_token"]):
                    batch = services.ideas_generate(
                        workspace=self.workspace,
                        user=request.user,
                        niche=data["niche"],
                        budget=data.get("budget"),
                        language=data["language"],
                        idempotency_key=_form_key(data["request_token"]),
                    )
            except Busy:
                error = _("This request is already being processed.")
            except ApplicationError as exc:
                error = _error_message(exc)
            else:
                return _redirect(request, reverse("content_idea_batch", kwargs={"slug": slug, "pk": batch.pk}))
        if request.htmx:
            return TemplateResponse(
                request, "content/_ideas_form.html", {"form": form, "error": error, "workspace": self.workspace}
            )
        return self.render_to_response(self.get_context_data(form=form, error=error), status=400)


class IdeaBatchDetailView(WorkspacePageMixin, TemplateView):
    template_name = "content/idea_batch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = selectors.idea_batch_get(pk=self.kwargs["pk"])
        if batch is None:
            raise Http404(_("Not found."))
        context["batch"] = batch
        return context


# --- landing pages ---------------------------------------------------------------------------


class PagesView(WorkspacePageMixin, TemplateView):
    template_name = "content/pages.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pages"] = Paginator(selectors.landing_page_list(), 20).get_page(self.request.GET.get("page"))
        context.setdefault(
            "form",
            LandingPageCreateForm(
                initial={"language": _user_language(self.request), "request_token": uuid.uuid4(), "theme": "modern"}
            ),
        )
        return context

    def post(self, request, slug):
        form, error = LandingPageCreateForm(request.POST), None
        if form.is_valid():
            data = dict(form.cleaned_data)
            token = data.pop("request_token")
            try:
                with _token_lock(self.workspace.pk, token):
                    page = landing_services.landing_page_create(
                        workspace=self.workspace, user=request.user, idempotency_key=_form_key(token), **data
                    )
            except Busy:
                error = _("This request is already being processed.")
            except ValidationFailed as exc:
                for field, errors in exc.details.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            except ApplicationError as exc:
                error = _error_message(exc)
            else:
                messages.success(request, _("Your page is ready. Review it, then publish."))
                return _redirect(request, reverse("content_page_builder", kwargs={"slug": slug, "pk": page.pk}))
        if request.htmx:
            return TemplateResponse(
                request, "content/_page_create_form.html", {"form": form, "error": error, "workspace": self.workspace}
            )
        return self.render_to_response(self.get_context_data(form=form, error=error), status=400)


class PageObjectMixin(WorkspacePageMixin):
    def get_page(self) -> LandingPage:
        page = selectors.landing_page_get(pk=self.kwargs["pk"])
        if page is None:
            raise Http404(_("Not found."))
        return page


def _chat_agents() -> list:
    """The workspace's published AI agents, for the page's chat toggle."""
    from agents.models import Agent

    return list(Agent.objects.filter(status=Agent.Status.PUBLISHED).only("id", "name").order_by("name"))


class PageBuilderView(PageObjectMixin, TemplateView):
    """Edit the sections with a live preview; publish, unpublish, hero image, stats, leads."""

    template_name = "content/page_builder.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = kwargs.get("page") or self.get_page()
        context["page"] = page
        context.setdefault("sections_form", SectionsForm(sections=page.sections))
        context.setdefault(
            "settings_form",
            PageSettingsForm(initial={"title": page.title, "language": page.language, "theme": page.theme}),
        )
        context.setdefault("hero_form", HeroImageForm())
        context.setdefault("chat_form", PageChatForm(initial={"chat_agent": page.chat_agent_id}, agents=_chat_agents()))
        context["stats"] = selectors.landing_page_stats(page=page)
        context["leads"] = selectors.landing_page_submissions(page=page)[:20]
        context["public_url"] = self.request.build_absolute_uri(page.public_path)
        context["preview_url"] = reverse("content_page_preview", kwargs={"slug": self.workspace.slug, "pk": page.pk})
        context["sample_testimonials"] = len(placeholder_testimonials(page.sections or {}))
        return context

    def post(self, request, slug, pk):
        page = self.get_page()
        action = request.POST.get("action", "save")
        here = reverse("content_page_builder", kwargs={"slug": slug, "pk": pk})
        try:
            if action == "publish":
                landing_services.landing_page_publish(page=page, actor=request.user, request=request)
                messages.success(request, _("Published."))
            elif action == "unpublish":
                landing_services.landing_page_unpublish(page=page, actor=request.user, request=request)
                messages.success(request, _("The page is offline."))
            elif action == "delete":
                landing_services.landing_page_delete(page=page, actor=request.user, request=request)
                messages.success(request, _("Deleted."))
                return redirect("content_pages", slug=slug)
            elif action == "hero":
                form = HeroImageForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(page=page, hero_form=form), status=400)
                landing_services.landing_page_set_hero_image(page=page, upload=form.cleaned_data["hero_image"])
                messages.success(request, _("Image saved."))
            elif action == "clear_hero":
                landing_services.landing_page_clear_hero_image(page=page)
                messages.success(request, _("Image removed."))
            elif action == "chat":
                form = PageChatForm(request.POST, agents=_chat_agents())
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(page=page, chat_form=form), status=400)
                landing_services.landing_page_set_chat_agent(page=page, agent_id=form.cleaned_data["chat_agent"])
                messages.success(request, _("Saved."))
            elif action == "settings":
                form = PageSettingsForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(page=page, settings_form=form), status=400)
                landing_services.landing_page_update(page=page, data=form.cleaned_data)
                messages.success(request, _("Saved."))
            else:
                return self._save_sections(request, page, here)
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect(here)

    def _save_sections(self, request, page: LandingPage, here: str):
        form = SectionsForm(request.POST, sections=page.sections)
        saved = False
        if form.is_valid():
            try:
                landing_services.landing_page_update(page=page, data={"sections": form.to_sections()})
                saved = True
            except ValidationFailed as exc:
                form.add_service_errors(exc.details)
        if request.htmx:
            if saved:
                form = SectionsForm(sections=page.sections)
            response = TemplateResponse(
                request,
                "content/_sections_form.html",
                {
                    "sections_form": form,
                    "page": page,
                    "saved": saved,
                    "workspace": self.workspace,
                    # the publish card's sample-testimonial warning follows the saved sections (out of band)
                    "oob": True,
                    "sample_testimonials": len(placeholder_testimonials(page.sections or {})),
                },
            )
            if saved:
                response["HX-Trigger"] = "pageSaved"
            return response
        if saved:
            messages.success(request, _("Saved."))
            return redirect(here)
        return self.render_to_response(self.get_context_data(page=page, sections_form=form), status=400)


@method_decorator(xframe_options_sameorigin, name="dispatch")
class PagePreviewView(PageObjectMixin, View):
    """The page as the public will see it (drafts too), for the builder's iframe."""

    def get(self, request, slug, pk):
        page = self.get_page()
        hero_url = reverse("content_page_hero", kwargs={"slug": slug, "pk": pk}) if page.hero_image else ""
        response = render_landing_page(request, page, preview=True, hero_url=hero_url)
        response["X-Robots-Tag"] = "noindex"
        return response

    def post(self, request, slug, pk):
        """The builder's unsaved sections, rendered as they would look (the live preview
        while typing: content.js posts the form here into the preview frame). Nothing is saved."""
        page = self.get_page()
        form = SectionsForm(request.POST, sections=page.sections)
        notice = ""
        if form.is_valid():
            sections = carry_placeholders(page.sections or {}, form.to_sections())
            try:
                page.sections = validate_sections(sections)
            except ValidationFailed:
                notice = _("Some fields need fixing: the preview shows the last saved version.")
        else:
            notice = _("Some fields need fixing: the preview shows the last saved version.")
        hero_url = reverse("content_page_hero", kwargs={"slug": slug, "pk": pk}) if page.hero_image else ""
        response = render_landing_page(request, page, preview=True, hero_url=hero_url, notice=notice)
        response["X-Robots-Tag"] = "noindex"
        return response


class PageHeroView(PageObjectMixin, View):
    def get(self, request, slug, pk):
        page = self.get_page()
        if not page.hero_image:
            raise Http404(_("Not found."))
        return hero_image_response(page)
