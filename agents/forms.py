"""Forms of the agents pages (validation of shape only; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import LANGUAGE_CHOICES, Agent, Tone
from agents.replies import MAX_MESSAGE_CHARS


class NewAgentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices, initial=Tone.FRIENDLY)
    instructions = forms.CharField(
        label=_("Instructions"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    faq = forms.CharField(
        label=_("Knowledge (paste your FAQ)"),
        max_length=400_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    request_token = forms.CharField(widget=forms.HiddenInput, max_length=64)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class AgentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    status = forms.ChoiceField(label=_("Status"), choices=Agent.Status.choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices)
    instructions = forms.CharField(
        label=_("Instructions"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    greeting = forms.CharField(label=_("Greeting"), max_length=500, required=False)
    handoff_keywords = forms.CharField(
        label=_("Handoff keywords (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    daily_credit_cap = forms.IntegerField(label=_("Daily credit cap"), min_value=1, required=False)
    allowed_origins = forms.CharField(
        label=_("Sites that may embed the widget (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    whatsapp_account = forms.ModelChoiceField(label=_("WhatsApp number"), queryset=None, required=False)

    def __init__(self, *args, instance: Agent, workspace, **kwargs):
        from whatsapp.models import WhatsAppAccount

        initial = {
            "name": instance.name,
            "status": instance.status,
            "language": instance.language,
            "tone": instance.tone,
            "instructions": instance.instructions,
            "greeting": instance.greeting,
            "handoff_keywords": "\n".join(instance.handoff_keywords or []),
            "daily_credit_cap": instance.daily_credit_cap,
            "allowed_origins": "\n".join(instance.allowed_origins or []),
            "whatsapp_account": instance.whatsapp_account_id,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["whatsapp_account"].queryset = WhatsAppAccount.objects.order_by("id")

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["handoff_keywords"] = _lines(data["handoff_keywords"])
        data["allowed_origins"] = _lines(data["allowed_origins"])
        return data


class KnowledgeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    content = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    url = forms.URLField(label=_("Or a web page"), required=False, max_length=1000)
    file = forms.FileField(label=_("Or a file (txt, md, pdf, docx)"), required=False)

    def clean(self):
        data = super().clean()
        if sum(1 for name in ("content", "url", "file") if data.get(name)) != 1:
            raise forms.ValidationError(_("Give the text, a web page or a file."))
        return data


class MessageForm(forms.Form):
    content = forms.CharField(
        label=_("Message"), max_length=MAX_MESSAGE_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )
