# backup-auditor: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint types unit install install-dev system-deps bench clean rules-table mutation

## make demo: venv + install + full audit of the embedded sandbox organization -> reports/demo/
demo: $(VENV)/.installed-sandbox
	$(BIN)/backup-auditor demo --out reports/demo --force

## make test: install what tests need (pip and apt), then lint, types, tests; here a missing
## Chromium fails the browser tests (a plain pytest run skips them, saying why)
test: REQUIRE_BROWSER := 1
test: install-dev system-deps lint types unit

lint:
	$(BIN)/ruff check auditor tests benchmarks scripts
	$(BIN)/ruff format --check auditor tests benchmarks scripts

types:
	$(BIN)/mypy --strict auditor
	$(BIN)/mypy --strict --explicit-package-bases tests benchmarks scripts

REQUIRE_BROWSER ?= 0
unit:
	BACKUP_AUDITOR_REQUIRE_BROWSER=$(REQUIRE_BROWSER) $(BIN)/python -m pytest -q -p no:cacheprovider

install-dev: $(VENV)/.installed-dev

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	touch $@

$(VENV)/.installed-sandbox: pyproject.toml $(VENV)/.created
	$(PIP) install -e '.[sandbox]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.created
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed-sandbox

## apt packages the browser tests need (Debian chromium); idempotent
system-deps:
	bash scripts/install-system-deps.sh

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/collect.py
	$(PY) benchmarks/evaluate.py
	$(PY) benchmarks/merge.py
	$(PY) benchmarks/outputs.py

## make mutation: mutmut over auditor/protection/ and auditor/rules/ with their fast tests
## ([tool.mutmut] in pyproject.toml), then the score and the survivors. Slow; not part of make test.
## Results are cached in mutants/ per source file: a rerun only tests what changed.
## MUTANTS='auditor.protection.*' runs one package or module (mutmut name globs); the score then
## says PARTIAL and lists what has not run yet
## MUTATION_WRAP prefixes the run (default: lowest CPU priority; on a shared machine add its lock,
## e.g. MUTATION_WRAP='flock /path/to/lock nice -n 19' MUTATION_JOBS=1)
MUTATION_JOBS ?= 2
MUTATION_WRAP ?= nice -n 19
MUTANTS ?=
mutation: $(VENV)/.installed-dev
	$(MUTATION_WRAP) $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(PY) scripts/mutation_score.py --mutmut $(BIN)/mutmut

## regenerate the README rule table and IAM list, and the bundle's operations table, from the code
rules-table: $(VENV)/.installed-sandbox
	$(PY) -m auditor.rules.doc --update README.md
	$(PY) -m auditor.services.doc --update docs/evidence-bundle.md

## rebuild the rule scenarios (tests/rules/scenarios.py): bundles -> fixtures/rules/_bundles/ (git-ignored),
## their findings -> fixtures/rules/<ID>/*.json (committed: review the diff); the report goldens'
## bundle (tests/report/report_bundle.py) -> fixtures/report/_bundle/ (git-ignored)
.PHONY: fixtures
fixtures:
	PYTHONPATH=. $(PY) -m tests.rules.rule_fixtures --update --bundles fixtures/rules/_bundles
	PYTHONPATH=. $(PY) -m tests.report.report_bundle fixtures/report/_bundle

clean:
	rm -rf $(VENV) reports/demo .mypy_cache .ruff_cache .pytest_cache mutants
