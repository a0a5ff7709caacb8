"""Local bucket files, outside the language prefix (see medialib/serving.py). Public by
design (reviewed): public buckets are world-readable, private ones need a signature."""

from django.urls import path

from medialib import serving

urlpatterns = [
    path("media/<str:bucket>/<path:key>", serving.public_file, name="media-public-file"),
    path("files/<str:bucket>/<path:key>", serving.signed_file, name="media-signed-file"),
]
