# Backstop: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock 2>/dev/null | cut -c1-12)
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)

export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install train run shell test lint eval-nlu eval-redflags eval-conversations bench soak purge run-scaled test-scale clean

help:
	@echo "make run    - install if needed, train if needed, start Backstop (REST + widget + actions)"
	@echo "make shell  - the same, chatting in this terminal"
	@echo "make test   - install if needed, then validate, lint, unit tests, train, story and NLU tests"
	@echo "make train  - train the model if the training data or config changed"
	@echo "make eval-nlu / eval-redflags / eval-conversations - the evaluations, tuning and blind sets apart"
	@echo "make bench  - latency/throughput/memory of Backstop vs a stock rasa init bot (results/bench.txt)"
	@echo "make run-scaled - PostgreSQL + Redis + several Rasa instances behind nginx on :5005"
	@echo "make soak   - 10 minutes of conversations: memory and errors over time (results/soak.txt)"
	@echo "make purge  - delete conversations idle for more than DAYS days (default 30)"
	@echo "make clean  - remove the venv, models, local databases and test output"

WEB_STAMP := web/node_modules/.installed

$(STAMP): requirements.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it (e.g. 'pyenv install 3.10.13' or 'apt install python3.10 python3.10-venv') and re-run make."; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==24.2
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-* && touch $@

$(WEB_STAMP): web/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (e.g. 'apt install nodejs npm') and re-run make."; exit 1; }
	cd web && npm ci --silent --no-audit --no-fund
	@touch $@

install: $(STAMP) $(WEB_STAMP)

train: install
	@scripts/train.sh

run: train
	@scripts/run.sh server

shell: train
	@scripts/run.sh shell

lint: install
	$(VENV)/bin/ruff check .

eval-nlu: train
	$(PY) scripts/eval_nlu.py
	$(PY) scripts/nlu_cv.py

eval-conversations: train
	$(PY) scripts/eval_conversations.py --transcripts

eval-redflags: train
	$(PY) scripts/eval_redflags.py

run-scaled: train
	@scripts/run_scaled.sh

test-scale: train
	$(PY) -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning -m scale tests/test_scale.py

purge: install
	$(PY) -m backstop.privacy purge --days $${DAYS:-$${BACKSTOP_RETENTION_DAYS:-30}}

bench: train
	$(PY) scripts/bench.py

soak: train
	$(PY) scripts/soak.py --seconds $${SECONDS_TO_RUN:-600}

test: install
	@scripts/test.sh

clean:
	rm -rf $(VENV) models var results .pytest_cache .ruff_cache .rasa web/node_modules
