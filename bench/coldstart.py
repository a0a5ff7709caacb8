"""Benchmark: how long a web worker takes to boot (`import nexusone.wsgi`),
against a minimal Django + DRF project in the same run.

    .venv/bin/python bench/coldstart.py --rounds 10 [--before <a checkout of main>] [--asgi]

Each round starts a fresh interpreter per variant (interleaved, so both see
the same machine load) and times `import <module>.wsgi` inside it — wall
time and the CPU time (user + system) it used — with production settings
(`DEBUG=0`), then, in the same interpreter, its first request: a `GET` of a
page that does not exist, through the WSGI handler (it loads the URLconf and
every view module, runs the middleware and renders the 404 page), plus the
import of the database backend (psycopg) that any request reading the
database adds — no connection is made. Where the admin is discovered on the
first staff request (`nexusone/admin_urls.py`), that import is timed last:
what a worker's first staff request adds. The target (nexusone under 0.8 s)
is the import; the first request is reported beside it so that work moved
from the boot to the first request shows up instead of passing for a saving.

Before timing, every variant's code is compiled to bytecode (`compileall`),
as a deployed image is (README, "The production shape"): this environment
sets `PYTHONDONTWRITEBYTECODE=1`, which would otherwise make each boot compile
the project's ~220 modules from source (+0.27 s) and the figures measure the
compiler. Likewise `collectstatic` runs first (the 404 page's static URLs
read its manifest; WhiteNoise indexes the files on the first static request,
which the probe does not make). The minimal project (written to a temporary
directory) has contenttypes, auth, sessions, DRF and one `ListAPIView` app:
what "bare DRF" means in `bench/api_lists.py`. `--asgi` adds
`import nexusone.asgi` (the Procfile's web process) for each nexusone
variant; its first request goes to the WSGI handler behind the router.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import io, json, resource, sys, time
    t0 = time.perf_counter(); c0 = time.process_time()
    import importlib, importlib.util
    module = importlib.import_module(sys.argv[1])
    t1 = time.perf_counter(); c1 = time.process_time()
    loaded = {name: name in sys.modules for name in sys.argv[3].split(",")}
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": sys.argv[2], "QUERY_STRING": "", "SERVER_NAME": "localhost",
               "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost",
               "HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(),
               "wsgi.errors": sys.stderr}
    status = []
    wsgi = getattr(module, "django_wsgi", None)  # nexusone.asgi: the WSGI handler behind its router
    app = wsgi.app if wsgi is not None else module.application
    response = app(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(response); response.close()
    from django.db import connections
    connections["default"].ops.quote_name("probe")  # the database backend's import (no connection is made)
    t2 = time.perf_counter(); c2 = time.process_time()
    admin = None  # the admin's discovery, where it waits for the first staff request (nexusone/admin_urls.py)
    if importlib.util.find_spec("nexusone") and importlib.util.find_spec("nexusone.admin_urls"):
        importlib.import_module("nexusone.admin_urls")
        admin = time.process_time() - c2
    print(json.dumps({"wall": t1 - t0, "cpu": c1 - c0, "first_wall": t2 - t1, "first_cpu": c2 - c1,
                      "admin_cpu": admin, "status": status[0], "loaded": loaded,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)
FIRST_PATH = "/en/cold-start-probe-missing-page/"
# Modules whose presence after the import the table reports ("loaded at boot").
WATCHED = ("celery", "djstripe", "stripe", "httpx", "requests", "rest_framework.serializers", "phonenumbers",
           "dkim", "PIL.Image", "openai", "av")  # fmt: skip

MINIMAL_SETTINGS = textwrap.dedent(
    """
    SECRET_KEY = "bench"
    DEBUG = False
    ALLOWED_HOSTS = ["*"]
    INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                      "rest_framework", "minimal"]
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware",
                  "django.contrib.sessions.middleware.SessionMiddleware",
                  "django.middleware.common.CommonMiddleware",
                  "django.contrib.auth.middleware.AuthenticationMiddleware"]
    ROOT_URLCONF = "minimal.urls"
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres"}}
    USE_TZ = True
    """
)


def _write_minimal(folder: Path) -> None:
    package = folder / "minimal"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(MINIMAL_SETTINGS)
    (package / "models.py").write_text(
        "from django.db import models\n\n\nclass Row(models.Model):\n    name = models.CharField(max_length=50)\n"
    )
    (package / "urls.py").write_text(
        "from django.urls import path\nfrom rest_framework import generics, serializers\n"
        "from minimal.models import Row\n\n\nclass S(serializers.ModelSerializer):\n"
        "    class Meta:\n        model = Row\n        fields = '__all__'\n\n\n"
        "urlpatterns = [path('rows/', generics.ListAPIView.as_view(queryset=Row.objects.all(), serializer_class=S))]\n"
    )
    (package / "wsgi.py").write_text(
        "import os\nfrom django.core.wsgi import get_wsgi_application\n\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'minimal.settings')\napplication = get_wsgi_application()\n"
    )


def _run(module: str, cwd: Path, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module, FIRST_PATH, ",".join(WATCHED)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["status"].startswith("404"):
        raise SystemExit(f"{module} in {cwd}: the first request answered {result['status']}, not 404")
    return result


def _admin(runs: list[dict]) -> str:
    figures = [r["admin_cpu"] for r in runs if r["admin_cpu"] is not None]
    return f"{statistics.median(figures):.3f}" if figures else "— (at boot)"


def _compile(folder: Path) -> None:
    """Bytecode for every module of the variant, as a deployed image has it (see the docstring)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-x", r"/\.venv/|/node_modules/", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--before", help="a checkout of an earlier commit, measured as a third variant")
    parser.add_argument(
        "--asgi", action="store_true", help="also `import nexusone.asgi` (the Procfile's web process) per variant"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        _write_minimal(tmp_path)
        base_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        variants = {
            "minimal Django + DRF": ("minimal.wsgi", tmp_path, {**base_env, "PYTHONPATH": str(tmp_path)}),
            "nexusone": (
                "nexusone.wsgi",
                ROOT,
                {
                    **base_env,
                    "DEBUG": "0",
                    "ALLOWED_HOSTS": "localhost",
                    "SECRET_KEY": "bench-" + "x" * 50,
                    # the web entry point refuses to start in production without it (nexusone.checks)
                    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(b"k" * 32).decode(),
                    # PostgreSQL, as the minimal project (never connected to: see the docstring)
                    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
                },
            ),
        }
        if args.before:
            variants["nexusone before"] = ("nexusone.wsgi", Path(args.before).resolve(), variants["nexusone"][2])
        if args.asgi:
            for name in [name for name in variants if name.startswith("nexusone")]:
                _module, cwd, env = variants[name]
                variants[f"{name}, nexusone.asgi"] = ("nexusone.asgi", cwd, env)
        for folder in {cwd for _module, cwd, _env in variants.values()} | {Path(sysconfig.get_paths()["purelib"])}:
            _compile(folder)
        for module, cwd, env in variants.values():
            if module == "nexusone.wsgi":  # the 404 page's static URLs need the manifest (WhiteNoise)
                subprocess.run(
                    [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=cwd, env=env, check=True
                )
        results: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (module, cwd, env) in variants.items():
                results[name].append(_run(module, cwd, env))
    load_after = os.getloadavg()[0]
    print(f"load average (1 min): {load_before:.1f} before, {load_after:.1f} after; {args.rounds} rounds")
    print(
        "| variant | import wall p50 / min (s) | import CPU p50 (s) | first request CPU p50 (s) "
        "| import + first request CPU p50 (s) | first staff request: admin discovery CPU p50 (s) "
        "| peak RSS (MB) | loaded by the import |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    base = statistics.median(r["cpu"] for r in results["minimal Django + DRF"])
    base_total = statistics.median(r["cpu"] + r["first_cpu"] for r in results["minimal Django + DRF"])
    for name, runs in results.items():
        flags = [module for module, loaded in runs[-1]["loaded"].items() if loaded]
        cpu = statistics.median(r["cpu"] for r in runs)
        total = statistics.median(r["cpu"] + r["first_cpu"] for r in runs)
        print(
            f"| {name} | {statistics.median(r['wall'] for r in runs):.3f} / {min(r['wall'] for r in runs):.3f} "
            f"| {cpu:.3f} ({cpu / base:.1f}×) | {statistics.median(r['first_cpu'] for r in runs):.3f} "
            f"| {total:.3f} ({total / base_total:.1f}×) | {_admin(runs)} "
            f"| {statistics.median(r['rss_mb'] for r in runs):.0f} "
            f"| {', '.join(flags) or '—'} |"
        )
    print("per round, import CPU (s):")
    for name, runs in results.items():
        print(f"  {name}: " + " ".join(f"{r['cpu']:.3f}" for r in runs))


if __name__ == "__main__":
    main()
