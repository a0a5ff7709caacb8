"""The project package. The Celery app (`nexusone.celery`) is loaded on first
use, not here: a web worker starts without importing Celery and kombu
(`celery -A nexusone` still finds it, through `nexusone.celery`)."""


def __getattr__(name: str):
    if name == "celery_app":
        from nexusone.celery import app

        return app
    raise AttributeError(f"module 'nexusone' has no attribute {name!r}")
