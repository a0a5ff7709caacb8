#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
    # Commands run with every app (`migrate` above all: billing's migrations depend on dj-stripe's),
    # even where the environment was meant for the web process (settings: WEB_PROCESS).
    os.environ.pop("NEXUSONE_PROCESS", None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
