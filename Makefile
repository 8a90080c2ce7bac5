# Two entry points: `make run` opens the workbench, `make test` runs the suite headless.
# Each one creates .venv and installs what pyproject.toml declares, once.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	cd benchmarks && QT_QPA_PLATFORM=offscreen ../$(BIN)/python run_all.py

clean:
	rm -rf $(VENV) .pytest_cache
