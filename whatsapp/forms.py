"""Page forms. They only shape input; services validate and act."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from whatsapp.models import BotRule

_IDS_HELP = _("Needed only with an access token; the sandbox works without.")
_IDS_REQUIRED = _("Required with an access token: copy it from Meta's WhatsApp Manager.")


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone_number_id = forms.RegexField(
        label=_("Phone number ID"), regex=r"^\d{1,64}$", max_length=64, required=False, help_text=_IDS_HELP
    )
    waba_id = forms.RegexField(
        label=_("WhatsApp Business Account ID"), regex=r"^\d{1,64}$", max_length=64, required=False
    )
    display_phone_number = forms.CharField(label=_("Display phone number"), max_length=32, required=False)
    access_token = forms.CharField(
        label=_("Access token"),
        max_length=2048,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to use the sandbox: nothing is sent, deliveries are simulated."),
    )

    def clean(self):
        # The sandbox runs under an id of its own; Meta's ids matter only with a token to prove them.
        cleaned = super().clean()
        if cleaned.get("access_token"):
            for field in ("phone_number_id", "waba_id"):
                if not cleaned.get(field) and field not in self.errors:
                    self.add_error(field, _IDS_REQUIRED)
        return cleaned


class BroadcastForm(forms.Form):
    MESSAGE_TYPES = [("template", _("Template")), ("text", _("Text"))]
    RECIPIENT_SOURCES = [("list", _("A list of numbers")), ("segment", _("A CRM segment"))]

    form_key = forms.CharField(widget=forms.HiddenInput, required=False)
    account = forms.TypedChoiceField(label=_("Send from"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    message_type = forms.ChoiceField(label=_("Message"), choices=MESSAGE_TYPES, initial="template")
    template = forms.ChoiceField(label=_("Template"), required=False)
    text = forms.CharField(
        label=_("Text"),
        max_length=4096,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Text reaches only people who wrote to this number in the last 24 hours."),
    )
    source = forms.ChoiceField(
        label=_("Recipients"), choices=RECIPIENT_SOURCES, initial="list", widget=forms.RadioSelect
    )
    recipients = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "ltr"}),
        help_text=_("One per line or separated by commas. Numbers without a country code use the workspace's region."),
    )
    segment = forms.TypedChoiceField(label=_("Segment"), coerce=int, required=False, empty_value=None)
    schedule_date = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: send now. In your time zone."),
    )

    def __init__(self, *args, accounts=(), templates=(), segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.pk, str(a)) for a in accounts]
        self.fields["template"].choices = [("", "—")] + [
            (f"{t.account_id}|{t.name}|{t.language}", f"{t.name} ({t.language})") for t in templates
        ]
        self.fields["segment"].choices = [("", "—"), *segments]
        if not self.is_bound:
            self.initial.setdefault("form_key", uuid.uuid4().hex)

    def recipient_list(self) -> list[str]:
        raw = self.cleaned_data.get("recipients") or ""
        return [part.strip() for part in raw.replace(",", "\n").replace(";", "\n").splitlines() if part.strip()]

    def message_spec(self) -> dict:
        if self.cleaned_data.get("message_type") == "text":
            return {"type": "text", "text": {"body": self.cleaned_data.get("text") or ""}}
        _account, name, language = (self.cleaned_data.get("template") or "||").split("|", 2)
        return {"type": "template", "template": {"name": name, "language": {"code": language}}}

    def clean(self):
        data = super().clean()
        if data.get("message_type") == "text" and not (data.get("text") or "").strip():
            self.add_error("text", _("Enter the text."))
        if data.get("message_type") == "template" and not data.get("template"):
            self.add_error("template", _("Choose a template."))
        if data.get("source") == "segment" and not data.get("segment"):
            self.add_error("segment", _("Choose a segment."))
        if data.get("source") == "list" and not (data.get("recipients") or "").strip():
            self.add_error("recipients", _("Enter at least one number."))
        return data


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=4096, widget=forms.Textarea(attrs={"rows": 3}))


class BotRuleForm(forms.Form):
    account = forms.TypedChoiceField(label=_("Number"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=100)
    match_type = forms.ChoiceField(
        label=_("Match"), choices=BotRule.MatchType.choices, initial=BotRule.MatchType.CONTAINS
    )
    pattern = forms.CharField(
        label=_("Keywords or pattern"),
        max_length=200,
        help_text=_("Comma-separated keywords, or a regular expression."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *settings.LANGUAGES], required=False
    )
    reply_text = forms.CharField(label=_("Reply"), max_length=4096, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.IntegerField(label=_("Priority"), min_value=0, max_value=10000, initial=100)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.pk, str(a)) for a in accounts]


class OptOutForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=40)
