import gc
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Run the web UI and API. Applies pending migrations first (embedded default: SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations on start")

    def handle(self, *args, **options):
        from waitress import serve

        from liuke.wsgi import application

        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from the package too
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        url = f"http://{options['host']}:{options['port']}/"
        db = settings.DATABASES["default"]
        engine = db["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            _("liuke is serving on %(url)s (database: %(engine)s %(name)s)")
            % {"url": url, "engine": engine, "name": db["NAME"]}
        )
        self.stdout.write(_("Press Ctrl+C to stop."))
        sys.stdout.flush()
        _freeze_startup_heap()
        serve(application, host=options["host"], port=options["port"], threads=options["threads"], ident="liuke")


def _freeze_startup_heap() -> None:
    """Load what every request needs, then take it out of the garbage collector's sight.

    pypinyin's dictionaries and Django's own objects are several hundred thousand long-lived
    objects; without this a full collection over them (~100 ms) lands on every fifteenth request or
    so, which is most of the gap between a list's median and its 95th percentile (docs/BENCHMARKS.md).
    """
    import liuke.urls  # noqa: F401  (every view, form and serializer)
    from liuke.core.text import search_keys

    search_keys("留客")  # pypinyin loads its dictionaries on first use
    gc.collect()
    gc.freeze()
