import os

from nexusone.boot import without_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
os.environ.setdefault("NEXUSONE_PROCESS", "web")  # the settings leave some apps out (see base.py)
with without_gc():  # the boot's objects live as long as the worker (nexusone/boot.py)
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    from nexusone.checks import fail_fast  # (after setup)

    fail_fast()
