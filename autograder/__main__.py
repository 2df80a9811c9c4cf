import os
import sys

# One BLAS thread per process, set before numpy or torch loads: the matrices are small,
# and threads that fight over the cores (a batch runs a grader per core) make reference
# runs and grading many times slower.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from autograder.cli import main  # noqa: E402 - after the thread settings

sys.exit(main())
