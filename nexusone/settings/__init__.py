"""NexusOne settings — every knob comes from the environment (django-environ).

The embedded default (no variables set) is a development shape: SQLite file,
in-process jobs, local-memory cache, console e-mail, local file storage.
Production sets DEBUG=0 plus real values; then secrets have no defaults and
`manage.py check --deploy` is clean. Every variable is listed in .env.example
and the README.
"""

# One module per concern; each reads the environment through `base.env` and imports what it needs
# from `base` explicitly, so the order of these imports does not matter.
from .api import *  # noqa: F403
from .auth import *  # noqa: F403
from .base import *  # noqa: F403
from .messaging import *  # noqa: F403
from .providers import *  # noqa: F403
from .storage import *  # noqa: F403
