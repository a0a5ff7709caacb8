"""Forms of the video studio pages. The services validate again and own the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from content.forms import RequestTokenMixin
from content.models import LANGUAGE_CHOICES
from content.video.models import VideoStyle
from content.video.services import MAX_SCRIPT


class VideoForm(RequestTokenMixin):
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    script = forms.CharField(
        label=_("Script"),
        max_length=MAX_SCRIPT,
        widget=forms.Textarea(attrs={"rows": 7, "dir": "auto", "maxlength": MAX_SCRIPT, "data-script": "1"}),
        help_text=_("What the presenter says. About 150 words make a minute of video."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    style = forms.ChoiceField(label=_("Style"), choices=VideoStyle.choices, initial=VideoStyle.PROFESSIONAL)
    voice_id = forms.CharField(label=_("Voice"), max_length=64, required=False)
    avatar_id = forms.CharField(label=_("Presenter"), max_length=64, required=False)


class VideoPromptForm(RequestTokenMixin):
    idea = forms.CharField(
        label=_("Idea"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("What the video is about, in a sentence or two."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    style = forms.ChoiceField(label=_("Style"), choices=VideoStyle.choices, initial=VideoStyle.PROFESSIONAL)
