"""Media library filters (API and pages). Unknown enum values are a 400."""

from __future__ import annotations

import django_filters

from medialib.models import MediaAsset


class MediaAssetFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MediaAsset.Kind.choices)
    bucket = django_filters.ChoiceFilter(choices=MediaAsset.Bucket.choices)
    source = django_filters.CharFilter()

    class Meta:
        model = MediaAsset
        fields = ["kind", "bucket", "source"]
