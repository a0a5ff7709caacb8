"""Forms of the content pages and of the public landing-page form.

Forms validate shapes for the browser; the services validate again and own
the rules (the same ones the API uses)."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from content.models import LANGUAGE_CHOICES, ContentType, Goal, Length, Theme, Tone
from content.sections import SCHEMA, Flag, Items, Link
from content.services import MAX_PROMPT, MAX_TEXT

_PHONE = re.compile(r"^[0-9+()\-.\s]{5,40}$")


class RequestTokenMixin(forms.Form):
    """A one-time token rendered into the form: a double submit (double
    click, refresh) reuses it and so gets the first result, charged once."""

    request_token = forms.UUIDField(widget=forms.HiddenInput)

    @staticmethod
    def new_token() -> str:
        return str(uuid.uuid4())


class GenerateForm(RequestTokenMixin):
    prompt = forms.CharField(
        label=_("What should we write?"),
        max_length=MAX_PROMPT,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text=_("Describe the product, the offer or the topic, and anything the text must mention."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=ContentType.choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices, initial=Tone.PROFESSIONAL)
    length = forms.ChoiceField(label=_("Length"), choices=Length.choices, initial=Length.MEDIUM)


class GenerationEditForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 16, "dir": "auto"})
    )


class HistoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("All types")), *ContentType.choices], required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("All languages")), *LANGUAGE_CHOICES], required=False
    )
    tone = forms.ChoiceField(label=_("Tone"), choices=[("", _("All tones")), *Tone.choices], required=False)


class IdeasForm(RequestTokenMixin):
    niche = forms.CharField(label=_("Niche"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    budget = forms.IntegerField(
        label=_("Budget (USD)"), min_value=0, max_value=10**9, required=False, help_text=_("Optional.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)


class LandingPageCreateForm(RequestTokenMixin):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    description = forms.CharField(
        label=_("What do you offer?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )
    target_audience = forms.CharField(
        label=_("Target audience"), max_length=300, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    goal = forms.ChoiceField(label=_("Goal"), choices=Goal.choices)
    industry = forms.CharField(label=_("Industry"), max_length=120, widget=forms.TextInput(attrs={"dir": "auto"}))
    language = forms.ChoiceField(label=_("Page language"), choices=LANGUAGE_CHOICES)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)


class PageSettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    language = forms.ChoiceField(label=_("Page language"), choices=LANGUAGE_CHOICES)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)


class PageChatForm(forms.Form):
    chat_agent = forms.TypedChoiceField(
        label=_("Chat assistant"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A published AI agent answers visitors in a chat window on the public page."),
    )

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chat_agent"].choices = [("", _("None")), *((agent.pk, agent.name) for agent in agents)]


class HeroImageForm(forms.Form):
    hero_image = forms.FileField(label=_("Hero image"), help_text=_("PNG, JPEG, GIF or WebP, up to 2 MB."))


# --- the builder's sections form ----------------------------------------------------------------

SECTION_LABELS = {
    "hero": _("Hero"),
    "benefits": _("Benefits"),
    "social_proof": _("Social proof"),
    "faq": _("Frequently asked questions"),
    "cta": _("Call to action"),
    "form": _("Form"),
}
FIELD_LABELS = {
    "headline": _("Headline"),
    "subheadline": _("Subheadline"),
    "cta_label": _("Button label"),
    "title": _("Title"),
    "description": _("Description"),
    "items": _("Items"),
    "testimonials": _("Testimonials"),
    "stats": _("Figures"),
    "quote": _("Quote"),
    "author": _("Author"),
    "role": _("Role or company"),
    "value": _("Value"),
    "label": _("Label"),
    "question": _("Question"),
    "answer": _("Answer"),
    "text": _("Text"),
    "button_label": _("Button label"),
    "button_url": _("Button link"),
    "name_label": _("Label of the name field"),
    "email_label": _("Label of the e-mail field"),
    "phone_label": _("Label of the phone field"),
    "message_label": _("Label of the message field"),
    "submit_label": _("Label of the send button"),
    "success_message": _("Thank-you message"),
    "show_phone": _("Ask for a phone number"),
    "show_message": _("Ask for a message"),
}


def _field_for(spec, initial):
    if isinstance(spec, Flag):
        return forms.BooleanField(required=False, initial=initial if isinstance(initial, bool) else spec.default)
    if isinstance(spec, Link):
        return forms.CharField(
            required=False, max_length=500, initial=initial, widget=forms.TextInput(attrs={"dir": "ltr"}),
            help_text=_("#form, an https:// address, mailto: or tel:"),
        )  # fmt: skip
    widget = (
        forms.Textarea(attrs={"rows": 2, "dir": "auto"}) if spec.multiline else forms.TextInput(attrs={"dir": "auto"})
    )
    return forms.CharField(required=False, max_length=spec.max_length, initial=initial, widget=widget, strip=True)


class SectionsForm(forms.Form):
    """Every field of `sections` as a form field named `section__field` or
    `section__list__index__field`; each list shows its items plus one empty
    slot to add another. `to_sections()` rebuilds the structure (empty slots
    dropped) and `slot_map` maps the rebuilt indexes back to form slots."""

    def __init__(self, *args, sections: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout: list[dict] = []
        self.placeholders: dict[str, bool] = {}  # "section__list__index" → a generated testimonial, unedited
        for section, fields in SCHEMA.items():
            current = sections.get(section) or {}
            block = {"name": section, "label": SECTION_LABELS[section], "fields": [], "lists": []}
            for name, spec in fields.items():
                if isinstance(spec, Items):
                    items = current.get(name) or []
                    slots = min(len(items) + 1, spec.max_items)
                    rows = []
                    for index in range(slots):
                        item = items[index] if index < len(items) else {}
                        row = []
                        for sub, sub_spec in spec.fields.items():
                            if isinstance(sub_spec, Flag):  # item flags (a placeholder testimonial) are the service's
                                continue
                            key = f"{section}__{name}__{index}__{sub}"
                            self.fields[key] = _field_for(sub_spec, item.get(sub, ""))
                            self.fields[key].label = FIELD_LABELS.get(sub, sub)
                            row.append(key)
                        rows.append(row)
                        self.placeholders[f"{section}__{name}__{index}"] = bool(item.get("placeholder"))
                    block["lists"].append(
                        {
                            "name": name,
                            "label": FIELD_LABELS.get(name, name),
                            "rows": rows,
                            "prefix": f"{section}__{name}",
                        }
                    )
                else:
                    key = f"{section}__{name}"
                    self.fields[key] = _field_for(spec, current.get(name, "" if not isinstance(spec, Flag) else None))
                    self.fields[key].label = FIELD_LABELS.get(name, name)
                    block["fields"].append(key)
            self.layout.append(block)
        self.slot_map: dict[str, int] = {}

    def bound_layout(self) -> list[dict]:
        def has_errors(block: dict) -> bool:
            keys = [*block["fields"], *(key for lst in block["lists"] for row in lst["rows"] for key in row)]
            return self.is_bound and any(self[key].errors for key in keys)

        return [
            {
                "name": b["name"],
                "label": b["label"],
                "has_errors": has_errors(b),
                "fields": [self[key] for key in b["fields"]],
                "lists": [
                    {
                        "label": lst["label"],
                        "rows": [
                            {
                                "fields": [self[key] for key in row],
                                "placeholder": self.placeholders.get(f"{lst['prefix']}__{index}", False),
                            }
                            for index, row in enumerate(lst["rows"])
                        ],
                    }
                    for lst in b["lists"]
                ],
            }
            for b in self.layout
        ]

    def to_sections(self) -> dict:
        data = self.cleaned_data
        result: dict = {}
        for section, fields in SCHEMA.items():
            block: dict = {}
            for name, spec in fields.items():
                if isinstance(spec, Items):
                    items, index = [], 0
                    subs = [sub for sub, sub_spec in spec.fields.items() if not isinstance(sub_spec, Flag)]
                    while f"{section}__{name}__{index}__{subs[0]}" in data:
                        item = {sub: data.get(f"{section}__{name}__{index}__{sub}") or "" for sub in subs}
                        if any(str(v).strip() for v in item.values()):
                            self.slot_map[f"{section}.{name}.{len(items)}"] = index
                            items.append(item)
                        index += 1
                    block[name] = items
                else:
                    value = data.get(f"{section}__{name}")
                    block[name] = value if isinstance(spec, Flag) else (value or "")
            result[section] = block
        return result

    def add_service_errors(self, details: dict) -> None:
        """Attach `sections.x.y` errors from the service to the matching fields."""
        for path, messages in details.items():
            parts = path.split(".")[1:] if path.startswith("sections.") else path.split(".")
            if len(parts) >= 4:
                slot = self.slot_map.get(".".join(parts[:3]), parts[2])
                parts = [parts[0], parts[1], str(slot), *parts[3:]]
            key = "__".join(parts)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(key if key in self.fields else None, ValidationError(str(message)))


# --- the public form --------------------------------------------------------------------------------


class LeadForm(forms.Form):
    """The landing page's form. `website` is a honeypot: hidden from people
    (and from assistive technology), irresistible to form-filling bots."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    phone = forms.CharField(max_length=40, required=False)
    message = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    # Consent is asked, never assumed: both boxes start unticked (GDPR art. 7; WhatsApp's opt-in policy).
    email_opt_in = forms.BooleanField(required=False, label=_("Send me news and offers by e-mail"))
    whatsapp_opt_in = forms.BooleanField(required=False, label=_("Message me on WhatsApp"))
    website = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, labels: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = labels or {}
        for field in ("name", "email", "phone", "message"):
            if labels.get(f"{field}_label"):
                self.fields[field].label = labels[f"{field}_label"]
        if labels.get("show_phone") is False:
            del self.fields["phone"]
            del self.fields["whatsapp_opt_in"]  # no number to message
        if labels.get("show_message") is False:
            del self.fields["message"]

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone and not _PHONE.match(phone):
            raise ValidationError(_("Enter a valid phone number."))
        return phone

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get("website") or "").strip())
