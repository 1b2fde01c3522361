import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liuke.core import registry
from liuke.core.tabular import UnusableFile


class Command(BaseCommand):
    help = "Import master data from CSV or XLSX. Exit 0: all rows fine; 1: some rows rejected; 2: unusable file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(registry.importers()))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check everything, keep nothing")
        parser.add_argument("--distributor", help="flow: the distributor's customer code")
        parser.add_argument("--period", help="flow: the month the file reports, YYYY-MM")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        tool = registry.importers()[options["kind"]]
        run = tool.load()
        extra = {k: options[k] for k in ("distributor", "period") if options.get(k)}
        for name in set(extra) - set(tool.options):
            raise CommandError(
                _("--%(option)s does not apply to %(kind)s.") % {"option": name, "kind": options["kind"]}, returncode=2
            )
        try:
            result = run(path=options["file"], dry_run=options["dry_run"], **extra)
        except UnusableFile as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._print_table(result)
        if result.errors:
            raise SystemExit(1)

    def _print_table(self, result):
        prefix = _("DRY RUN, nothing kept. ") if result.dry_run else ""
        self.stdout.write(
            prefix
            + _(
                "%(file)s: %(rows)d rows, %(created)d created, %(updated)d updated, %(dup)d unchanged, %(rej)d rejected"
            )
            % {
                "file": result.file,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "dup": result.duplicates,
                "rej": result.rejected,
            }
        )
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if result.errors:
            self.stdout.write(f"{_('row'):>6}  {_('field'):<14} {_('reason')}")
            for e in result.errors:
                self.stdout.write(f"{e.row:>6}  {e.field:<14} {e.reason}")
