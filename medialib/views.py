"""Media pages under /<lang>/w/<slug>/media/: the library (upload, browse,
delete), the voiceover tool and the image tool. Thin: form → service → render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from content.video import selectors as video_selectors
from content.video.views import _apply_errors, _cost
from content.views import Busy, _error_message, _form_key, _token_lock, _user_language
from medialib import generation, selectors, services
from medialib.forms import ImagesForm, LibraryFilterForm, UploadForm, VoiceoverForm
from nexusone.errors import ApplicationError, ValidationFailed
from nexusone.pages import WorkspacePageMixin


class WorkspaceLogoView(WorkspacePageMixin, View):
    """The logo form of the workspace settings page: upload (`action=upload`) or remove."""

    form_permissions = {"upload": "accounts.workspace.change", "remove": "accounts.workspace.change"}

    def get(self, request, slug):
        return redirect("workspace_settings", slug=slug)

    def post(self, request, slug):
        from accounts.services import workspace_set_logo

        if request.POST.get("action") == "remove":
            workspace_set_logo(
                workspace=self.workspace,
                logo=None,
                actor=request.user,
                actor_role=self.membership.role,
                request=request,
            )
            messages.success(request, _("Logo removed."))
            return redirect("workspace_settings", slug=slug)
        upload = request.FILES.get("logo")
        if upload is None:
            messages.error(request, _("Choose an image file."))
            return redirect("workspace_settings", slug=slug)
        try:
            services.workspace_logo_upload(
                workspace=self.workspace,
                user=request.user,
                actor_role=self.membership.role,
                upload=upload,
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Logo saved."))
        return redirect("workspace_settings", slug=slug)


class LibraryView(WorkspacePageMixin, TemplateView):
    template_name = "medialib/library.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = LibraryFilterForm(self.request.GET or None)
        queryset = selectors.media_list()
        if filters.is_valid() and filters.cleaned_data.get("kind"):
            queryset = queryset.filter(kind=filters.cleaned_data["kind"])
        context["assets"] = Paginator(queryset, 24).get_page(self.request.GET.get("page"))
        context["filters"] = filters if filters.is_bound else LibraryFilterForm()
        context.setdefault("upload_form", UploadForm())
        return context

    def post(self, request, slug):
        if request.POST.get("action") == "delete":
            pk = request.POST.get("asset", "")
            asset = selectors.media_get(pk=int(pk)) if pk.isdigit() else None
            if asset is None:
                raise Http404(_("Not found."))
            services.media_delete(asset=asset, user=request.user)
            messages.success(request, _("Deleted."))
            return redirect("media_library", slug=slug)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.media_upload(
                    workspace=self.workspace,
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    purpose=form.cleaned_data["purpose"],
                )
                messages.success(request, _("Uploaded."))
                return redirect("media_library", slug=slug)
            except ApplicationError as exc:
                form.add_error("file", str(exc.message))
        return self.render_to_response(self.get_context_data(upload_form=form), status=400)


class VoiceoverView(WorkspacePageMixin, TemplateView):
    template_name = "medialib/voiceover.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", VoiceoverForm(initial={"language": _user_language(self.request), "request_token": uuid.uuid4()})
        )
        try:
            context["voices"] = video_selectors.voice_list(workspace=self.workspace, language=None)
        except ApplicationError:
            context["voices"] = {"provider": "unavailable", "voices": []}
        context["recent"] = selectors.media_list().filter(source="voiceover")[:10]
        context["cost"] = _cost(generation.MODULE_VOICEOVER, 5)
        return context

    def post(self, request, slug):
        form = VoiceoverForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _token_lock(self.workspace.pk, data["request_token"]):
                    generation.voiceover_create(
                        workspace=self.workspace,
                        user=request.user,
                        text=data["text"],
                        language=data["language"],
                        voice_id=data["voice_id"],
                        idempotency_key=_form_key(data["request_token"]),
                    )
                messages.success(request, _("The voiceover is ready."))
                return redirect("media_voiceover", slug=slug)
            except Busy:
                form.add_error(None, _("This request is already being processed."))
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImagesView(WorkspacePageMixin, TemplateView):
    template_name = "medialib/images.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", ImagesForm(initial={"language": _user_language(self.request), "request_token": uuid.uuid4()})
        )
        context["recent"] = selectors.media_list().filter(source="image")[:12]
        context["cost"] = _cost(generation.MODULE_IMAGES, 5)
        return context

    def post(self, request, slug):
        form = ImagesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with _token_lock(self.workspace.pk, data["request_token"]):
                    generation.images_generate(
                        workspace=self.workspace,
                        user=request.user,
                        prompt=data["prompt"],
                        size=data["size"],
                        count=data["count"],
                        language=data["language"],
                        idempotency_key=_form_key(data["request_token"]),
                    )
                messages.success(request, _("The images are ready."))
                return redirect("media_images", slug=slug)
            except Busy:
                form.add_error(None, _("This request is already being processed."))
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
        return self.render_to_response(self.get_context_data(form=form), status=400)
