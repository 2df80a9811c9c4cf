# Course repository: instructor and developer commands.
#   make setup                 create .venv and install everything (idempotent)
#   make test                  the whole test suite and the linters
#   make handout HW=ps0        build dist/ps0/ and dist/ps0.zip (the student handout)
#   make fixtures HW=ps0       refresh the public expected-output fixtures of an assignment
#   make autograder HW=ps0     build dist/ps0-autograder.zip for Gradescope
#   make grade HW=ps0 [SUBMISSIONS=dir] [FRESH=1]  grade a folder of submissions into
#                              dist/grades/<hw>/, keeping earlier results (default: the samples)
#   make bench                 time and memory of grading
#   make calibrate             the trained-model cases' thresholds over 20 grading secrets

PYTHON_SYSTEM ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HW ?= ps0

.PHONY: setup sandbox-tools test calibrate lint handout fixtures autograder grade bench clean

setup: $(VENV)/.installed sandbox-tools

# The judge confines submissions with bubblewrap where it can; as root, install it.
sandbox-tools:
	@command -v bwrap >/dev/null || [ "$$(id -u)" != 0 ] || \
	  (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1) || \
	  echo "note: bubblewrap is not installed: the judge runs without a private filesystem"

# On Linux without an NVIDIA GPU, torch's CPU build (about 1 GB, not 5.5 GB) from
# PyTorch's own index; where that index is out of reach, the default build from PyPI.
CPU_INDEX := https://download.pytorch.org/whl/cpu
TORCH_PINS = $(shell grep -oE '"(torch|torchvision)==[^"]+"' pyproject.toml | tr -d '"' | sed 's/$$/+cpu/')

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	@if [ "$$(uname -s)" = Linux ] && ! command -v nvidia-smi >/dev/null; then \
	  if $(PY) -m pip install --quiet --disable-pip-version-check --retries 0 \
	       --index-url $(CPU_INDEX) $(TORCH_PINS) >/dev/null 2>&1; then \
	    echo "no NVIDIA GPU: installed the CPU build of torch"; \
	  else \
	    echo "no NVIDIA GPU, but PyTorch's CPU index is out of reach: installing the default build of torch (about 5 GB)"; \
	  fi; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# One BLAS thread, as the grader's worker uses: the matrices are small, and threads
# that fight over the cores make training many times slower.
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# Three workers on two cores: many tests wait on a case's time limit rather than compute
# (the whole suite takes about 11 minutes so, 19 in one process).
test: setup lint
	$(THREADS) $(PY) -m pytest -n 3

# Minutes per trained-model case: each trains the reference 20 times (two at a time).
calibrate: setup
	$(THREADS) $(PY) -m pytest -m calibration

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
