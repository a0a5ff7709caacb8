"""Forms of the media pages; the services validate again and own the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from content.forms import RequestTokenMixin
from content.models import LANGUAGE_CHOICES
from medialib.models import MediaAsset
from medialib.services import PURPOSE_FILE, PURPOSE_PORTRAIT

SIZE_CHOICES = [
    ("1024x1024", _("Square (1024×1024)")),
    ("1024x1536", _("Portrait (1024×1536)")),
    ("1536x1024", _("Landscape (1536×1024)")),
]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("An image, a video, an audio file or a PDF."))
    purpose = forms.ChoiceField(
        label=_("Use as"),
        initial=PURPOSE_FILE,
        choices=[
            (PURPOSE_FILE, _("A file in the library (private)")),
            (PURPOSE_PORTRAIT, _("A presenter portrait for videos (public)")),
        ],
    )


class LibraryFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *MediaAsset.Kind.choices])


class VoiceoverForm(RequestTokenMixin):
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    voice_id = forms.CharField(label=_("Voice"), max_length=64, required=False)


class ImagesForm(RequestTokenMixin):
    prompt = forms.CharField(
        label=_("Describe the image"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )
    size = forms.ChoiceField(label=_("Size"), choices=SIZE_CHOICES)
    count = forms.TypedChoiceField(label=_("How many"), coerce=int, choices=[(n, n) for n in range(1, 5)], initial=1)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
