"""The ``liuke`` command line: friendly names over Django management commands.

Exit status: 0 success, 1 the work ran but found problems, 2 unusable input.
"""

from __future__ import annotations

import os
import sys

# name -> (management command, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "run the web UI and API (embedded default: SQLite, in-process jobs)"),
    "demo": ("demo", "create the demo company (deterministic for a seed)"),
    "import": (
        "liuke_import",
        "import master data or a distributor's flow file (employees, customers, account-team, products, prices, "
        "authorizations, shipments, flow)",
    ),
    "export": ("liuke_export", "export data through the export gate, logged (customers, flow)"),
    "verify-log": ("verify_log", "recompute the change log's hash chain and name the first broken entry"),
    "manage": ("", "any Django management command, e.g. `liuke manage migrate` (for administrators)"),
}


def _app_commands() -> dict[str, tuple[str, str]]:
    """Every app's ``liuke_<name>`` management command is ``liuke <name>`` (underscores as dashes): an app
    adds a command without touching this file."""
    try:
        import django
        from django.core.management import get_commands, load_command_class

        django.setup()
        found = {}
        for command, app in sorted(get_commands().items()):
            if not command.startswith("liuke_"):
                continue
            name = command.removeprefix("liuke_").replace("_", "-")
            if name in COMMANDS or any(c == command for c, _ in COMMANDS.values()):
                continue
            help_text = getattr(load_command_class(app, command), "help", "")
            found[name] = (command, str(help_text).split("\n")[0])
        return found
    except Exception:  # a broken setup must not hide the built-in commands
        return {}


def _all_commands() -> dict[str, tuple[str, str]]:
    return {**COMMANDS, **_app_commands()}


def _usage() -> str:
    lines = [
        "usage: liuke COMMAND [options]",
        "",
        "留客 liuke — the rep may leave, the customers stay.",
        "",
        "commands:",
    ]
    lines += [f"  {name:<12} {text}" for name, (_, text) in _all_commands().items()]
    lines += ["", "`liuke COMMAND --help` describes a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuke.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(_usage() + "\n")
        return 0
    name, rest = argv[0], argv[1:]
    commands = COMMANDS if name in COMMANDS else _all_commands()
    if name not in commands:
        sys.stderr.write(f"liuke: unknown command {name!r}\n\n{_usage()}\n")
        return 2
    from django.core.management import execute_from_command_line

    if name == "manage":
        execute_from_command_line(["liuke manage", *rest])
        return 0
    import django
    from django.core.management import load_command_class

    django.setup()
    command = load_command_class(_app_for(commands[name][0]), commands[name][0])
    command.run_from_argv(["liuke", name, *rest])
    return 0


def _app_for(command: str) -> str:
    from django.core.management import get_commands

    app = get_commands()[command]
    return app if isinstance(app, str) else app.name


if __name__ == "__main__":
    sys.exit(main())
