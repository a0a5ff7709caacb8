import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
os.environ.setdefault("NEXUSONE_PROCESS", "web")  # the settings leave some apps out (see base.py)
application = get_wsgi_application()

from nexusone.checks import fail_fast  # noqa: E402  (after setup)

fail_fast()
