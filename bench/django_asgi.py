"""Django's own ASGI application, for bench/serving.py's `asgi` shape only."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
application = get_asgi_application()
