"""Staff forms for the admin's billing actions (each requires a reason)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldBooleanSwitchWidget,
)

from billing.models import Plan


class AdjustCreditsForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Credits"),
        help_text=_("Positive adds credits, negative removes them (never below zero)."),
        widget=UnfoldAdminIntegerFieldWidget,
    )
    bucket = forms.ChoiceField(
        label=_("Bucket"),
        choices=[
            ("purchased", _("Purchased credits (never expire)")),
            ("plan", _("Plan credits (expire with the current period)")),
        ],
        widget=UnfoldAdminSelectWidget,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Must not be zero."))
        return amount


class ChangePlanForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.all(), widget=UnfoldAdminSelectWidget)
    reset_credits = forms.BooleanField(
        label=_("Start a new period with the plan's credits"),
        required=False,
        initial=True,
        help_text=_("The current plan credits expire and the new plan's monthly credits are granted."),
        widget=UnfoldBooleanSwitchWidget,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))
