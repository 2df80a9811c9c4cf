"""Grader data and the checks of hw4's 2-D generative models (`hw4.diffusion`'s
``Denoiser2D``, `hw4.flow`'s ``VelocityField2D``).

The case trains on points of the two moons turned by a secret rotation (mirrored or not)
and returns the model's weights; the check loads them into the course's own network, draws
points with the course's sampler from the judge's own noise, and measures their energy
distance to held-out points of the same turned moons, which never entered the
submission's process. Weights trained on the plain moons fail a turned case.
"""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder
from autograder.trained import Threshold, Weights, on_weights
from dlkit.toy2d import energy_distance, two_moons

# Measured over 20 grading secrets (tests/hw4/test_trained_cases.py, make calibrate): the
# reference diffusion model reaches 0.048 to 0.089, the reference flow 0.045 to 0.079.
# The floor, two held-out sets of the same size, is about 0.02; a Gaussian fitted to the
# points scores about 0.15.
TARGET_DISTANCE = 0.12
TRAIN_POINTS, HELD_OUT_POINTS, SAMPLES = 2000, 1000, 1000
FLOW_STEPS = 100  # Euler steps of the judge's flow sampler
HIDDEN, TIME_DIM = 128, 32


def point_mlp_shapes(prefix: str = "net") -> dict[str, tuple[int, ...]]:
    """The state of ``point_mlp(TIME_DIM, HIDDEN)`` under ``prefix`` (hw4.diffusion)."""
    sizes = [(HIDDEN, 2 + TIME_DIM), (HIDDEN, HIDDEN), (HIDDEN, HIDDEN), (2, HIDDEN)]
    shapes: dict[str, tuple[int, ...]] = {}
    for layer, (out, inp) in zip((0, 2, 4, 6), sizes, strict=True):
        shapes[f"{prefix}.{layer}.weight"] = (out, inp)
        shapes[f"{prefix}.{layer}.bias"] = (out,)
    return shapes


POINT_MLP_SHAPES = point_mlp_shapes()


def turned_moons() -> DataBuilder:
    """A builder giving the case ``X``, TRAIN_POINTS points (N, 2) float32 of the
    standardized two moons, and the check alone ``held_out`` (HELD_OUT_POINTS more) and
    ``noise_seed``: all turned by one secret rotation, mirrored or not (an orthogonal
    matrix drawn from the case's generator)."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        angle = rng.uniform(0.0, 2 * np.pi)
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        if rng.random() < 0.5:
            turn = turn @ np.diag([1.0, -1.0])
        X = two_moons(TRAIN_POINTS, rng) @ turn.T
        held_out = two_moons(HELD_OUT_POINTS, rng) @ turn.T
        noise_seed = np.array(int(rng.integers(2**62)))
        return {"X": X.astype(np.float32)}, {"held_out": held_out, "noise_seed": noise_seed}

    return build


def _loaded(model, weights: Weights):  # type: ignore[no-untyped-def]
    import torch

    model.load_state_dict({name: torch.as_tensor(value) for name, value in weights.items()})
    return model.float().eval()


def diffusion_distance(weights: Weights, data: Arrays) -> float:
    """Energy distance to the held-out points of SAMPLES points drawn by DDPM
    (`hw4.diffusion.sample`, ``cosine_betas(T_2D)``) from the course's ``Denoiser2D()``
    with these weights and the judge's generator. (Trusted evaluation process.)"""
    import torch

    from hw4.diffusion import T_2D, Denoiser2D, cosine_betas, sample

    model = _loaded(Denoiser2D(HIDDEN, TIME_DIM), weights)
    generator = torch.Generator().manual_seed(int(data["noise_seed"]))
    points = sample(model, (SAMPLES, 2), generator, cosine_betas(T_2D), dtype=torch.float32)
    return energy_distance(points.double().numpy(), data["held_out"])


def flow_distance(weights: Weights, data: Arrays) -> float:
    """Energy distance to the held-out points of SAMPLES points carried by
    `hw4.flow.euler_sample` (FLOW_STEPS steps) from the judge's standard normal noise by
    the course's ``VelocityField2D()`` with these weights. (Trusted evaluation process.)"""
    import torch

    from hw4.flow import VelocityField2D, euler_sample

    model = _loaded(VelocityField2D(HIDDEN, TIME_DIM), weights)
    generator = torch.Generator().manual_seed(int(data["noise_seed"]))
    x0 = torch.randn(SAMPLES, 2, generator=generator)
    return energy_distance(euler_sample(model, x0, FLOW_STEPS).double().numpy(), data["held_out"])


def _threshold(advice: str) -> Threshold:
    return Threshold(
        "energy distance to held-out points",
        TARGET_DISTANCE,
        at_least=False,
        format="{:.3f}",
        advice=advice,
    )


diffusion_samples = on_weights(
    POINT_MLP_SHAPES,
    diffusion_distance,
    _threshold("train longer, with a decaying learning rate; check q_sample and the sampler"),
    hint="return Denoiser2D() built as hw4.diffusion's docstring says",
    apart=True,
)

flow_samples = on_weights(
    POINT_MLP_SHAPES,
    flow_distance,
    _threshold("train longer, with a decaying learning rate; check the path and its velocity"),
    hint="return VelocityField2D() built as hw4.flow's docstring says",
    apart=True,
)

moons = turned_moons()
