# Two commands for a fresh machine: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000
PYTEST_WORKERS ?= 2

.PHONY: run serve radio test install install-dev migrate static seed lint bench clean

# The marker files make installs incremental: pip runs again only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

# The free SoundFonts the engine's instruments prefer (README: OS packages), installed when apt-get is there and
# we are root; elsewhere the engine falls back to pretty_midi's TimGM6mb, so this never fails the run.
SOUNDFONT_PACKAGES := fluid-soundfont-gm musescore-general-soundfont-small avldrums.lv2-soundfont
soundfonts:
	@if [ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] && [ -f /usr/share/sounds/sf3/MuseScore_General_Lite.sf3 ] \
		&& [ -f /usr/share/sounds/sf2/Black_Pearl_4_LV2.sf2 ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SOUNDFONT_PACKAGES) >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SOUNDFONT_PACKAGES) >/dev/null) \
		|| echo "WARNING: could not install $(SOUNDFONT_PACKAGES); the engine plays pretty_midi's TimGM6mb instead."; \
	else echo "NOTE: install $(SOUNDFONT_PACKAGES) for the better instruments (needs root and apt-get)."; fi

# Idempotent. A failing demo step is reported but does not keep the cockpit from starting.
seed: migrate
	$(PY) manage.py seed_demo || echo "WARNING: some demo seed steps failed (see above); starting anyway."

# Web server and django-q2 worker together; Ctrl-C (or stopping make) stops both.
# The worker starts in its own session, so it gets exactly one TERM, from the exit trap: a signal reaching its
# sentinel directly, or a second one while the cluster is stopping, can leave it hung.
# No autoreload: this runs the platform; use `.venv/bin/python manage.py runserver` to develop with reloads.
# Two worker clusters: interactive (e-mail, publishing, single renders) and bulk (batches, analysis, mixes).
# librosa's kernels are compiled first, in one process (numba's cache breaks when workers compile them at once;
# a cache broken earlier crashes the first try, and is rebuilt).
WORKERS = { $(PY) manage.py warm_audio_cache || $(PY) manage.py warm_audio_cache --rebuild; }; \
	$(PY) -c 'import os, sys; os.setsid(); os.execv(sys.executable, [sys.executable, *sys.argv[1:]])' \
		manage.py qcluster & interactive=$$!; \
	Q_CLUSTER_NAME=bulk $(PY) -c 'import os, sys; os.setsid(); os.execv(sys.executable, [sys.executable, *sys.argv[1:]])' \
		manage.py qcluster & bulk=$$!; \
	trap 'kill -TERM $$interactive $$bulk 2>/dev/null; wait $$interactive $$bulk 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM HUP

run: soundfonts seed static
	@echo "Cockpit: http://$(HOST)/admin/  API: http://$(HOST)/api/v1/  (admin password printed on first run)"
	@$(WORKERS); \
	$(PY) manage.py runserver --noreload $(HOST)

# Production serving on the embedded default: gunicorn (gunicorn.conf.py) with DEBUG off, both worker clusters.
# A SECRET_KEY is generated once into .secret_key unless one is set, and every step runs with it (tasks are signed
# with it); plain HTTP on this host (no TLS redirect: put a proxy in front for HTTPS).
serve: static
	@test -s .secret_key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key
	@export DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" \
		SERVE_MEDIA="$${SERVE_MEDIA:-1}" GUNICORN_BIND="$(HOST)"; \
	$(PY) manage.py migrate --noinput && \
	{ $(PY) manage.py seed_demo || echo "WARNING: some demo seed steps failed (see above); starting anyway."; } && \
	echo "Serving with gunicorn on http://$(HOST)/ (DEBUG off)" && \
	$(WORKERS); \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py lofi_site.wsgi

# The demo station (slug `demo`, seeded by seed_demo): Icecast, Liquidsoap and the supervisor; the platform must be
# reachable at SITE_URL (run `make run` in another terminal). Installs Liquidsoap and Icecast first where apt-get is
# available as root; without them `manage.py radio` says what is missing.
radio: seed
	@if { ! command -v liquidsoap >/dev/null || ! command -v icecast2 >/dev/null; } \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liquidsoap icecast2 >/dev/null; \
	fi
	$(PY) manage.py radio demo

# The suite runs on the embedded broker and cache whatever the shell says (tests count rows in the ORM queue and
# rely on a private cache); a REDIS_URL given here goes to the one test that sends a task through Redis.
test: lint
	CI_REDIS_URL="$${CI_REDIS_URL:-$$REDIS_URL}" REDIS_URL= $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

bench: install
	@for script in $(wildcard bench/*.py); do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 media private_media staticfiles
