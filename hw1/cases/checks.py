"""Grader data and custom checks of hw1: the digits case is judged on held-out labels."""

from __future__ import annotations

from autograder.cases import DataBuilder
from autograder.heldout import accuracy_at_least, labelled_split
from dlkit.data import digits

TARGET_ACCURACY = 0.97
# The public case's split (the reference reaches 98.3% to 98.6% on it); the hidden
# case's split is not in the handout.
PUBLIC_SPLIT_SEED = 1001

held_out_accuracy = accuracy_at_least(TARGET_ACCURACY)


def digits_split(seed: int) -> DataBuilder:
    """80% of the digits with labels for training, the other 20% as images only: their
    labels go to the check alone, never to the submission."""
    return labelled_split(digits, seed, test_fraction=0.2)
