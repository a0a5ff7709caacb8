from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts import regional
from accounts.models import TIMEZONE_CHOICES, Role, User, Workspace


class SearchableSelect(forms.Select):
    """A select (with optgroups) that `static/js/choicefilter.js` gives a search box."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-choice-filter": "", "data-filter-placeholder": _("Search…"), **(attrs or {})}, choices)


def _with_current(choices: list, value: str) -> list:
    """Keep a stored value selectable even when the grouped list leaves it out (an old alias)."""
    known = {option for _group, options in choices if isinstance(options, list) for option, _label in options}
    known |= {option for option, label in choices if not isinstance(label, list)}
    return choices if not value or value in known else [(value, value), *choices]


class ProfileForm(forms.Form):
    """A plain form (not a ModelForm) so the service, not the form, changes the user."""

    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES, widget=SearchableSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _with_current(regional.timezone_choices(), self.initial.get("timezone", ""))
        if self.is_bound:  # any valid name (aliases too) is accepted
            self.fields["timezone"].choices = [*self.fields["timezone"].choices, *TIMEZONE_CHOICES]

    @classmethod
    def for_user(cls, user: User, data=None) -> ProfileForm:
        initial = {"name": user.name, "preferred_language": user.preferred_language, "timezone": user.timezone}
        return cls(data, initial=initial)


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=120)


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=120)
    default_region = forms.ChoiceField(
        label=_("Country (phone region)"),
        help_text=_("Phone numbers typed without a country code are read as numbers of this country."),
        widget=SearchableSelect,
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("Reports and schedules use it."), widget=SearchableSelect
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("New content, pages and contacts start in this language."),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    brand_color = forms.RegexField(
        label=_("Brand colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("Buttons and headings of your published pages use it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_region"].choices = regional.region_choices()
        self.fields["timezone"].choices = _with_current(regional.timezone_choices(), self.initial.get("timezone", ""))
        if self.is_bound:
            self.fields["timezone"].choices = [*self.fields["timezone"].choices, *TIMEZONE_CHOICES]
        self.fields["currency"].choices = regional.currency_choices()

    @classmethod
    def for_workspace(cls, workspace: Workspace, data=None) -> WorkspaceSettingsForm:
        initial = {
            "name": workspace.name,
            "default_region": workspace.default_region,
            "timezone": workspace.timezone,
            "default_language": workspace.default_language,
            "currency": workspace.currency,
            "brand_color": workspace.brand_color or "#2563eb",
        }
        if data is not None:  # a field left out keeps its current value
            data = data.copy()
            for field, value in {**initial, "brand_color": workspace.brand_color}.items():
                if field not in data:
                    data[field] = value
        return cls(data, initial=initial)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Key name"), max_length=100)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
