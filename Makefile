# Two commands do all the set-up:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo run test bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed          ## install, then run the offline demo (bundled site, real service)
	$(BIN)/feedbot demo

run: $(VENV)/.installed           ## install, then run the service against the configured sources
	$(BIN)/feedbot run

test: $(VENV)/.installed          ## install, then run the whole test suite
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed         ## run every benchmark (loopback only) and print the figures
	for f in bench/bench_*.py bench/extract_quality.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
