# schulsozial: two commands do the whole set-up (see README).
#   make demo   install everything, create the SQLite database, load the demo, start the server
#   make test   install everything and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt package-lock.json | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: install demo serve test test-postgres lint typecheck bench bench-compare loadtest messages makemessages browser clean

$(STAMP): requirements.txt package.json package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	npm ci --no-audit --no-fund --loglevel=error
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) messages
	@mkdir -p var/static var/media

messages: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

makemessages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale de --ignore ".venv/*" --ignore "node_modules/*" --no-obsolete
	$(BIN)/python scripts/compile_messages.py

demo: install
	@mkdir -p var
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	@echo ""
	@echo "schulsozial runs at http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@echo ""
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

test: install browser
	SCHULSOZIAL_TESTING=1 $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-postgres: install browser
	SCHULSOZIAL_TESTING=1 DATABASE_URL=$${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/schulsozial} \
		$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The end-to-end tests drive Debian's chromium (Playwright's own browser
# download does not work offline); install it when missing and we are root.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; fi; }

# The same checks run as pre-commit hooks (.pre-commit-config.yaml; `.venv/bin/pre-commit install`).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	SCHULSOZIAL_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

# mypy with django-stubs: strict on the engines, services, selectors and permissions,
# lenient elsewhere ([tool.mypy] in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run_all.py

# Base commit and HEAD side by side in one run (docs/performance.md);
# BASE=<commit> (default beb347d), BENCH_COMPARE_ARGS="--quick".
BASE ?= beb347d
bench-compare: install
	$(BIN)/python bench/compare.py --base $(BASE) $(BENCH_COMPARE_ARGS)

# 50 simulated users for 5 minutes against gunicorn on 127.0.0.1 with PostgreSQL
# (docs/performance.md, Load test); LOADTEST_ARGS="--duration 60 --users 20".
loadtest: install
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules var
