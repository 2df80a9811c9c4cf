# Course repository: instructor and developer commands.
#   make setup                 create .venv and install everything (idempotent)
#   make test                  the whole test suite and the linters
#   make handout HW=ps0        build dist/ps0/ and dist/ps0.zip (the student handout)
#   make fixtures HW=ps0       refresh the public expected-output fixtures of an assignment
#   make autograder HW=ps0     build dist/ps0-autograder.zip for Gradescope
#   make grade HW=ps0 [SUBMISSIONS=dir] [FRESH=1]  grade a folder of submissions into
#                              dist/grades/<hw>/, keeping earlier results (default: the samples)
#   make bench                 time and memory of grading

PYTHON_SYSTEM ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HW ?= ps0

.PHONY: setup sandbox-tools test lint handout fixtures autograder grade bench clean

setup: $(VENV)/.installed sandbox-tools

# The judge confines submissions with bubblewrap where it can; as root, install it.
sandbox-tools:
	@command -v bwrap >/dev/null || [ "$$(id -u)" != 0 ] || \
	  (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1) || \
	  echo "note: bubblewrap is not installed: the judge runs without a private filesystem"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# One BLAS thread, as the grader's worker uses: the matrices are small, and threads
# that fight over the cores make training many times slower.
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

test: setup lint
	$(THREADS) $(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

handout: setup
	$(PY) -m autograder handout $(HW)

fixtures: setup
	$(PY) -m autograder fixtures $(HW)

autograder: setup
	$(PY) -m autograder autograder $(HW)

GRADE_FLAGS = $(if $(SUBMISSIONS), --submissions $(SUBMISSIONS))$(if $(FRESH), --fresh)$(if $(ALLOW_UNSANDBOXED), --allow-unsandboxed)

grade: setup
	$(PY) -m autograder grade $(HW)$(GRADE_FLAGS)

bench: setup
	$(PY) -m autograder.bench

# .course-secret/ (the secret behind every graded case's inputs) is kept
clean:
	rm -rf dist
