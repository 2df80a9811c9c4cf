"""Flow matching with straight paths (Lipman et al. 2023; Liu et al. 2023, "rectified
flow"): learn a velocity field that carries noise to data, then integrate it.

**Conventions.** Time runs from t = 0 to t = 1: **x0 is the noise** (standard normal)
**and x1 the data**. A pair (x0, x1) is joined by the straight path

    x_t = (1 - t) x0 + t x1,   0 <= t <= 1,

and a velocity field ``model(x, t) -> v`` takes points x (N, ...) and their times t (N,)
(floating point, in [0, 1]) and returns velocities v with x's shape. Sampling solves
dx/dt = v(x, t) from x(0) = noise to x(1).

Randomness is always passed in (the noise x0, the times t), so that a grader reproduces
every number; nothing is changed in place.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from hw4.diffusion import point_mlp, time_embedding

Field = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

TIME_SCALE = 100.0  # VelocityField2D embeds 100 t: t in [0, 1] spread over the frequencies


def _per_example(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """t (N,) shaped (N, 1, ..., 1) to broadcast against like (N, ...), like's dtype."""
    return t.to(like.device, like.dtype).reshape(-1, *([1] * (like.dim() - 1)))


def interpolate(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The point at time t of the straight path from the noise x0 (t = 0) to the data
    x1 (t = 1).

    Inputs:  x0 (N, ...), x1 (N, ...), t (N,) in [0, 1], one time per example.
    Returns: x_t (N, ...).
    """
    # BEGIN SOLUTION: the convex combination, t broadcast over the example's axes
    tt = _per_example(t, x0)
    return (1 - tt) * x0 + tt * x1
    # END SOLUTION


def target_velocity(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """The velocity d x_t / dt of the straight path of `interpolate` (the regression
    target of flow matching: the same at every t).

    Inputs:  x0 (N, ...), x1 (N, ...).
    Returns: (N, ...).
    """
    # BEGIN SOLUTION: the derivative of a straight line
    return x1 - x0
    # END SOLUTION


def flow_matching_loss(
    model: Field, x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """The conditional flow-matching loss: the mean squared error between the model's
    velocity at the path's point and the path's velocity,

        L = mean over all elements of (model(x_t, t) - `target_velocity` (x0, x1))^2,
        x_t = `interpolate` (x0, x1, t).

    Inputs:  model, x0 (N, ...) noise, x1 (N, ...) data, t (N,) in [0, 1].
    Returns: a scalar tensor, differentiable with respect to the model's parameters.
    """
    # BEGIN SOLUTION: the point on the path, the target, mean squared error
    x_t = interpolate(x0, x1, t)
    return ((model(x_t, t) - target_velocity(x0, x1)) ** 2).mean()
    # END SOLUTION


@torch.no_grad()
def euler_sample(model: Field, x0: torch.Tensor, steps: int) -> torch.Tensor:
    """Integrate dx/dt = model(x, t) from t = 0 (x = x0) to t = 1 with ``steps`` explicit
    Euler steps of size h = 1 / steps: for k = 0..steps-1,

        x_{k+1} = x_k + h model(x_k, t_k),   t_k = k h

    (the velocity at the left end of each step; t passed as a tensor (N,) full of t_k in
    x0's dtype).

    Inputs:  x0 (N, ...) the starting noise, steps >= 1.
    Returns: x at t = 1, (N, ...).
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    # BEGIN SOLUTION: steps Euler updates at the left ends t_k = k / steps
    x, h = x0, 1.0 / steps
    for k in range(steps):
        t = torch.full((x.shape[0],), k * h, dtype=x.dtype, device=x.device)
        x = x + h * model(x, t)
    return x
    # END SOLUTION


class VelocityField2D(nn.Module):
    """A velocity field for 2-D points: an MLP on the point and the `time_embedding` of
    TIME_SCALE * t,

        v = net([x, time_embedding(TIME_SCALE * t, time_dim)]),

    ``net`` = Linear(2 + time_dim, hidden), SiLU, Linear(hidden, hidden), SiLU,
    Linear(hidden, hidden), SiLU, Linear(hidden, 2) (an ``nn.Sequential``: the parameter
    names ``net.0.weight`` .. ``net.6.bias`` are fixed, the grader loads a state_dict).

    Inputs of forward: x (N, 2), t (N,) in [0, 1]. Returns: (N, 2) in x's dtype.
    """

    def __init__(self, hidden: int = 128, time_dim: int = 32) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.net = point_mlp(time_dim, hidden)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = time_embedding(TIME_SCALE * t.to(x.dtype), self.time_dim)  # (N, time_dim)
        out: torch.Tensor = self.net(torch.cat([x, emb], dim=1))
        return out


def train_flow_2d(
    X: torch.Tensor, seed: int, history: list[float] | None = None
) -> VelocityField2D:
    """The graded task: train a ``VelocityField2D()`` (default sizes) with
    `flow_matching_loss` on the points ``X`` (the data x1; x0 standard normal, t uniform
    on [0, 1], drawn independently), and return it in evaluation mode.

    The grader loads the returned model's ``state_dict()`` into its own
    ``VelocityField2D()``, draws 1,000 points with `euler_sample` (100 steps, from its own
    standard normal x0) and measures their energy distance to held-out points.

    ``history``: when a list is given, the mean training loss of every 100 iterations is
    appended to it (the learning curve of the experiments).

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first.

    Inputs:  X (N, 2) float32, roughly standardized; seed.
    Returns: the trained VelocityField2D (float32).
    """
    # BEGIN SOLUTION: seed; Adam on minibatches with fresh noise and uniform t; cosine decay
    torch.manual_seed(seed)
    X = X.to(torch.float32)
    model = VelocityField2D().float()  # float32 whatever the default dtype
    iterations, batch_size, lr = 2000, 256, 3e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, iterations)
    model.train()
    losses: list[float] = []
    for _ in range(iterations):
        x1 = X[torch.randint(len(X), (batch_size,))]
        x0 = torch.randn_like(x1)
        t = torch.rand(batch_size)
        loss = flow_matching_loss(model, x0, x1, t)
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
