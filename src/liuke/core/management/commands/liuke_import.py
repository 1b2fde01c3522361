import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liuke.core.tabular import UnusableFile

# KIND -> "module:function"; later apps add theirs.
IMPORTERS = {
    "employees": "liuke.org.importers:employee_import_run",
    "customers": "liuke.customers.importers:customer_import_run",
    "account-team": "liuke.customers.importers:account_team_import_run",
    "products": "liuke.channel.importers:product_import_run",
    "prices": "liuke.channel.importers:price_import_run",
    "authorizations": "liuke.channel.importers:authorization_import_run",
    "shipments": "liuke.channel.importers:shipment_import_run",
    "flow": "liuke.channel.importers:flow_import_cli",
}


class Command(BaseCommand):
    help = "Import master data from CSV or XLSX. Exit 0: all rows fine; 1: some rows rejected; 2: unusable file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check everything, keep nothing")
        parser.add_argument("--distributor", help="flow: the distributor's customer code")
        parser.add_argument("--period", help="flow: the month the file reports, YYYY-MM")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        from importlib import import_module

        module, func = IMPORTERS[options["kind"]].split(":")
        run = getattr(import_module(module), func)
        extra = {k: options[k] for k in ("distributor", "period") if options.get(k)}
        if extra and options["kind"] != "flow":
            raise CommandError(_("--distributor and --period are for flow files only."), returncode=2)
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
