"""Static files in production (`nexusone.middleware.StaticFilesMiddleware`): WhiteNoise, whose index
of the collected files is built by the first request under STATIC_URL instead of at a web worker's
boot (issue 19, "Cold start") — and the same answers as WhiteNoise's own middleware."""

from __future__ import annotations

import gzip
import json
import threading

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from nexusone.middleware import StaticFilesMiddleware

HASHED = "css/app.0123456789ab.css"
CSS = b"body { color: #123456; }\n" * 40


@pytest.fixture
def collected(tmp_path):
    """A STATIC_ROOT as `collectstatic` leaves it with the production storage: hashed copies,
    compressed variants and the manifest."""
    for name in ("css/app.css", HASHED, "js/site.js"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(CSS)
    (tmp_path / f"{HASHED}.gz").write_bytes(gzip.compress(CSS))
    manifest = {"paths": {"css/app.css": HASHED, "js/site.js": "js/site.js"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(
        DEBUG=False, STATIC_ROOT=tmp_path, STATIC_URL="/static/", STORAGES=storages, WHITENOISE_USE_FINDERS=False
    ):
        yield tmp_path


def _app(request):
    return HttpResponse("from the app")


def _headers(middleware, url: str) -> dict:
    return dict(middleware.files[url].get_response("GET", {"HTTP_ACCEPT_ENCODING": "gzip"}).headers)


def test_the_index_waits_for_the_first_static_request_and_matches_whitenoises(collected):
    lazy, eager = StaticFilesMiddleware(_app), WhiteNoiseMiddleware(_app)
    assert lazy.files == {} and len(eager.files) == 4  # css/app.css, the hashed copy, js/site.js, staticfiles.json

    factory = RequestFactory()
    assert lazy(factory.get("/en/")).content == b"from the app"
    assert lazy.files == {}  # a page request does not build it

    response = lazy(factory.get(f"/static/{HASHED}", HTTP_ACCEPT_ENCODING="gzip"))
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert lazy.files.keys() == eager.files.keys()
    for url in eager.files:
        assert _headers(lazy, url) == _headers(eager, url), url
    assert lazy(factory.get("/static/nothing-here.css")).content == b"from the app"  # not a file: the app


def test_static_files_through_the_whole_middleware_stack_with_production_settings(collected):
    client = Client()
    hashed = client.get(f"/static/{HASHED}")
    assert hashed.status_code == 200 and b"".join(hashed.streaming_content) == CSS
    assert hashed["Cache-Control"] == "max-age=315360000, public, immutable"
    assert hashed["Content-Type"].startswith("text/css")
    assert client.get(f"/static/{HASHED}", HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and plain["Cache-Control"] == "max-age=60, public"
    assert client.get(f"/static/{HASHED}", HTTP_IF_NONE_MATCH=hashed["ETag"]).status_code == 304


def test_concurrent_first_static_requests_build_the_index_once(collected):
    middleware = StaticFilesMiddleware(_app)
    builds = []
    original = middleware.update_files_dictionary

    def counting(root, prefix):
        builds.append(root)
        original(root, prefix)

    middleware.update_files_dictionary = counting
    factory = RequestFactory()
    start = threading.Barrier(6)
    statuses = []

    def first_request():
        start.wait()
        statuses.append(middleware(factory.get("/static/js/site.js")).status_code)

    threads = [threading.Thread(target=first_request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6 and len(builds) == 1


def test_a_missing_static_root_warns_at_boot_as_whitenoise_does(tmp_path):
    missing = override_settings(DEBUG=False, STATIC_ROOT=tmp_path / "missing", WHITENOISE_USE_FINDERS=False)
    with missing, pytest.warns(UserWarning, match="No directory at"):
        StaticFilesMiddleware(_app)


def test_development_looks_files_up_per_request(collected):
    with override_settings(WHITENOISE_AUTOREFRESH=True):
        middleware = StaticFilesMiddleware(_app)
    assert middleware.files == {} and middleware.directories
    assert middleware(RequestFactory().get("/static/js/site.js")).status_code == 200
