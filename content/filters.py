"""History filters, shared by the API and the pages (django-filter).

Unknown values of an enum filter are a 400 naming the parameter, never a 500."""

from __future__ import annotations

import django_filters

from content.models import LANGUAGE_CHOICES, ContentType, Generation, IdeaBatch, LandingPage, Length, Tone


class GenerationFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=ContentType.choices)
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES)
    tone = django_filters.ChoiceFilter(choices=Tone.choices)
    length = django_filters.ChoiceFilter(choices=Length.choices)

    class Meta:
        model = Generation
        fields = ["type", "language", "tone", "length"]


class IdeaBatchFilter(django_filters.FilterSet):
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES)

    class Meta:
        model = IdeaBatch
        fields = ["language"]


class LandingPageFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LandingPage.Status.choices)
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES)

    class Meta:
        model = LandingPage
        fields = ["status", "language"]
