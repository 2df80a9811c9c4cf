"""Denoising diffusion (DDPM, Ho et al. 2020; DDIM, Song et al. 2021): noise schedules,
the forward process, the noise-prediction loss, the two samplers, and a small denoiser
for 2-D points.

**Conventions.** Time steps are **1-based**: t = 1..T. A schedule is a float64 tensor
``betas`` of length T whose entry ``betas[t - 1]`` is beta_t; likewise alpha_t = 1 -
beta_t and ``alpha_bar[t - 1]`` is alpha_bar_t = prod_{s=1..t} alpha_s. By convention
alpha_bar_0 = 1 (no noise at all): t = 0 means the data, x_0.

The forward process adds Gaussian noise step by step,

    q(x_t | x_{t-1}) = N(x_t; sqrt(alpha_t) x_{t-1}, beta_t I),

so that x_T is (almost) standard normal when alpha_bar_T is (almost) 0. A model
``model(x_t, t) -> eps_hat`` predicts, from a noisy batch x_t (N, ...) and its time steps
t (N,) (int64, values in 1..T), the noise eps that made x_t from x_0; eps_hat has x_t's
shape. The reverse (generative) process starts from x_T ~ N(0, I) and steps down to x_0.

Randomness is always passed in: the noise of `q_sample`, `noise_loss` and `ddpm_step` is
an argument, and `sample` draws from the ``torch.Generator`` it is given, in a stated
order, so that a grader reproduces every number. Coefficients are computed in float64
and cast to the data's dtype and device; nothing is changed in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

Model = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

T_2D = 100  # the number of diffusion steps of the 2-D task (with `cosine_betas`)


# ---------------------------------------------------------------- schedules


def linear_betas(T: int, beta_1: float = 1e-4, beta_T: float = 0.02) -> torch.Tensor:
    """The linear schedule of DDPM: beta_t rises linearly from beta_1 (at t = 1) to
    beta_T (at t = T), both ends included (for T = 1 it is just beta_1).

    Returns: betas (T,) float64, ``betas[t - 1]`` = beta_t.
    """
    # BEGIN SOLUTION: evenly spaced values, both ends included
    return torch.linspace(beta_1, beta_T, T, dtype=torch.float64)
    # END SOLUTION


def cosine_betas(T: int, s: float = 0.008) -> torch.Tensor:
    """The cosine schedule of Nichol & Dhariwal (2021), defined through alpha_bar:

        alpha_bar_t = f(t) / f(0),   f(t) = cos(((t / T + s) / (1 + s)) * pi / 2)^2,

    for t = 0..T, and beta_t = 1 - alpha_bar_t / alpha_bar_{t-1} for t = 1..T, each
    clipped to at most 0.999 (near t = T the formula tends to 1: clipping keeps every
    step invertible).

    Returns: betas (T,) float64, ``betas[t - 1]`` = beta_t.
    """
    # BEGIN SOLUTION: f on the grid 0..T, ratios of neighbours, clip
    steps = torch.arange(T + 1, dtype=torch.float64) / T  # (T + 1,) t / T
    f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2  # (T + 1,)
    alpha_bar = f / f[0]
    return (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=0.999)  # (T,)
    # END SOLUTION


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    """alpha_bar_t = prod_{s=1..t} (1 - beta_s) for t = 1..T.

    Inputs:  betas (T,).
    Returns: alpha_bar (T,), betas' dtype, ``alpha_bar[t - 1]`` = alpha_bar_t.
    """
    # BEGIN SOLUTION: a cumulative product
    return torch.cumprod(1 - betas, dim=0)
    # END SOLUTION


def _at(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values[t - 1]`` for 1-based steps t (N,), shaped (N, 1, ..., 1) to broadcast
    against ``like`` (N, ...), in like's dtype and device."""
    picked = values.to(like.device)[t.to(like.device) - 1]  # (N,)
    return picked.to(like.dtype).reshape(-1, *([1] * (like.dim() - 1)))


# ---------------------------------------------------------------- training


def q_sample(
    x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor
) -> torch.Tensor:
    """A draw of x_t from q(x_t | x_0), the forward process run t steps at once: the t
    Gaussian steps q(x_s | x_{s-1}) of the module docstring compose into one Gaussian
    whose mean and covariance depend on t only through alpha_bar_t (derive them). Return
    its reparameterized draw, mean + standard deviation * eps, made from the given
    standard normal ``noise`` eps.

    Inputs:  x0 (N, ...), t (N,) int64 in 1..T (1-based: one step per example),
             noise (N, ...) like x0, alpha_bar (T,) from `alphas_cumprod`.
    Returns: x_t (N, ...), x0's dtype and device.
    """
    # BEGIN SOLUTION: the reparameterization with alpha_bar_t picked per example
    a = _at(alpha_bar, t, x0)  # (N, 1, ...)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise
    # END SOLUTION


def noise_loss(
    model: Model, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor
) -> torch.Tensor:
    """The simple loss of DDPM: the mean squared error between the noise and the model's
    prediction of it from x_t = `q_sample` (x0, t, noise, alpha_bar),

        L = mean over all elements of (model(x_t, t) - noise)^2.

    Inputs:  as `q_sample`, and the model.
    Returns: a scalar tensor, differentiable with respect to the model's parameters.
    """
    # BEGIN SOLUTION: noise the data, predict the noise, mean squared error
    x_t = q_sample(x0, t, noise, alpha_bar)
    return ((model(x_t, t) - noise) ** 2).mean()
    # END SOLUTION


# ---------------------------------------------------------------- sampling


@torch.no_grad()
def ddpm_step(
    model: Model,
    x_t: torch.Tensor,
    t: int,
    noise: torch.Tensor | None,
    betas: torch.Tensor,
    alpha_bar: torch.Tensor,
) -> torch.Tensor:
    """One ancestral step of DDPM, from x_t to x_{t-1}, the same t for the whole batch:

        x_{t-1} = mu_theta(x_t, t) + sigma_t z,

    where mu_theta is the mean of the true posterior q(x_{t-1} | x_t, x_0) with x_0
    replaced by its estimate (never clipped) from the predicted noise eps_hat =
    model(x_t, t) (t passed as an int64 tensor (N,) full of t), sigma_t^2 = beta_t, and z
    is the given standard
    normal ``noise``. At t = 1 no noise is added (x_0 = mu_theta): ``noise`` is ignored
    there and may be None.

    Inputs:  x_t (N, ...), t an int in 1..T, noise (N, ...) or None at t = 1,
             betas (T,), alpha_bar (T,).
    Returns: x_{t-1} (N, ...).
    """
    # BEGIN SOLUTION: predicted noise -> posterior mean; add sqrt(beta_t) z unless t = 1
    steps = torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)
    eps = model(x_t, steps)
    beta = float(betas[t - 1])
    a_bar = float(alpha_bar[t - 1])
    mean = (x_t - beta / math.sqrt(1 - a_bar) * eps) / math.sqrt(1 - beta)
    if t == 1:
        return mean
    assert noise is not None, "ddpm_step needs noise for t > 1"
    return mean + math.sqrt(beta) * noise
    # END SOLUTION


@torch.no_grad()
def ddim_step(
    model: Model, x_t: torch.Tensor, t: int, t_prev: int, alpha_bar: torch.Tensor
) -> torch.Tensor:
    """One deterministic DDIM step (eta = 0), from x_t down to x_{t_prev}, any
    0 <= t_prev < t <= T, the same steps for the whole batch: estimate x_0 (never
    clipped) and the noise from eps_hat = model(x_t, t) (t as an int64 tensor (N,) full
    of t), then move to the
    point of the forward process at t_prev that has this x_0 estimate and this very noise.
    alpha_bar_0 = 1, so t_prev = 0 returns the x_0 estimate itself.

    Inputs:  x_t (N, ...), ints t in 1..T and t_prev in 0..t-1, alpha_bar (T,).
    Returns: x_{t_prev} (N, ...).
    """
    if not 0 <= t_prev < t:
        raise ValueError(f"need 0 <= t_prev < t, got t={t}, t_prev={t_prev}")
    # BEGIN SOLUTION: x0_hat from eps_hat, then re-noise it to t_prev with the same eps_hat
    steps = torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)
    eps = model(x_t, steps)
    a_t = float(alpha_bar[t - 1])
    a_prev = float(alpha_bar[t_prev - 1]) if t_prev > 0 else 1.0
    x0_hat = (x_t - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
    return math.sqrt(a_prev) * x0_hat + math.sqrt(1 - a_prev) * eps
    # END SOLUTION


def ddim_timesteps(T: int, steps: int) -> list[int]:
    """The time steps DDIM visits with ``steps`` steps: round(i T / steps) for i = steps,
    steps - 1, .., 0 (descending, from T to 0, distinct when 1 <= steps <= T)."""
    if not 1 <= steps <= T:
        raise ValueError(f"need 1 <= steps <= T={T}, got {steps}")
    return [round(i * T / steps) for i in range(steps, -1, -1)]


@torch.no_grad()
def sample(
    model: Model,
    shape: tuple[int, ...],
    generator: torch.Generator,
    betas: torch.Tensor,
    steps: int | None = None,
    method: str = "ddpm",
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Generate a batch: start from x_T ~ N(0, I) and run the reverse process to x_0.

    Exactly, so that a grader's generator seeded the same way gives the same samples
    (every draw is ``torch.randn(shape, generator=generator, device=generator.device,
    dtype=dtype)``, dtype defaulting to torch's default dtype):

    1. draw x_T;
    2. ``method="ddpm"``: for t = T, T-1, .., 1: draw z if t > 1 (none at t = 1), then
       x_{t-1} = `ddpm_step` (model, x_t, t, z, betas, alpha_bar). ``steps`` must be None
       or T (DDPM visits every step).
       ``method="ddim"``: no further draws; for each consecutive pair (t, t_prev) of
       `ddim_timesteps` (T, steps) (``steps`` None means T),
       x_{t_prev} = `ddim_step` (model, x_t, t, t_prev, alpha_bar).

    Inputs:  model, shape (N, ...), generator, betas (T,), steps, method "ddpm" | "ddim".
    Returns: x_0 of the given shape, on the generator's device.
    """
    T = len(betas)
    alpha_bar = alphas_cumprod(betas)
    dtype = dtype or torch.get_default_dtype()
    if method not in ("ddpm", "ddim"):
        raise ValueError(f"method must be 'ddpm' or 'ddim', got {method!r}")
    if method == "ddpm" and steps not in (None, T):
        raise ValueError(f"DDPM visits all T={T} steps, got steps={steps}")

    def draw() -> torch.Tensor:
        return torch.randn(shape, generator=generator, device=generator.device, dtype=dtype)

    # BEGIN SOLUTION: x_T, then the steps in the stated order
    x = draw()
    if method == "ddpm":
        for t in range(T, 0, -1):
            z = draw() if t > 1 else None
            x = ddpm_step(model, x, t, z, betas, alpha_bar)
    else:
        times = ddim_timesteps(T, steps or T)
        for t, t_prev in zip(times[:-1], times[1:], strict=True):
            x = ddim_step(model, x, t, t_prev, alpha_bar)
    return x
    # END SOLUTION


# ---------------------------------------------------------------- a denoiser for 2-D points


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The sinusoidal embedding of (possibly fractional) times, as in the Transformer's
    positions: with K = dim / 2 frequencies w_k = 10000^(-k / K), k = 0..K-1,

        emb(t) = [sin(t w_0), .., sin(t w_{K-1}), cos(t w_0), .., cos(t w_{K-1})].

    Inputs:  t (N,) any real dtype (ints are converted to the default float dtype), dim even.
    Returns: (N, dim) floating point, on t's device.
    """
    if dim % 2:
        raise ValueError(f"dim must be even, got {dim}")
    # BEGIN SOLUTION: an outer product of the times and the frequencies, sines then cosines
    t = t if t.is_floating_point() else t.to(torch.get_default_dtype())
    K = dim // 2
    k = torch.arange(K, device=t.device, dtype=t.dtype)
    freqs = torch.exp(-math.log(10000.0) * k / K)  # (K,)
    angles = t[:, None] * freqs[None, :]  # (N, K)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)  # (N, dim)
    # END SOLUTION


def point_mlp(time_dim: int, hidden: int) -> nn.Sequential:
    """The network of the 2-D models (`Denoiser2D`, and `hw4.flow.VelocityField2D`): a
    2-D point and its time embedding in, 2 numbers out. Linear(2 + time_dim, hidden),
    SiLU, Linear(hidden, hidden), SiLU, Linear(hidden, hidden), SiLU, Linear(hidden, 2):
    parameter names ``0.weight`` .. ``6.bias``."""
    return nn.Sequential(
        nn.Linear(2 + time_dim, hidden),
        nn.SiLU(),
        nn.Linear(hidden, hidden),
        nn.SiLU(),
        nn.Linear(hidden, hidden),
        nn.SiLU(),
        nn.Linear(hidden, 2),
    )


class Denoiser2D(nn.Module):
    """A noise predictor for 2-D points: an MLP on the point and the `time_embedding` of
    its (1-based, integer) time step,

        eps_hat = net([x, time_embedding(t, time_dim)]),

    ``net`` = Linear(2 + time_dim, hidden), SiLU, Linear(hidden, hidden), SiLU,
    Linear(hidden, hidden), SiLU, Linear(hidden, 2) (an ``nn.Sequential``: the parameter
    names ``net.0.weight`` .. ``net.6.bias`` are fixed, the grader loads a state_dict).

    Inputs of forward: x (N, 2), t (N,) int64 in 1..T. Returns: (N, 2) in x's dtype.
    """

    def __init__(self, hidden: int = 128, time_dim: int = 32) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.net = point_mlp(time_dim, hidden)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = time_embedding(t.to(x.dtype), self.time_dim)  # (N, time_dim)
        out: torch.Tensor = self.net(torch.cat([x, emb], dim=1))
        return out


def train_diffusion_2d(
    X: torch.Tensor, seed: int, history: list[float] | None = None
) -> Denoiser2D:
    """The graded task: train a ``Denoiser2D()`` (default sizes) with `noise_loss` on the
    points ``X`` under the schedule ``cosine_betas(T_2D)``, and return it in evaluation mode.

    The grader loads the returned model's ``state_dict()`` into its own ``Denoiser2D()``,
    draws 1,000 points with `sample` (DDPM, ``cosine_betas(T_2D)``) and measures their
    energy distance to held-out points of the same distribution.

    ``history``: when a list is given, the mean training loss of every 100 iterations is
    appended to it (the learning curve of the experiments).

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first, so that the
    initial weights, the batches, the time steps and the noise all follow from it.

    Inputs:  X (N, 2) float32, roughly standardized; seed.
    Returns: the trained Denoiser2D (float32).
    """
    # BEGIN SOLUTION: seed; Adam on minibatches with uniform t and fresh noise; cosine decay
    torch.manual_seed(seed)
    X = X.to(torch.float32)
    alpha_bar = alphas_cumprod(cosine_betas(T_2D))
    model = Denoiser2D().float()  # float32 whatever the default dtype
    iterations, batch_size, lr = 2000, 256, 3e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, iterations)
    model.train()
    losses: list[float] = []
    for _ in range(iterations):
        x0 = X[torch.randint(len(X), (batch_size,))]
        t = torch.randint(1, T_2D + 1, (batch_size,))
        loss = noise_loss(model, x0, t, torch.randn_like(x0), alpha_bar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if history is not None and len(losses) == 100:
            history.append(sum(losses) / len(losses))
            losses.clear()
    return model.eval()
    # END SOLUTION
