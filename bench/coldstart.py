"""Benchmark: how long a web worker takes to boot (`import nexusone.wsgi`),
against a minimal Django + DRF project in the same run.

    .venv/bin/python bench/coldstart.py --rounds 15

Each round starts a fresh interpreter per variant (interleaved, so both see
the same machine load) and times `import <module>.wsgi` inside it — wall
time and the CPU time (user + system) it used — with production settings
(`DEBUG=0`). The minimal project (written to a temporary directory) has
contenttypes, auth, sessions, DRF and one `ListAPIView` app: what "bare DRF"
means in `bench/api_lists.py`. Target: nexusone under 0.8 s.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import json, resource, sys, time
    t0 = time.perf_counter(); c0 = time.process_time()
    import importlib
    importlib.import_module(sys.argv[1])
    print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                      "celery": "celery" in sys.modules, "phonenumbers": "phonenumbers" in sys.modules,
                      "dkim": "dkim" in sys.modules, "PIL": "PIL.Image" in sys.modules,
                      "openai": "openai" in sys.modules, "av": "av" in sys.modules,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)

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
        [sys.executable, "-c", PROBE, module], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--before", help="a checkout of an earlier commit, measured as a third variant")
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
                },
            ),
        }
        if args.before:
            variants["nexusone before"] = ("nexusone.wsgi", Path(args.before), variants["nexusone"][2])
        results: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (module, cwd, env) in variants.items():
                results[name].append(_run(module, cwd, env))
    load_after = os.getloadavg()[0]
    print(f"load average (1 min): {load_before:.1f} before, {load_after:.1f} after; {args.rounds} rounds")
    print("| variant | wall p50 (s) | wall min (s) | CPU p50 (s) | peak RSS (MB) | loaded at boot |")
    print("|---|---:|---:|---:|---:|---|")
    base = statistics.median(r["cpu"] for r in results["minimal Django + DRF"])
    for name, runs in results.items():
        flags = [k for k in ("celery", "phonenumbers", "dkim", "PIL", "openai", "av") if runs[-1][k]]
        cpu = statistics.median(r["cpu"] for r in runs)
        print(
            f"| {name} | {statistics.median(r['wall'] for r in runs):.3f} | {min(r['wall'] for r in runs):.3f} "
            f"| {cpu:.3f} ({cpu / base:.1f}×) | {statistics.median(r['rss_mb'] for r in runs):.0f} "
            f"| {', '.join(flags) or '—'} |"
        )


if __name__ == "__main__":
    main()
