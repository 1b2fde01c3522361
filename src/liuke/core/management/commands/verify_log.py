import json

from django.core.management.base import BaseCommand

from liuke.core import changelog


class Command(BaseCommand):
    help = "Recompute the change log's hash chain and name the first broken entry (exit 1 when broken)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        result = changelog.verify_chain()
        if options["format"] == "json":
            # Stable English keys and reason for scripts, whatever the language.
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        elif result.ok:
            self.stdout.write(self.style.SUCCESS(result.message()))
        else:
            self.stderr.write(result.message())  # in the active language (settings.LANGUAGE_CODE: Chinese)
        if not result.ok:
            raise SystemExit(1)
