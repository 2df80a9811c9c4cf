"""The course's grading engine: cases, comparison, stubs and handouts, results."""
