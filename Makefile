# The alliance bot. `make demo` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format run console bench bench-sweep bench-memory bench-reconcile bench-fanout bench-who bench-load install clean teams-package

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools' notice that an editable install's folders may shadow others is for flat layouts in general;
	@# this checkout is the package, so a first install prints nothing but errors.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

## The bot without Slack: a short scripted tour, then your turn (`:help` inside).
demo: $(STAMP)
	$(BIN)/alliance-bot console --db demo.db --fresh --tour

console: $(STAMP)
	$(BIN)/alliance-bot console

## Every test. PostgreSQL ones run when TEST_DATABASE_URL is set (CI sets it).
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The real bot, with the settings in .env (see .env.example).
run: $(STAMP)
	$(BIN)/alliance-bot serve

## The app package to upload to Teams: dist/alliance-bot-teams.zip (needs TEAMS_APP_ID and BOT_DOMAIN).
teams-package: $(STAMP)
	$(BIN)/python -m bot.teams.package

bench: $(STAMP)
	$(BIN)/python bench/http_latency.py

## Scheduled-sweep timings at 10k/100k/1M commitments (PG=postgresql://... adds PostgreSQL).
bench-sweep: $(STAMP)
	$(BIN)/python bench/sweep.py $(if $(PG),--pg $(PG))

## 200 overdue nudges at once through a fake Slack with 100 ms answers and its per-channel limit: messages/s,
## 429s, duplicates, lost (PG=postgresql://... adds PostgreSQL).
bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py $(if $(PG),--pg $(PG))

## `who` over one alliance with 10,000 open commitments (PG=postgresql://.../alliance_bench... adds PostgreSQL).
bench-who: $(STAMP)
	$(BIN)/python bench/http_latency.py --part who $(if $(PG),--pg $(PG))

## 100 concurrent clients against the bot and a bare Bolt app: p50/p99 and their ratio, RSS idle and busy (PG=... for PostgreSQL).
bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(if $(PG),--pg $(PG))

## Resident memory of a Slack-only `alliance-bot serve`: idle, then after 60 commits and a scorecard (PG=postgresql://.../alliance_bench... adds PostgreSQL).
bench-memory: $(STAMP)
	$(BIN)/python bench/memory.py
	$(if $(PG),$(BIN)/python bench/memory.py --pg $(PG))

## The daily member comparison: Web API calls and seconds per alliance per day (fake Web API, RTT 100 ms).
bench-reconcile: $(STAMP)
	$(BIN)/python bench/reconcile.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo.db console.db *-scorecard.png *.egg-info dist build
