"""Grader data and the check of hw4's generative models of the digits (the GAN's
generator, `hw4.gan`, and the diffusion model, `hw4.digit_diffusion`).

The case trains on 80% of the digits, every image turned or mirrored by one secret
symmetry of the square, and returns the model's weights. The check loads them into the
course's own network, draws 1,000 images from the judge's own noise, turns them back,
and scores them with the trusted digits classifier (`dlkit.digits_judge`): their
Frechet distance to the training images in the classifier's features, their inception
score, how many of the ten digits they cover, and whether they are copies of training
images. A model trained on plain digits draws digits the wrong way round and fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograder.cases import Arrays, DataBuilder, Verdict
from autograder.heldout import orient, split_indices, unorient
from autograder.outputs import Outputs
from autograder.trained import Threshold, Weights, WeightsCheck, weights_problem
from dlkit.data import digits

SAMPLES = 1000  # images the judge draws, the number the thresholds were calibrated on
# dlkit.digits_judge.SAMPLE_THRESHOLDS.fid_max, the headline bound, restated because that
# module imports torch and the judge loads this one without it (a test keeps them equal)
FID_MAX = 80.0
Z_DIM = 16

GENERATOR_SHAPES: dict[str, tuple[int, ...]] = {
    "fc.weight": (1024, Z_DIM),
    "fc.bias": (1024,),
    "up.weight": (64, 16, 4, 4),
    "up.bias": (16,),
    "out.weight": (1, 16, 3, 3),
    "out.bias": (1,),
}


DENOISER_SHAPES: dict[str, tuple[int, ...]] = {
    "net.0.weight": (256, 64 + 64),
    "net.0.bias": (256,),
    "net.2.weight": (256, 256),
    "net.2.bias": (256,),
    "net.4.weight": (256, 256),
    "net.4.bias": (256,),
    "net.6.weight": (64, 256),
    "net.6.bias": (64,),
}


def turned_digits_split(test_fraction: float = 0.2) -> DataBuilder:
    """A builder giving the case ``X``, the training images (N, 64) in [0, 1] (the counts
    divided by 16), float32, each under one secret symmetry of the square; and the check
    ``train`` (the same images, plain), ``turn`` and ``noise_seed``."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        X, _ = digits()
        train, _ = split_indices(len(X), test_fraction, rng)
        turn = int(rng.integers(8))
        plain = (X[rng.permutation(train)] / 16.0).astype(np.float32)
        noise_seed = np.array(int(rng.integers(2**62)))
        return (
            {"X": orient(plain, turn, (8, 8))},
            {"train": plain, "turn": np.array(turn), "noise_seed": noise_seed},
        )

    return build


Scores = Callable[[Weights, Arrays], dict[str, float]]


def _scores_of(images: np.ndarray, data: Arrays) -> dict[str, float]:
    """The judge's scores (`dlkit.digits_judge.score_samples`) of images (N, 64) drawn
    from a model trained on the turned digits, turned back to the plain orientation."""
    import torch

    from dlkit.digits_judge import score_samples

    plain = unorient(images.astype(np.float64), int(data["turn"]), (8, 8))
    return score_samples(torch.as_tensor(plain), torch.as_tensor(data["train"]))


def generator_scores(weights: Weights, data: Arrays) -> dict[str, float]:
    """The judge's scores of SAMPLES images drawn from the course's ``Generator()`` with
    these weights and the judge's noise (`hw4.gan.sample_images`). (Trusted evaluation
    process; on Gradescope, hw4 there is the reference.)"""
    import torch

    from hw4.gan import Generator, sample_images

    model = Generator(Z_DIM)
    model.load_state_dict({name: torch.as_tensor(value) for name, value in weights.items()})
    generator = torch.Generator().manual_seed(int(data["noise_seed"]))
    images = sample_images(model.float(), SAMPLES, generator)
    return _scores_of(images.reshape(SAMPLES, 64).numpy(), data)


def denoiser_scores(weights: Weights, data: Arrays) -> dict[str, float]:
    """The judge's scores of SAMPLES images drawn by DDIM (`hw4.digit_diffusion.
    sample_digits`, DDIM_STEPS steps) from the course's ``DigitDenoiser()`` with these
    weights and the judge's noise. (Trusted evaluation process.)"""
    import torch

    from hw4.digit_diffusion import DigitDenoiser, sample_digits

    model = DigitDenoiser()
    model.load_state_dict({name: torch.as_tensor(value) for name, value in weights.items()})
    generator = torch.Generator().manual_seed(int(data["noise_seed"]))
    images = sample_digits(model.float().eval(), SAMPLES, generator)
    return _scores_of(images.reshape(SAMPLES, 64).numpy(), data)


def generator_fid(weights: Weights, data: Arrays) -> float:
    """The Frechet distance of `generator_scores`, the headline score."""
    return generator_scores(weights, data)["fid"]


def denoiser_fid(weights: Weights, data: Arrays) -> float:
    """The Frechet distance of `denoiser_scores`, the headline score."""
    return denoiser_scores(weights, data)["fid"]


@dataclass(frozen=True, eq=False)
class SamplesCheck(WeightsCheck):
    """A trained generative model judged on samples the judge draws from its weights:
    every bound of `dlkit.digits_judge.SAMPLE_THRESHOLDS` must hold. The headline score
    (what calibration records) is the Frechet distance."""

    scores: Scores | None = None

    def judge(self, got: Outputs, expected: Outputs, data: Arrays) -> tuple[Verdict, float | None]:
        from dlkit.digits_judge import SAMPLE_THRESHOLDS

        if not isinstance(got, dict) or "weights" not in got:
            return Verdict(0.0, "the case returned no weights"), None
        problem = weights_problem(got["weights"], self.shapes, self.hint)
        if problem:
            return Verdict(0.0, problem), None
        assert self.scores is not None
        scores = self.scores(dict(got["weights"]), data)
        shown = (
            f"FID {scores['fid']:.1f}, inception score {scores['inception_score']:.2f}, "
            f"{scores['coverage']:.0f} of 10 digits covered, "
            f"{scores['copy_fraction']:.1%} copies of training images (median distance to "
            f"the nearest {scores['nearest_distance']:.2f})"
        )
        failures = SAMPLE_THRESHOLDS.failures(scores)
        if failures:
            return Verdict(
                0.0, f"{shown}: short of the bounds: {'; '.join(failures)}: {self.threshold.advice}"
            ), scores["fid"]
        return Verdict(1.0, shown), scores["fid"]


generator_samples = SamplesCheck(
    GENERATOR_SHAPES,
    generator_fid,
    Threshold(
        "FID",
        FID_MAX,
        at_least=False,
        advice="train longer, average the generator's weights, or check the losses' signs",
    ),
    hint="return Generator() built as hw4.gan's docstring says",
    apart=True,
    scores=generator_scores,
)

denoiser_samples = SamplesCheck(
    DENOISER_SHAPES,
    denoiser_fid,
    Threshold(
        "FID",
        FID_MAX,
        at_least=False,
        advice="train longer, with a decaying learning rate; check the scales ([-1, 1])",
    ),
    hint="return DigitDenoiser() built as hw4.digit_diffusion's docstring says",
    apart=True,
    scores=denoiser_scores,
)

digits_split = turned_digits_split()
