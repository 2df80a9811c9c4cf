"""Seeded torch inputs for the cases of the PyTorch assignments: every tensor, generator
and weight a case hands to submitted code is drawn from the case's numpy generator, so
the reference and a submission see the same numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograder.lazy_import import lazy

if TYPE_CHECKING:
    import torch as torch_types
    from torch import nn as nn_types

# imported where a case runs (the worker), not in the judge, which loads cases for metadata
torch = lazy("torch")


def tensor(rng: np.random.Generator, *size: int, scale: float = 1.0) -> torch_types.Tensor:
    """A float64 tensor of normal values (standard deviation ``scale``)."""
    values: torch_types.Tensor = torch.tensor(scale * rng.normal(size=size))
    return values


def generator(rng: np.random.Generator) -> torch_types.Generator:
    """A CPU torch generator seeded from ``rng``."""
    g: torch_types.Generator = torch.Generator()
    g.manual_seed(int(rng.integers(2**62)))
    return g


def shapes(module: nn_types.Module) -> dict[str, list[int]]:
    """The shape of each of the module's state entries, by name: a layer the docstring
    leaves out, or one it does not name, shows as a missing or unexpected key."""
    state = module.state_dict()
    return {key: list(state[key].shape) for key in sorted(state)}
