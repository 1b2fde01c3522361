# liuke developer commands. `make run` and `make test` are the two commands of the README.
.PHONY: install run test lint lock messages

install:
	@scripts/bootstrap.sh

## Install, create the database, load the demo company when it is empty, and serve http://127.0.0.1:8000
run: install
	@.venv/bin/liuke demo --if-empty
	@.venv/bin/liuke serve --port $${PORT:-8000}

## The whole test suite (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL), browser tests included
test: install
	@.venv/bin/pytest $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy src

## Refresh requirements.lock from what pyproject.toml allows (run after changing dependencies)
lock:
	rm -rf /tmp/liuke-lock && python3 -m venv /tmp/liuke-lock
	/tmp/liuke-lock/bin/pip install --quiet -e ".[dev]"
	/tmp/liuke-lock/bin/pip freeze --exclude-editable | grep -v '^liuke' > requirements.lock

## Extract translatable strings and compile the catalogues
messages: install
	cd src/liuke && LIUKE_DATA_DIR=$${LIUKE_DATA_DIR:-/tmp/liuke-messages} DJANGO_SETTINGS_MODULE=liuke.settings ../../.venv/bin/django-admin makemessages -l zh_Hans --no-obsolete --ignore 'static/*'
	cd src/liuke && LIUKE_DATA_DIR=$${LIUKE_DATA_DIR:-/tmp/liuke-messages} DJANGO_SETTINGS_MODULE=liuke.settings ../../.venv/bin/django-admin compilemessages
