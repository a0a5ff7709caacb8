"""Page forms: they check types and shapes; `crm.services` decides the rest."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm import importing
from crm.models import SYSTEM_ACTIVITY_TYPES, ActivityType, CustomFieldType, Stage

STAGE_CHOICES = [("", _("Any stage")), *Stage.choices]
LANGUAGE_CHOICES = [("", _("Any language")), *settings.LANGUAGES]
TRISTATE = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
ORDERING_CHOICES = [
    ("-created_at", _("Newest first")),
    ("created_at", _("Oldest first")),
    ("-engagement_score", _("Most engaged first")),
    ("engagement_score", _("Least engaged first")),
    ("-last_activity_at", _("Recently active first")),
    ("last_name", _("Last name A–Z")),
    ("company", _("Company A–Z")),
]


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), choices=STAGE_CHOICES, required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=None, required=False, empty_label=_("All contacts"))
    score_min = forms.IntegerField(label=_("Score from"), min_value=0, max_value=100, required=False)
    score_max = forms.IntegerField(label=_("Score to"), min_value=0, max_value=100, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)
    email_opt_in = forms.ChoiceField(label=_("E-mail opt-in"), choices=TRISTATE, required=False)
    ordering = forms.ChoiceField(label=_("Order"), choices=ORDERING_CHOICES, required=False)

    def __init__(self, *args, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments

    def selector_kwargs(self) -> dict:
        """Arguments for `selectors.contact_list` (empty when invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"],
            "stage": data["stage"],
            "tag": data["tag"],
            "segment": data["segment"],
            "score_min": data["score_min"],
            "score_max": data["score_max"],
            "language": data["language"],
            "email_opt_in": _tristate(data["email_opt_in"]),
            "ordering": data["ordering"] or "-created_at",
        }


class BulkActionForm(forms.Form):
    ACTIONS = [("add_tag", _("Add tag")), ("remove_tag", _("Remove tag")), ("set_stage", _("Set stage"))]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", "—"), *Stage.choices], required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer is acceptable here: the service refuses ids that are not this workspace's.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        if data.get("action") in ("add_tag", "remove_tag") and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Enter a tag."))
        if data.get("action") == "set_stage" and not data.get("stage"):
            self.add_error("stage", _("Choose a stage."))
        return data


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.CharField(label=_("E-mail address"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, help_text=_("With the country code, e.g. +44 20 7946 0958.")
    )
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.LEAD)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    language = forms.ChoiceField(label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False)
    source = forms.CharField(label=_("Source"), max_length=50, required=False)
    email_opt_in = forms.BooleanField(label=_("Agreed to receive e-mails"), required=False)
    whatsapp_opt_in = forms.BooleanField(label=_("Agreed to receive WhatsApp messages"), required=False)
    sms_opt_in = forms.BooleanField(label=_("Agreed to receive SMS"), required=False)
    timezone = forms.CharField(
        label=_("Time zone"), max_length=64, required=False, help_text=_("An IANA name such as Europe/Madrid.")
    )

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions)
        for definition in self.definitions:
            self.fields[f"custom_{definition.key}"] = forms.CharField(
                label=definition.label,
                required=False,
                help_text=_("One of: %(choices)s") % {"choices": ", ".join(definition.choices)}
                if definition.type == CustomFieldType.CHOICE
                else (_("YYYY-MM-DD") if definition.type == CustomFieldType.DATE else ""),
            )

    @classmethod
    def initial_for(cls, contact) -> dict:
        initial = {
            name: getattr(contact, name)
            for name in (
                "first_name",
                "last_name",
                "email",
                "phone",
                "company",
                "stage",
                "language",
                "source",
                "email_opt_in",
                "whatsapp_opt_in",
                "sms_opt_in",
                "timezone",
            )
        }
        initial["tags"] = ", ".join(contact.tags or [])
        for key, value in (contact.custom_fields or {}).items():
            initial[f"custom_{key}"] = value
        return initial

    def service_data(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if not name.startswith("custom_")}
        data["custom_fields"] = {d.key: self.cleaned_data.get(f"custom_{d.key}") or None for d in self.definitions}
        return data

    def add_service_errors(self, details: dict) -> None:
        for name, messages in details.items():
            field = name if name in self.fields else None
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(field, message)


class ActivityForm(forms.Form):
    type = forms.ChoiceField(
        label=_("What happened"),
        choices=[(v, label) for v, label in ActivityType.choices if v not in SYSTEM_ACTIVITY_TYPES],
        initial=ActivityType.NOTE,
    )
    text = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    occurred_at = forms.DateTimeField(label=_("When"), required=False, help_text=_("Empty means now."))


class MergeForm(forms.Form):
    other = forms.CharField(
        label=_("Duplicate to merge into this contact"),
        max_length=254,
        help_text=_("Its e-mail address, phone number or ID. It is deleted after the merge; its activities move here."),
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, separated by commas or semicolons, with a header row.")
    )


class MappingForm(forms.Form):
    """One choice per CSV column: which contact field it fills."""

    def __init__(self, *args, columns: list[str], definitions, initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignore this column —"))]
        choices += [(key, str(label)) for key, label in importing.mapping_targets(definitions).items()]
        self.columns = []
        for position, column in enumerate(columns):
            if not column:
                continue
            name = f"col_{position}"
            self.fields[name] = forms.ChoiceField(
                label=column, choices=choices, required=False, initial=initial_mapping.get(column, "")
            )
            self.columns.append((name, column))

    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data[name] for name, column in self.columns if self.cleaned_data.get(name)}


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    stages = forms.MultipleChoiceField(
        label=_("Stages"), choices=Stage.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags_any = forms.CharField(label=_("Has any of these tags"), required=False, help_text=_("Separated by commas."))
    tags_all = forms.CharField(label=_("Has all of these tags"), required=False)
    tags_none = forms.CharField(label=_("Has none of these tags"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=settings.LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )
    score_min = forms.IntegerField(label=_("Score from"), min_value=0, max_value=100, required=False)
    score_max = forms.IntegerField(label=_("Score to"), min_value=0, max_value=100, required=False)
    email_opt_in = forms.ChoiceField(label=_("E-mail opt-in"), choices=TRISTATE, required=False)
    whatsapp_opt_in = forms.ChoiceField(label=_("WhatsApp opt-in"), choices=TRISTATE, required=False)
    last_activity_within_days = forms.IntegerField(
        label=_("Active in the last … days"), min_value=1, max_value=3650, required=False
    )
    inactive_for_days = forms.IntegerField(label=_("Inactive for … days"), min_value=1, max_value=3650, required=False)
    custom_field = forms.ChoiceField(label=_("Custom field"), required=False)
    custom_op = forms.ChoiceField(
        label=_("Condition"),
        required=False,
        choices=[
            ("eq", _("is")),
            ("neq", _("is not")),
            ("contains", _("contains")),
            ("gt", _("is greater than")),
            ("gte", _("is at least")),
            ("lt", _("is less than")),
            ("lte", _("is at most")),
            ("is_set", _("is set")),
            ("is_not_set", _("is not set")),
        ],
    )
    custom_value = forms.CharField(label=_("Value"), required=False, max_length=200)

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custom_field"].choices = [("", "—"), *((d.key, d.label) for d in definitions)]

    @classmethod
    def initial_for(cls, segment) -> dict:
        definition = segment.definition or {}
        initial = {"name": segment.name, "description": segment.description}
        for key in ("stages", "languages", "score_min", "score_max", "last_activity_within_days", "inactive_for_days"):
            if key in definition:
                initial[key] = definition[key]
        for key in ("tags_any", "tags_all", "tags_none"):
            initial[key] = ", ".join(definition.get(key, []))
        for key in ("email_opt_in", "whatsapp_opt_in"):
            if key in definition:
                initial[key] = "yes" if definition[key] else "no"
        custom = (definition.get("custom") or [None])[0]
        if custom:
            initial.update(custom_field=custom["field"], custom_op=custom["op"], custom_value=custom.get("value", ""))
        return initial

    def definition(self) -> dict:
        """The raw filter for `services.segment_definition_validate`."""
        data = self.cleaned_data
        definition: dict = {}
        for key in ("stages", "languages"):
            if data.get(key):
                definition[key] = data[key]
        for key in ("tags_any", "tags_all", "tags_none"):
            tags = [tag for tag in (data.get(key) or "").split(",") if tag.strip()]
            if tags:
                definition[key] = tags
        for key in ("score_min", "score_max", "last_activity_within_days", "inactive_for_days"):
            if data.get(key) is not None:
                definition[key] = data[key]
        for key in ("email_opt_in", "whatsapp_opt_in"):
            if _tristate(data.get(key, "")) is not None:
                definition[key] = _tristate(data[key])
        if data.get("custom_field"):
            condition = {"field": data["custom_field"], "op": data.get("custom_op") or "eq"}
            if condition["op"] not in ("is_set", "is_not_set"):
                condition["value"] = data.get("custom_value", "")
            definition["custom"] = [condition]
        return definition


class CustomFieldForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=50, help_text=_("Used in imports and the API, e.g. plan."))
    label = forms.CharField(label=_("Label"), max_length=100)
    type = forms.ChoiceField(label=_("Type"), choices=CustomFieldType.choices)
    choices = forms.CharField(
        label=_("Choices"), required=False, help_text=_("For a choice field, separated by commas.")
    )
