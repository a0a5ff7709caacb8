"""`manage.py runserver_jobs` — runserver plus the periodic jobs of
`CELERY_BEAT_SCHEDULE` in a thread (`nexusone.inprocess_beat`): `make run`
on a machine without Redis, a worker or beat."""

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from nexusone import inprocess_beat


class Command(RunserverCommand):
    help = "Development server with the scheduled jobs running in-process."

    def inner_run(self, *args, **options):
        # inner_run is the serving process (the autoreloader's child), so the jobs start once.
        inprocess_beat.start_in_thread()
        self.stdout.write("Scheduled jobs run in-process (CELERY_BEAT_SCHEDULE).")
        super().inner_run(*args, **options)
