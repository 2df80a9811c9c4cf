"""Grader data and the check of hw4's VAE (`hw4.vae`).

The case trains on digits whose 64 pixels are shuffled by a secret permutation (the same
for every image) and returns the VAE's weights; the check loads them into the course's own
``VAE()`` and measures the negative ELBO on held-out digits, shuffled the same way, that
never entered the submission's process. The course's VAE is a fully connected network: it
learns the shuffled images exactly as well as the plain ones (its layers do not know which
pixels are neighbours). Weights trained elsewhere, on plain digits, fail.
"""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder
from autograder.heldout import split_indices
from autograder.trained import Threshold, Weights, on_weights, recorded_progress
from dlkit.data import digits

# Measured over 20 grading secrets (tests/hw4/test_trained_cases.py, make calibrate): the
# reference reaches 24.02 to 24.44 nats per image (median 24.24). Independent pixels
# fitted to the training images score about 27.0 nats per image.
TARGET_NATS = 25.0
SAMPLES = 10  # draws of z per held-out image in the judge's estimate
PIXELS, LATENT, HIDDEN = 64, 8, 128

VAE_SHAPES: dict[str, tuple[int, ...]] = {
    "enc_fc.weight": (HIDDEN, PIXELS),
    "enc_fc.bias": (HIDDEN,),
    "enc_mu.weight": (LATENT, HIDDEN),
    "enc_mu.bias": (LATENT,),
    "enc_logvar.weight": (LATENT, HIDDEN),
    "enc_logvar.bias": (LATENT,),
    "dec_fc.weight": (HIDDEN, LATENT),
    "dec_fc.bias": (HIDDEN,),
    "dec_out.weight": (PIXELS, HIDDEN),
    "dec_out.bias": (PIXELS,),
}


def shuffled_digits_split(test_fraction: float = 0.2) -> DataBuilder:
    """A builder giving the case ``X``, the training images (N, 64) in [0, 1] (the counts
    divided by 16), float32, and the check alone ``held_out`` and ``noise_seed``: a random
    split of the 1797 digits drawn from the case's generator, every image's pixels in one
    secret order."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        X, _ = digits()
        train, test = split_indices(len(X), test_fraction, rng)
        order = rng.permutation(PIXELS)
        X = (X[:, order] / 16.0).astype(np.float32)
        noise_seed = np.array(int(rng.integers(2**62)))
        return {"X": X[rng.permutation(train)]}, {"held_out": X[test], "noise_seed": noise_seed}

    return build


def held_out_nats(weights: Weights, data: Arrays) -> float:
    """The negative ELBO in nats per image of the course's ``VAE()`` with these weights on
    the held-out images, estimated by `hw4.vae.held_out_negative_elbo` with ``SAMPLES``
    draws per image from the judge's own noise. (Runs in the trusted evaluation process,
    which holds torch; on Gradescope, hw4 there is the reference.)"""
    import torch

    from hw4.vae import VAE, held_out_negative_elbo

    model = VAE()
    model.load_state_dict({name: torch.as_tensor(value) for name, value in weights.items()})
    generator = torch.Generator().manual_seed(int(data["noise_seed"]))
    X = torch.as_tensor(data["held_out"])
    return held_out_negative_elbo(model, X, generator, SAMPLES)


held_out_elbo = on_weights(
    VAE_SHAPES,
    held_out_nats,
    Threshold(
        "held-out negative ELBO",
        TARGET_NATS,
        at_least=False,
        format="{:.2f} nats",
        advice="train longer or with a decaying learning rate; check the KL's sign",
    ),
    hint="return VAE() built as hw4.vae's docstring says",
    first=recorded_progress("history", "mean training loss"),
    apart=True,
)

digits_split = shuffled_digits_split()
