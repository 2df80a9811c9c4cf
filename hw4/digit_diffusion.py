"""Denoising diffusion on the 8x8 digits: a noise predictor for whole images, its
training recipe, and a sampler that turns its noise back into digits.

**Scales.** The data are the digits' counts 0..16 divided by 16, rows X (N, 64) in [0, 1].
The diffusion runs on x = 2 X - 1, pixels in [-1, 1] (the background is -1), shaped as
images (N, 1, 8, 8); a generated x_0 is mapped back by (x + 1) / 2 and clipped to [0, 1].

**Schedule.** T_DIGITS = 1000 steps of the linear schedule of DDPM, beta_t from BETA_1 to
BETA_T (`digit_betas`); alpha_bar_T is about 4e-5, so x_T is standard normal for all
practical purposes. Training uses every step (t uniform in 1..T, `hw4.diffusion.noise_loss`);
sampling uses `hw4.diffusion.sample` with DDIM on DDIM_STEPS of them.

Randomness is passed in or seeded: `train_diffusion_digits` calls ``torch.manual_seed``,
`sample_digits` draws from the generator it is given (through `hw4.diffusion.sample`).
"""

from __future__ import annotations

import torch
from torch import nn

from hw4.diffusion import alphas_cumprod, linear_betas, noise_loss, sample, time_embedding

T_DIGITS = 1000  # diffusion steps of the digits
BETA_1, BETA_T = 1e-4, 0.02  # the ends of the linear schedule (DDPM's)
DDIM_STEPS = 50  # steps of the sampler the grader uses
HIDDEN, TIME_DIM = 256, 64  # DigitDenoiser's default sizes


def digit_betas() -> torch.Tensor:
    """The schedule of the digits: ``linear_betas(T_DIGITS, BETA_1, BETA_T)``, (T,) float64."""
    return linear_betas(T_DIGITS, BETA_1, BETA_T)


class DigitDenoiser(nn.Module):
    """A noise predictor for 8x8 images: an MLP on the 64 pixels and the `time_embedding`
    of the (1-based, integer) time step, concatenated,

        eps_hat = net([x flattened, time_embedding(t, time_dim)]) reshaped as x,

    ``net`` = Linear(64 + time_dim, hidden), SiLU, Linear(hidden, hidden), SiLU,
    Linear(hidden, hidden), SiLU, Linear(hidden, 64), an ``nn.Sequential``. Parameter
    names and shapes (the grader loads a ``state_dict`` into its own ``DigitDenoiser()``),
    with the default hidden = 256, time_dim = 64:

        net.0.weight (256, 128)   net.0.bias (256,)
        net.2.weight (256, 256)   net.2.bias (256,)
        net.4.weight (256, 256)   net.4.bias (256,)
        net.6.weight (64, 256)    net.6.bias (64,)

    Inputs of forward: x (N, 1, 8, 8) (or (N, 64)) on the [-1, 1] scale, noised;
    t (N,) int64 in 1..T. Returns: eps_hat, x's shape and dtype.
    """

    def __init__(self, hidden: int = HIDDEN, time_dim: int = TIME_DIM) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.net = nn.Sequential(
            nn.Linear(64 + time_dim, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, 64),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: flatten, concatenate the embedding, reshape the output like x
        emb = time_embedding(t.to(x.dtype), self.time_dim)  # (N, time_dim)
        out: torch.Tensor = self.net(torch.cat([x.flatten(start_dim=1), emb], dim=1))  # (N, 64)
        return out.view_as(x)
        # END SOLUTION


def train_diffusion_digits(X: torch.Tensor, seed: int) -> DigitDenoiser:
    """The graded task: train a ``DigitDenoiser()`` (default sizes) with `noise_loss` under
    `digit_betas` on the images X, moved to the [-1, 1] scale and shaped (N, 1, 8, 8), and
    return it in evaluation mode.

    The grader loads the returned model's ``state_dict()`` into its own
    ``DigitDenoiser()``, draws images with `sample_digits` and its own generator, and
    scores them with a classifier of its own against the images the model trained on
    (confident, varied digits, not copies of training images).

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first, so that the initial
    weights, the batches, the time steps and the noise all follow from it. Budget: about
    20 s on one CPU thread.

    Inputs:  X (N, 64) in [0, 1] (the counts / 16), float32; seed.
    Returns: the trained DigitDenoiser (float32).
    """
    # BEGIN SOLUTION: seed; Adam on minibatches with uniform t and fresh noise; one-cycle lr
    torch.manual_seed(seed)
    x = (2 * X.to(torch.float32) - 1).reshape(-1, 1, 8, 8)  # (N, 1, 8, 8) in [-1, 1]
    alpha_bar = alphas_cumprod(digit_betas())
    model = DigitDenoiser().float().to(X.device)
    iterations, batch_size, lr = 2500, 128, 5e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=iterations)
    model.train()
    for _ in range(iterations):
        x0 = x[torch.randint(len(x), (batch_size,), device=x.device)]
        t = torch.randint(1, T_DIGITS + 1, (batch_size,), device=x.device)
        loss = noise_loss(model, x0, t, torch.randn_like(x0), alpha_bar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()
    # END SOLUTION


@torch.no_grad()
def sample_digits(
    model: DigitDenoiser, n: int, generator: torch.Generator, steps: int = DDIM_STEPS
) -> torch.Tensor:
    """``n`` digits from ``model``: `hw4.diffusion.sample` with shape (n, 1, 8, 8),
    `digit_betas`, DDIM on ``steps`` steps, the model's dtype, drawing from ``generator``
    (on the generator's device, as `sample` does; the model must sit there too); then
    x_0 back to the pixel scale, (x_0 + 1) / 2 clipped to [0, 1].

    Returns: images (n, 1, 8, 8) in [0, 1].
    """
    model.eval()
    dtype = next(model.parameters()).dtype
    # BEGIN SOLUTION: DDIM from the generator's noise, then back to [0, 1]
    x0 = sample(model, (n, 1, 8, 8), generator, digit_betas(), steps, "ddim", dtype)
    return ((x0 + 1) / 2).clamp(0.0, 1.0)
    # END SOLUTION
