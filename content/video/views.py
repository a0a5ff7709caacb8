"""Video studio pages under /<lang>/w/<slug>/videos/: the studio (script
editor with a character count and the cost, voice and presenter pickers, the
job list with live progress), one video (player, download, cancel, delete),
and the prompt helper.

Thin: form → service → render. Forms carry a one-time `request_token`, the
service's idempotency key, so a double submit makes (and charges) one video.
Progress is polled with htmx every two seconds while a job runs."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from billing.models import ModuleCost
from content.video import prompt_helper, selectors, services
from content.video.forms import VideoForm, VideoPromptForm
from content.video.models import VideoPrompt
from content.views import Busy, _error_message, _form_key, _token_lock, _user_language
from nexusone import storage
from nexusone.errors import ApplicationError, ValidationFailed
from nexusone.pages import WorkspacePageMixin


def _cost(module: str, default: int) -> int:
    return ModuleCost.objects.filter(module=module, is_active=True).values_list("credits", flat=True).first() or default


def _apply_errors(form, exc: ValidationFailed) -> None:
    for field, errors in exc.details.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


class VideoStudioView(WorkspacePageMixin, TemplateView):
    template_name = "content/video/studio.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", VideoForm(initial={"language": _user_language(self.request), "request_token": uuid.uuid4()})
        )
        context["avatars"] = selectors.avatar_list()
        try:
            context["voices"] = selectors.voice_list(workspace=self.workspace, language=None)
        except ApplicationError:
            context["voices"] = {"provider": "unavailable", "voices": []}
        context["video_cost"] = _cost(services.MODULE_VIDEO, 25)
        context["jobs"] = Paginator(selectors.video_project_list(), 12).get_page(self.request.GET.get("page"))
        context["any_running"] = any(not job.is_terminal for job in context["jobs"])
        return context

    def post(self, request, slug):
        form = VideoForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _token_lock(self.workspace.pk, data["request_token"]):
                    project = services.video_project_create(
                        workspace=self.workspace,
                        user=request.user,
                        script=data["script"],
                        language=data["language"],
                        style=data["style"],
                        voice_id=data["voice_id"],
                        avatar_id=data["avatar_id"],
                        title=data["title"],
                        idempotency_key=_form_key(data["request_token"]),
                    )
                return redirect("video_detail", slug=slug, pk=project.pk)
            except Busy:
                form.add_error(None, _("This request is already being processed."))
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class VideoJobsView(WorkspacePageMixin, TemplateView):
    """The job list fragment the studio polls while a job runs."""

    template_name = "content/video/_jobs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = Paginator(selectors.video_project_list(), 12).get_page(self.request.GET.get("page"))
        context["any_running"] = any(not job.is_terminal for job in context["jobs"])
        return context


class VideoDetailView(WorkspacePageMixin, TemplateView):
    template_name = "content/video/detail.html"

    def get_project(self):
        project = selectors.video_project_get(pk=self.kwargs["pk"])
        if project is None:
            raise Http404(_("Not found."))
        return project

    def get_template_names(self):
        if self.request.htmx and self.request.GET.get("fragment") == "status":
            return ["content/video/_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.get_project()
        context["project"] = project
        if project.video_asset is not None:
            context["video_url"] = storage.public_url(project.video_asset)
            context["thumbnail_url"] = storage.public_url(project.thumbnail_asset) if project.thumbnail_asset else ""
        return context

    def post(self, request, slug, pk):
        project = self.get_project()
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.video_project_cancel(project=project, user=request.user, request=request)
                messages.success(request, _("The video was canceled and its credits returned."))
            elif action == "delete":
                services.video_project_delete(project=project, user=request.user, request=request)
                messages.success(request, _("Deleted."))
                return redirect("video_studio", slug=slug)
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("video_detail", slug=slug, pk=pk)


class VideoPromptsView(WorkspacePageMixin, TemplateView):
    """The prompt helper: an idea → a shot-by-shot prompt for text-to-video models."""

    template_name = "content/video/prompts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", VideoPromptForm(initial={"language": _user_language(self.request), "request_token": uuid.uuid4()})
        )
        context["prompts"] = Paginator(VideoPrompt.objects.order_by("-created_at", "-id"), 10).get_page(
            self.request.GET.get("page")
        )
        context["prompt_cost"] = _cost("content", 5)
        return context

    def post(self, request, slug):
        form = VideoPromptForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _token_lock(self.workspace.pk, data["request_token"]):
                    prompt_helper.video_prompt_create(
                        workspace=self.workspace,
                        user=request.user,
                        idea=data["idea"],
                        language=data["language"],
                        style=data["style"],
                        idempotency_key=_form_key(data["request_token"]),
                    )
                return redirect("video_prompts", slug=slug)
            except Busy:
                form.add_error(None, _("This request is already being processed."))
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
        return TemplateResponse(request, self.template_name, self.get_context_data(form=form), status=400)
