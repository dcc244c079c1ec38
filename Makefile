# Linli — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Development targets name their profile on every command: nothing is written into the
# checkout (it may be a deployment), and plain manage.py says what to set when it is unset.
DEV_ENV := LINLI_ENV=dev DEBUG=true

.PHONY: run test install system-packages messages migrate demo lint format bench clean \
	serve release

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) system-packages
	@# Earlier versions wrote this dev .env here, which turned a deployment's cron jobs into
	@# dev runs on SQLite. Remove exactly that file (anything else in a .env is the owner's).
	@if [ "$$(cat .env 2>/dev/null)" = "$$(printf 'LINLI_ENV=dev\nDEBUG=true')" ]; then \
		rm .env; echo "Removed the dev .env an earlier make wrote (see README: Settings)."; fi

# The OS packages Linli needs, installed only when missing: gettext (compiling the
# translations); Pango and the Noto CJK fonts for WeasyPrint's PDFs, with HarfBuzz's
# subsetter (without it a one-page CJK PDF takes ~22 s instead of ~0.5 s); qpdf and
# poppler-utils, which the tests use to check the PDFs; chromium for the end-to-end
# tests (Playwright drives Debian's browser; its own download does not work here);
# zbar-tools, whose zbarimg reads back the two-factor QR code a browser shows; redis-server
# for the shared cache / job queue tests (CI starts one); postgresql-client (pg_dump,
# pg_restore) for the backup and restore drill.
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-noto-cjk fontconfig qpdf poppler-utils chromium zbar-tools redis-server postgresql-client
system-packages:
	@bash .ci/apt-install $(SYSTEM_PACKAGES)

messages: install
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv -v0

migrate: messages
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v0

demo: migrate
	$(DEV_ENV) $(PY) manage.py make_dev_pki
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py seed_meetings
	$(DEV_ENV) $(PY) manage.py seed_mediations

## Set up, load the demo street once, and serve on http://127.0.0.1:8000
run: demo
	@echo "Serving Linli on http://127.0.0.1:8000  (Ctrl-C to stop; mail goes to var/mail/)"
	@echo "Two-factor sign-in is not enforced in this demo (LINLI_TWO_FACTOR_REQUIRED=true turns it on)."
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## Production, once per release (after `git pull` and `make install`, before the new code
## serves): translations, static files, then `bin/linli release` (deploy check, migrations).
## Needs only the virtualenv and the deployment's environment (/etc/linli/linli.env, read
## by bin/linli; docs/deploy.md) — deploy/systemd/linli-release.service runs it.
release:
	bin/linli manage compilemessages --ignore=.venv -v0
	bin/linli manage collectstatic --noinput -v0
	bin/linli release

## Production: the web server, exactly as the container and the systemd unit start it.
serve:
	bin/linli serve

## Set up and run the whole test suite (SQLite unless DATABASE_URL says otherwise)
test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

## Benchmarks (tests/perf): build a database per size once (BENCH_SIZES=10000,100000,1000000;
## default 100,000; with DATABASE_URL=postgres://... on PostgreSQL), print a timing table
bench: messages
	$(PY) tests/perf/bench.py
	$(PY) tests/perf/portal_bench.py
	$(PY) tests/perf/pdf_bench.py
	$(PY) tests/perf/signing_bench.py
	$(PY) tests/perf/pii_bench.py

## Python (ruff) and templates (djLint: formatting, then its rules and our line length, L001)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/djlint templates --check
	$(VENV)/bin/djlint templates --lint

# djLint exits 1 when it changed a file: that is what `format` is for, so it is not an error here.
format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat --quiet || true
	$(VENV)/bin/djlint templates --check --quiet

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
