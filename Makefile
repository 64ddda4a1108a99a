# golive: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LIGHTHOUSE := 12.2.3

.PHONY: install tools demo docs-screenshots test test-fast lint typecheck check bench bench-load bench-1000 bench-frontend bench-server clean

install: $(STAMP) tools

# the system parts some areas need; each step does nothing when its part is there already
tools: $(STAMP)
	@# hypopg for the database area's index advice (tests and demo); needs apt and root
	@if ! ls /usr/share/postgresql/*/extension/hypopg.control >/dev/null 2>&1; then \
		major=$$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1); \
		if [ -n "$$major" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y -q postgresql-$$major-hypopg >/dev/null 2>&1 || \
			{ apt-get update -q >/dev/null 2>&1 && \
			  apt-get install -y -q postgresql-$$major-hypopg >/dev/null; } || \
			echo "could not install postgresql-$$major-hypopg: index advice tests will skip"; \
		fi; \
	fi
	@# the frontend area: Debian's Chromium and Lighthouse 12.2.3 (pinned, inside the venv)
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -q chromium >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; } || \
		echo "could not install chromium: frontend tests will skip"; \
	fi
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -q nodejs npm >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q nodejs npm >/dev/null; } || \
		echo "could not install Node.js: Lighthouse runs will skip"; \
	fi
	@# nginx for the deployment test (deploy/nginx): the binary only, its service not started
	@if ! command -v nginx >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1; fi; \
		apt-get install -y -q nginx-light >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q nginx-light >/dev/null; } || \
		echo "could not install nginx: the deployment test will skip"; \
		if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	fi
	@if command -v npm >/dev/null; then \
		grep -qs '"version": "$(LIGHTHOUSE)"' $(VENV)/node/node_modules/lighthouse/package.json || \
		npm install --silent --no-fund --no-audit -E --prefix $(VENV)/node lighthouse@$(LIGHTHOUSE); \
	else echo "npm not found: install Node.js 18+ for the frontend area's Lighthouse runs"; fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "golive needs Python 3.11 or newer"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/golive demo

# the README's pictures: the first screens of `golive demo --quick`'s report, at 1280x900
docs-screenshots: install
	@tmp=$$(mktemp -d) && cd $$tmp && \
		$(CURDIR)/$(BIN)/golive demo --quick --store sqlite:///$$tmp/demo.db >/dev/null && \
		mkdir -p $(CURDIR)/docs/img && \
		cp golive-report-files/screenshots/*.png $(CURDIR)/docs/img/ && \
		cd $(CURDIR) && rm -rf $$tmp && ls -l docs/img/*.png

test: install
	$(BIN)/ruff check golive tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# the unit tests only: no server, browser, database or load generator (under a minute)
test-fast: install
	$(BIN)/python -m pytest -q -m "not integration and not postgres"

lint: install
	$(BIN)/ruff check golive tests bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

bench: install
	$(BIN)/python bench/http_checks.py
	$(BIN)/python bench/load_accuracy.py
	$(BIN)/python bench/frontend_audit.py

# one page's frontend audit: 3 Lighthouse runs and one browser pass (aim: under 40 s)
bench-frontend: install
	$(BIN)/python bench/frontend_audit.py

bench-load: install
	$(BIN)/python bench/load_accuracy.py

# the spec's acceptance run: 1000 users, 30 s ramp, 60 s hold against the tuned demo shop
bench-server: install
	$(BIN)/python bench/server_load.py

bench-1000: install
	$(BIN)/python bench/thousand_users.py

clean:
	rm -rf $(VENV) .golive .pytest_cache .mypy_cache .ruff_cache golive-report.html
