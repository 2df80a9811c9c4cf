"""Generative adversarial networks (Goodfellow et al., 2014) for the 8x8 digits: the
discriminator's and the generator's losses in four variants, the WGAN-GP gradient
penalty, a small DCGAN-style pair of networks, and a reference training recipe.

Logits. The discriminator D outputs one real number per image, its logit s; for the
losses built on probabilities, D(x) = sigma(s) is the probability that x is real, sigma
the logistic sigmoid. r denotes the logits of a batch of real images, f those of a batch
of generated (fake) images G(z). Every loss is a mean over its batch: a sum of two terms
is the mean over the real batch plus the mean over the fake batch (the batches may differ
in size). The losses are written to be *minimized*, the discriminator's by D and the
generator's by G:

    kind              discriminator loss                      generator loss
    "minimax"         -log D(x) - log(1 - D(G(z)))            log(1 - D(G(z)))
    "non_saturating"  -log D(x) - log(1 - D(G(z)))            -log D(G(z))
    "least_squares"   (r - 1)^2 / 2 + f^2 / 2                 (f - 1)^2 / 2
    "hinge"           relu(1 - r) + relu(1 + f)               -f

"minimax" is the original game: G minimizes log(1 - D(G(z))), the very objective D
maximizes. "non_saturating" keeps D's loss and has G maximize log D(G(z)) instead.
"least_squares" (LSGAN, Mao et al., 2017) regresses the raw score s, no sigmoid, onto the
target 1 for real and 0 for fake images, G's fakes onto 1, each squared error halved.
"hinge" (Lim & Ye, 2017; Miyato et al., 2018) also uses the raw score. The losses with a
log must be computed from the logits without forming sigma(s) and taking its log
(log sigma(s) = -softplus(-s), log(1 - sigma(s)) = -softplus(s)): finite for any logits.

Images. A generated image is (N, 1, 8, 8) with pixels in [0, 1] (a sigmoid output), the
same scale as the data: the digits' counts 0..16 divided by 16.

Shapes: N images, Z = z_dim noise dimensions. Noise is an argument (z, alpha), or comes
from a given ``torch.Generator``. Device-agnostic: everything runs on the device (and
dtype) of its inputs and parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

KINDS = ("minimax", "non_saturating", "least_squares", "hinge")
Z_DIM = 16


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown GAN loss kind {kind!r}; expected one of {KINDS}")


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, kind: str
) -> torch.Tensor:
    """The discriminator's loss of ``kind`` (the module docstring's table): the mean of
    the real term over the real batch plus the mean of the fake term over the fake batch.

    Inputs:  real_logits (N_real,), fake_logits (N_fake,), kind one of `KINDS` (any other
             is a ValueError).
    Returns: a scalar (0-dim tensor).
    """
    _check_kind(kind)
    # BEGIN SOLUTION: the log terms with softplus; the squares and hinges on the raw scores
    r, f = real_logits, fake_logits
    if kind in ("minimax", "non_saturating"):
        return F.softplus(-r).mean() + F.softplus(f).mean()
    if kind == "least_squares":
        return 0.5 * ((r - 1.0) ** 2).mean() + 0.5 * (f**2).mean()
    return F.relu(1.0 - r).mean() + F.relu(1.0 + f).mean()
    # END SOLUTION


def generator_loss(fake_logits: torch.Tensor, kind: str) -> torch.Tensor:
    """The generator's loss of ``kind`` (the module docstring's table), a mean over the
    fake batch.

    Inputs:  fake_logits (N,), kind one of `KINDS` (any other is a ValueError).
    Returns: a scalar (0-dim tensor).
    """
    _check_kind(kind)
    # BEGIN SOLUTION: one line per kind; log(1 - sigma(f)) = -softplus(f)
    f = fake_logits
    if kind == "minimax":
        return -F.softplus(f).mean()
    if kind == "non_saturating":
        return F.softplus(-f).mean()
    if kind == "least_squares":
        return 0.5 * ((f - 1.0) ** 2).mean()
    return -f.mean()
    # END SOLUTION


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    alpha: torch.Tensor,
) -> torch.Tensor:
    """The WGAN-GP gradient penalty (Gulrajani et al., 2017), without its weight lambda:

        x_hat_i = alpha_i * real_i + (1 - alpha_i) * fake_i
        penalty = mean over i of (||grad_x critic(x_hat)_i||_2 - 1)^2

    where the gradient of example i is that of its own score critic(x_hat)_i with respect
    to x_hat_i (the examples do not interact: take the gradient of the sum of the scores),
    flattened to one vector per example. ``real`` and ``fake`` are constants here (the
    penalty trains the critic only): the gradient flows to the critic's parameters, through
    the gradient itself, so that ``penalty.backward()`` works (double backpropagation).

    Inputs:  critic, a function of a batch (N, ...) returning its scores (N,);
             real (N, ...), fake (N, ...), alpha (N, 1, ..., 1) in [0, 1] (one weight per
             example, broadcast over its other dimensions).
    Returns: a scalar (0-dim tensor) that can be backpropagated to the critic's parameters.
    """
    # BEGIN SOLUTION: interpolate (detached, requiring grad); autograd.grad with create_graph
    x_hat = (alpha * real.detach() + (1.0 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)  # (N,)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.flatten(start_dim=1).norm(dim=1)  # (N,)
    return ((norms - 1.0) ** 2).mean()
    # END SOLUTION


class Generator(nn.Module):
    """A small DCGAN-style generator: noise z (N, Z) -> images (N, 1, 8, 8) in [0, 1].

        h = relu(fc(z)) as (N, 64, 4, 4)           (fc: Z -> 1024, viewed channel-major)
        h = relu(up(h))                            (N, 16, 8, 8)
        x = sigmoid(out(h))                        (N, 1, 8, 8)

    ``up`` is nn.ConvTranspose2d(64, 16) with kernel 4, stride 2, padding 1 (it doubles
    the height and width); ``out`` is nn.Conv2d(16, 1) with kernel 3, padding 1 (it keeps
    them). Parameter names and shapes (the grader loads a ``state_dict`` into its own
    ``Generator(z_dim)`` by these names):

        fc.weight   (1024, Z)       fc.bias   (1024,)
        up.weight   (64, 16, 4, 4)  up.bias   (16,)
        out.weight  (1, 16, 3, 3)   out.bias  (1,)

    No batch normalization: nothing else is stored, and the generator is the same
    function in training and evaluation mode.
    """

    def __init__(self, z_dim: int = Z_DIM) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.fc = nn.Linear(z_dim, 64 * 4 * 4)
        self.up = nn.ConvTranspose2d(64, 16, kernel_size=4, stride=2, padding=1)
        self.out = nn.Conv2d(16, 1, kernel_size=3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: project and reshape, upsample, one output channel, sigmoid
        h = F.relu(self.fc(z)).view(-1, 64, 4, 4)  # (N, 64, 4, 4)
        h = F.relu(self.up(h))  # (N, 16, 8, 8)
        return torch.sigmoid(self.out(h))  # (N, 1, 8, 8)
        # END SOLUTION


class Discriminator(nn.Module):
    """A small DCGAN-style discriminator: images (N, 1, 8, 8) -> logits (N,).

        h = leaky_relu(conv(x))                    (N, 16, 4, 4)
        h = leaky_relu(conv2(h))                   (N, 32, 2, 2)
        s = fc(h flattened channel-major)          (N,)   (fc: 128 -> 1; (N,) even for N = 1)

    ``conv`` is nn.Conv2d(1, 16) and ``conv2`` nn.Conv2d(16, 32), each with kernel 4,
    stride 2, padding 1 (each halves the height and width); leaky_relu has slope 0.2.
    Parameter names and shapes:

        conv.weight   (16, 1, 4, 4)    conv.bias   (16,)
        conv2.weight  (32, 16, 4, 4)   conv2.bias  (32,)
        fc.weight     (1, 128)         fc.bias     (1,)

    No batch normalization (it would couple the examples of a batch, which the gradient
    penalty assumes they are not).
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 16, kernel_size=4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=4, stride=2, padding=1)
        self.fc = nn.Linear(32 * 2 * 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: downsample twice with leaky ReLUs, flatten, one logit each
        h = F.leaky_relu(self.conv(x), 0.2)  # (N, 16, 4, 4)
        h = F.leaky_relu(self.conv2(h), 0.2)  # (N, 32, 2, 2)
        return self.fc(h.flatten(start_dim=1)).squeeze(-1)  # (N,)
        # END SOLUTION


@torch.no_grad()
def sample_images(model: Generator, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` images (n, 1, 8, 8) from ``model`` (in evaluation mode), its noise
    ``z = torch.randn(n, model.z_dim, generator=generator)`` (on the generator's device,
    moved to the model's)."""
    model.eval()
    weight = model.fc.weight
    z = torch.randn(n, model.z_dim, generator=generator, device=generator.device)
    return model(z.to(device=weight.device, dtype=weight.dtype))


def train_gan(
    X: torch.Tensor,
    seed: int,
    history: list[tuple[float, float]] | None = None,
    on_epoch: Callable[[int, Generator], None] | None = None,
) -> Generator:
    """The graded task: train a ``Generator()`` (Z = 16) against a ``Discriminator()`` on
    the images X with the losses of this module (any kind, or the gradient penalty), and
    return a ``Generator()`` in evaluation mode: its weights are what the grader judges
    (it draws 1,000 images from them with its own noise; see the README's Task 5).

    A generator may be returned as trained, or as an average of its weights over training
    (an exponential moving average, theta_ema <- d theta_ema + (1 - d) theta after every
    generator step): the game makes the generator oscillate, and the average smooths that.
    The choice of loss, optimizer, learning rate and epochs is yours; the grader gives the
    whole case 120 s on one core.

    Reproducible from ``seed``: ``torch.manual_seed(seed)`` first, so that the initial
    weights, the batches and the noise all follow from it. ``history``: when a list is
    given, each epoch's mean (discriminator loss, generator loss) is appended to it.
    ``on_epoch``: when given, called after each epoch as ``on_epoch(epoch, generator)``
    (epochs counted from 1) with the generator you would return at that point (the
    experiments draw its samples over training; it must not change the generator).

    Inputs:  X (N, 64) in [0, 1], float32 (rows of 8x8 images); a seed.
    Returns: the trained (or averaged) Generator.
    """
    # BEGIN SOLUTION: seed; per minibatch a D step on real and detached fakes, a G step, the average
    torch.manual_seed(seed)
    device = X.device
    images = X.reshape(-1, 1, 8, 8)
    G, D = Generator().to(device), Discriminator().to(device)
    average = copy.deepcopy(G)
    epochs, batch_size, lr, decay = 40, 64, 2e-3, 0.99
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    G.train()
    D.train()
    for epoch in range(1, epochs + 1):
        d_losses, g_losses = [], []
        for rows in torch.split(torch.randperm(len(images)), batch_size):
            real = images[rows]
            fake = G(torch.randn(len(rows), G.z_dim, device=device))
            d_loss = discriminator_loss(D(real), D(fake.detach()), "non_saturating")
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = generator_loss(D(fake), "non_saturating")
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            with torch.no_grad():
                for p_avg, p in zip(average.parameters(), G.parameters(), strict=True):
                    p_avg.lerp_(p, 1.0 - decay)
            d_losses.append(d_loss.item())
            g_losses.append(g_loss.item())
        if history is not None:
            history.append((sum(d_losses) / len(d_losses), sum(g_losses) / len(g_losses)))
        if on_epoch is not None:
            on_epoch(epoch, average.eval())
            average.train()
    return average.eval()
    # END SOLUTION
