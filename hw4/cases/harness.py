"""Set-ups the cases of hw4 share. Every random input comes from the case's generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.lazy_import import lazy
from autograder.torch_inputs import tensor

# imported where a case runs (the worker), not in the judge, which loads this for metadata
torch = lazy("torch")
nn = lazy("torch.nn")


KINDS = ("minimax", "non_saturating", "least_squares", "hinge")  # hw4.gan's loss kinds


def with_weights(module: nn.Module, rng: np.random.Generator, scale: float = 0.3) -> nn.Module:
    """``module`` in float64 with every parameter drawn from ``rng`` (normal, standard
    deviation ``scale``), in the order of the parameters' names: a module built as its
    docstring says gets the same values as the reference's."""
    module = module.double()
    with torch.no_grad():
        for _, parameter in sorted(module.named_parameters()):
            parameter.copy_(torch.tensor(scale * rng.normal(size=tuple(parameter.shape))))
    return module


def raised(func: Any, *args: Any, **options: Any) -> str:
    """The name of the exception ``func(*args, **options)`` raised, or "none"."""
    try:
        func(*args, **options)
    except Exception as exc:  # the case compares the name with the reference's
        return type(exc).__name__
    return "none"


class FixedField:
    """A model of the grader's own for the sampler cases: ``model(x, t)`` (x (N, D), t (N,))
    returns tanh(x A + c t / scale), a smooth function of the point and the time. It keeps
    every time tensor it was given, so that a case can return the steps a sampler asked for
    (and their dtype)."""

    def __init__(self, rng: np.random.Generator, D: int, scale: float) -> None:
        self.A = torch.tensor(rng.normal(size=(D, D)) / np.sqrt(D))
        self.c = torch.tensor(rng.normal(size=D))
        self.scale = scale
        self.times: list[Any] = []

    def __call__(self, x: Any, t: Any) -> Any:
        if tuple(t.shape) != tuple(x.shape[:1]):
            raise ValueError(
                f"model(x, t) takes t of shape (N,) = ({x.shape[0]},), one time per example; "
                f"got t of shape {tuple(t.shape)}"
            )
        if t.is_floating_point() and t.dtype != x.dtype:
            raise ValueError(f"model(x, t) takes t in x's dtype {x.dtype}; got {t.dtype}")
        self.times.append(t.detach().clone())
        flat = x.reshape(x.shape[0], -1).to(torch.float64)
        tt = t.to(torch.float64)[:, None] / self.scale
        return torch.tanh(flat @ self.A + self.c * tt).to(x.dtype).reshape(x.shape)

    def calls(self) -> dict[str, Any]:
        """The time steps of the calls: the first entry of each call's tensor, whether
        each tensor holds one value throughout, and whether each is floating point."""
        return {
            "first": np.array([float(t.reshape(-1)[0]) for t in self.times]),
            "uniform": np.array([bool((t == t.reshape(-1)[0]).all()) for t in self.times]),
            "floating": np.array([t.is_floating_point() for t in self.times]),
        }


def uniform(rng: np.random.Generator, *size: int) -> torch.Tensor:
    """A float64 tensor of values uniform in [0, 1] (pixel intensities)."""
    return torch.tensor(rng.uniform(size=size))


def gradients(loss: torch.Tensor, *inputs: torch.Tensor) -> list:
    """The gradient of ``loss`` with respect to each input (zeros where it does not
    depend on one): a function that detaches a term shows."""
    grads = torch.autograd.grad(loss, inputs, allow_unused=True)
    return [torch.zeros_like(x) if g is None else g for g, x in zip(grads, inputs, strict=True)]


def critic_network(rng: np.random.Generator, features: int) -> nn.Sequential:
    """The grader's critic for the gradient-penalty cases: a small tanh network on
    flattened inputs (one score each), float64, its weights drawn from ``rng``. (Built
    in a function: the judge loads this module without torch.)"""
    network = nn.Sequential(
        nn.Flatten(), nn.Linear(features, 6), nn.Tanh(), nn.Linear(6, 1), nn.Flatten(0)
    )
    return with_weights(network, rng, scale=0.8)


def penalty_outputs(sub, rng: np.random.Generator, shape: tuple[int, ...]) -> dict:
    """gradient_penalty of the grader's critic on real and fake batches of ``shape``, one
    alpha per example: the penalty, its gradient with respect to every parameter of the
    critic (by double backpropagation), and whether any gradient reached the real or the
    fake batch (the penalty treats them as constants)."""
    critic = critic_network(rng, int(np.prod(shape[1:])))
    real, fake = tensor(rng, *shape), tensor(rng, *shape)
    real.requires_grad_(True)
    fake.requires_grad_(True)
    alpha = torch.tensor(rng.uniform(size=(shape[0],) + (1,) * (len(shape) - 1)))
    penalty = sub.gan.gradient_penalty(critic, real, fake, alpha)
    if not getattr(penalty, "requires_grad", False):
        raise ValueError(
            "the penalty has no graph back to the critic's parameters: take the gradient "
            "with torch.autograd.grad(..., create_graph=True), so that penalty.backward() "
            "reaches them (double backpropagation)"
        )
    penalty.backward()
    return {
        "penalty": penalty.detach(),
        "critic_gradients": {
            name: torch.zeros_like(p) if p.grad is None else p.grad
            for name, p in sorted(critic.named_parameters())
        },
        "reached_inputs": real.grad is not None or fake.grad is not None,
    }


def episodes_batch(
    rng: np.random.Generator, lengths: list[int], ends: list[str], dtype: Any = None
) -> dict[str, Any]:
    """A rollout batch of episodes laid end to end, of the given lengths, each ending as
    ``ends`` says ("terminated" or "truncated"): random rewards and values, and next
    values that are the values of the next step within an episode (the value of the
    final observation, a fresh number, at a truncated end; any number at a terminated
    end, where it must be ignored)."""
    dtype = dtype or torch.float64
    T = sum(lengths)
    rewards = torch.tensor(rng.normal(size=T), dtype=dtype)
    values = torch.tensor(rng.normal(size=T), dtype=dtype)
    next_values = torch.cat([values[1:], values[:1]]).clone()
    terminated = torch.zeros(T, dtype=torch.bool)
    truncated = torch.zeros(T, dtype=torch.bool)
    last = np.cumsum(lengths) - 1
    for end, how in zip(last, ends, strict=True):
        next_values[end] = float(rng.normal(scale=3.0))  # the final observation's value
        (terminated if how == "terminated" else truncated)[end] = True
    return {
        "rewards": rewards,
        "values": values,
        "next_values": next_values,
        "terminated": terminated,
        "truncated": truncated,
        "dones": terminated | truncated,
    }


def point_denoiser(image: torch.Tensor, alpha_bar: torch.Tensor) -> nn.Module:
    """The exact noise predictor of a data set of one image c (N, 1, 8, 8 broadcast):
    eps(x_t, t) = (x_t - sqrt(alpha_bar_t) c) / sqrt(1 - alpha_bar_t), so that DDIM
    returns c exactly. c is a parameter (a sampler reads the model's dtype from its
    parameters). (Built in a function: the judge loads this module without torch.)"""

    class PointDenoiser(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c = nn.Parameter(image.clone(), requires_grad=False)

        def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            a = alpha_bar.to(x.dtype)[t - 1].reshape(-1, *([1] * (x.dim() - 1)))
            return (x - a.sqrt() * self.c) / (1 - a).sqrt()

    return PointDenoiser()
