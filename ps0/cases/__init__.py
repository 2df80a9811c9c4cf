"""Graded cases of ps0: `public` ships with the handout, `hidden` stays with the grader."""
