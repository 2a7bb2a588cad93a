# Arena: `make run` serves the game (embedded, no services); `make test` runs every test.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
# Snapshots are small quantized msgpack frames: permessage-deflate would cost tens of KiB of
# zlib state per socket and CPU per frame for little gain. Client frames are tiny, so cap them.
UVICORN_FLAGS := --http game.handshake:DeadlineHttpToolsProtocol --ws game.wsprotocol:ArenaWebSocketProtocol --ws-per-message-deflate false --ws-max-size 512 --lifespan on --timeout-graceful-shutdown 10 --no-proxy-headers

.PHONY: run test install lint chromium redis migrate bench loadtest clean

run: install migrate
	$(BIN)/uvicorn game.asgi:application --host $(HOST) --port $(PORT) $(UVICORN_FLAGS)

test: install chromium redis
	$(BIN)/python -m pytest
	node --test static/js/

install: $(VENV)/.installed node_modules/.installed $(VENV)/.native

# The tick, codec and socket paths compiled with mypyc (engine/native.py); a source edited
# since makes every compiled module run from its source until this rebuilds them.
NATIVE := engine/codec.py engine/protocol.py engine/match.py engine/fanout.py engine/tickmeter.py \
	engine/games/shooter/simulation.py engine/games/shooter/geometry.py \
	engine/games/football/simulation.py game/wsprotocol.py game/stream.py lobby/ratelimit.py \
	lobby/looplag.py engine/replay/columns.py engine/history.py game/inputs.py \
	game/relay.py game/inputpath.py

$(VENV)/.native: $(VENV)/.installed Makefile engine/native.py $(NATIVE)
	mkdir -p build
	$(BIN)/python -m engine.native $(NATIVE) >build/native.log 2>&1 || { tail -20 build/native.log; exit 1; }
	touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --ignore-missing-imports --follow-imports=silent $(NATIVE)  # compiled: typed

# Browser tests drive Debian's Chromium through Playwright.
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Redis-backed tests use a real Redis on 127.0.0.1:6379; start one if nothing answers there.
redis:
	@redis-cli -u $(REDIS_TEST_URL) ping >/dev/null 2>&1 || { \
	  echo "starting redis-server"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  command -v redis-server >/dev/null || { $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; }; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	  for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli ping >/dev/null 2>&1 && break; sleep 0.5; done; \
	  redis-cli ping; }

# Headless locust load test of a running server (docs/performance.md, "Locust"): players who
# queue, play and requeue, one user in ten a spectator. Writes locust's CSV and HTML reports and a
# summary (locust_summary.json) into $(LOADTEST_OUT). More cores: LOCUST_ARGS="--processes 2".
URL ?= http://$(HOST):$(PORT)
USERS ?= 500
RATE ?= 50
TIME ?= 60s
LOADTEST_OUT ?= loadtest-results
LOCUST_ARGS ?=

loadtest: $(VENV)/.installed
	mkdir -p $(LOADTEST_OUT)
	$(BIN)/locust -f loadtest/locustfile.py --headless -u $(USERS) -r $(RATE) -t $(TIME) \
	  --host $(URL) --csv $(LOADTEST_OUT)/locust --html $(LOADTEST_OUT)/locust.html \
	  --only-summary $(LOCUST_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles artifacts .pytest_cache build
	find engine game lobby -name '*.so' -delete
