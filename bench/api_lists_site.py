"""Settings of `bench/api_lists.py`'s server: the project's, with a URLconf
that adds bare DRF `ListAPIView`s beside the project's routes."""

from nexusone.settings import *  # noqa: F403

ROOT_URLCONF = "api_lists_urls"
SECURE_SSL_REDIRECT = False
