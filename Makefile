# Parley: two commands do all the set-up on a fresh machine.
#   make run   - create .venv, install everything, fetch the starter model, start the app
#   make test  - the same set-up, then lint, import contracts and the whole test suite
# A second run reuses .venv and the verified model (nothing is rebuilt or fetched again).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.parley-installed
MODEL  := resources/models/SmolLM2-135M-Instruct.Q4_1.gguf
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: setup run test check lint bench package package-test translations lupdate clean

setup: $(STAMP) $(MODEL) translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

$(MODEL): | $(STAMP)
	$(BIN)/python scripts/fetch_starter_model.py

translations: | $(STAMP)
	$(BIN)/python scripts/build_translations.py

# After changing user-visible strings: collect them into the .ts file, then translate the
# entries marked unfinished (tests/gui/test_i18n.py fails until every one is translated).
lupdate: $(STAMP)
	$(BIN)/pyside6-lupdate $$(find app -name '*.py' | sort) \
		-ts resources/translations/parley_zh_CN.ts -no-obsolete

run: setup
	$(BIN)/parley

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider

check: test
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf build dist .mypy_cache .ruff_cache

# Packaging (packaging/README.md). `package` builds dist/Parley/ (PyInstaller, skipped when
# nothing changed) and, on Linux, the .tar.gz and the .deb; `package-test` runs the frozen
# app's self-test, opens its window on Xvfb and checks the .deb in a throwaway root.
.PHONY: bench-package

package: setup
	$(BIN)/python packaging/build_bundle.py
	$(BIN)/python packaging/build_linux.py

package-test: package
	PARLEY_REQUIRE_BUNDLE=1 $(BIN)/python -m pytest -p no:cacheprovider tests/package

bench-package: package
	$(BIN)/python -m bench.package
