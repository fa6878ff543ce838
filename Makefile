# Two commands do all set-up: `make run` (embedded default) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app run
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test install translations messages browser postgres

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# Babel reads the menu's zh_HK as zh_Hant_HK, where FAB ships zh_HK: give FAB's Traditional
# catalogue that name too, or FAB's own words would show in Simplified Chinese.
FAB_DIR = $$($(BIN)/python -c 'import flask_appbuilder, os; print(os.path.dirname(flask_appbuilder.__file__))')
translations: install
	$(BIN)/pybabel compile -d translations >/dev/null
	mkdir -p build/fab-translations/zh_Hant_HK/LC_MESSAGES
	cp "$(FAB_DIR)/translations/zh_HK/LC_MESSAGES/messages.mo" build/fab-translations/zh_Hant_HK/LC_MESSAGES/

## Run the app on the embedded default: SQLite under instance/, scheduler in-process, demo data.
run: install translations
	$(FLASK) db upgrade
	$(FLASK) complaints demo
	SCHEDULER_IN_PROCESS=1 $(BIN)/waitress-serve --listen=127.0.0.1:8080 run:app

## Run the whole suite on SQLite, then on PostgreSQL.
test: install translations browser postgres
	$(BIN)/pytest -q
	TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

## Re-extract the messages and derive the English and Traditional Chinese catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project "Property Complaint Desk" -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/python translations/derive.py

# Debian's Chromium for the browser test (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The machine's PostgreSQL, started when it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { command -v pg_ctlcluster >/dev/null && \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; } || true
