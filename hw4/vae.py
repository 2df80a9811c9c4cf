"""The variational autoencoder (Kingma & Welling, 2014) for the 8x8 digits.

Data. An image is a row of P = 64 pixel intensities in [0, 1] (the digits' counts 0..16
divided by 16), read as the probabilities of 64 independent Bernoulli pixels: a pixel of
intensity x has log-likelihood x log p + (1 - x) log(1 - p) under the probability p.

Model. A latent code z in R^d has the prior p(z) = N(0, I). The decoder maps z to 64
logits l, the pixels' probabilities sigma(l) (sigma the logistic sigmoid), so that

    log p(x | z) = sum over pixels j of  x_j log sigma(l_j) + (1 - x_j) log(1 - sigma(l_j)).

The encoder maps x to the mean mu and the log-variance logvar (each (d,)) of the
approximate posterior q(z | x) = N(mu, diag(exp(logvar))). The evidence lower bound of
an image is

    ELBO(x) = E_{z ~ q(z | x)}[log p(x | z)] - KL(q(z | x) || p(z))  <=  log p(x),

estimated with one (or k) draws z = mu + sigma * eps, eps ~ N(0, I), so that the draw is a
differentiable function of mu and logvar (the reparameterization trick). Training
minimizes the negative ELBO, in nats per image.

Shapes: N images, P = 64 pixels, d latent dimensions, H hidden units. Noise is never drawn
inside a function that a test or grader checks: eps is an argument, or the draws come
from a given ``torch.Generator``. Device-agnostic: everything runs on the device (and
dtype) of its inputs and parameters.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PIXELS = 64  # P, the 8x8 digits as rows
LATENT_DIM = 8  # d
HIDDEN = 128  # H


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """A draw from N(mu, diag(exp(logvar))) as a differentiable function of mu and logvar:
    scale the standard normal noise ``eps`` by the standard deviation and shift it by the
    mean. (The standard deviation is exp(logvar / 2).)

    Inputs:  mu (N, d), logvar (N, d), eps (N, d) standard normal noise; or any shapes
             that broadcast together, e.g. eps (k, N, d) for k draws per example.
    Returns: z, the broadcast shape ((N, d) for eps (N, d)).
    """
    # BEGIN SOLUTION: z = mu + exp(logvar / 2) * eps
    return mu + torch.exp(0.5 * logvar) * eps
    # END SOLUTION


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) of each example, summed over the d latent
    dimensions, in closed form, where sigma^2 = exp(logvar).

    Inputs:  mu (N, d), logvar (N, d); or any leading shapes (..., d), the sum over the
             last axis.
    Returns: (N,) (or (...)), each >= 0, 0 exactly where mu = 0 and logvar = 0.
    """
    # BEGIN SOLUTION: the closed form of one dimension, summed over the d dimensions
    return 0.5 * (torch.exp(logvar) + mu**2 - 1.0 - logvar).sum(dim=-1)
    # END SOLUTION


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | z) of each example (the module docstring's formula) from the decoder's
    logits, summed over the pixels.

    Compute it from the logits without forming sigma(l) and taking its log: in float32,
    sigma(40) rounds to 1 and log(1 - sigma(40)) is log(0) = -inf. Use
    log sigma(l) = -softplus(-l) and log(1 - sigma(l)) = -softplus(l) (``F.softplus`` or
    ``F.logsigmoid`` are stable).

    Inputs:  logits (N, P), x (N, P) in [0, 1] (not only 0 or 1); or any shapes that
             broadcast together, e.g. logits (k, N, P) of k draws per image with x (N, P):
             the sum is over the last axis (the pixels).
    Returns: (N,) (or the broadcast shape less its last axis, (k, N)), each <= 0 for
             binary x.
    """
    # BEGIN SOLUTION: both log terms through softplus, summed over the pixels
    return (x * logits - F.softplus(logits)).sum(dim=-1)
    # END SOLUTION


def negative_elbo(
    x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> torch.Tensor:
    """The negative ELBO, -(log p(x | z) - KL(q(z | x) || p(z))), of each example with
    the one draw z that the decoder turned into ``logits``, averaged over the batch:
    the training loss, in nats per image.

    Inputs:  x (N, P) in [0, 1], logits (N, P) of the decoded draw, mu (N, d), logvar (N, d).
    Returns: a scalar (0-dim tensor).
    """
    # BEGIN SOLUTION: KL minus log-likelihood per example, then the mean
    return (gaussian_kl(mu, logvar) - bernoulli_log_likelihood(logits, x)).mean()
    # END SOLUTION


class VAE(nn.Module):
    """The course's VAE for 8x8 digits: one hidden layer of H ReLU units in the encoder
    and one in the decoder,

        h = relu(enc_fc(x))          mu = enc_mu(h)          logvar = enc_logvar(h)
        logits = dec_out(relu(dec_fc(z)))

    all layers nn.Linear with bias. Parameter names and shapes (the grader loads a
    ``state_dict`` into its own ``VAE(latent_dim, hidden)`` by these names):

        enc_fc.weight      (H, 64)    enc_fc.bias      (H,)
        enc_mu.weight      (d, H)     enc_mu.bias      (d,)
        enc_logvar.weight  (d, H)     enc_logvar.bias  (d,)
        dec_fc.weight      (H, d)     dec_fc.bias      (H,)
        dec_out.weight     (64, H)    dec_out.bias     (64,)

    Nothing else is stored (no buffers), and the model behaves the same in training and
    evaluation mode.
    """

    def __init__(self, latent_dim: int = LATENT_DIM, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.enc_fc = nn.Linear(PIXELS, hidden)
        self.enc_mu = nn.Linear(hidden, latent_dim)
        self.enc_logvar = nn.Linear(hidden, latent_dim)
        self.dec_fc = nn.Linear(latent_dim, hidden)
        self.dec_out = nn.Linear(hidden, PIXELS)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, 64) in [0, 1] -> mu (N, d), logvar (N, d) of q(z | x)."""
        # BEGIN SOLUTION: the shared hidden layer, then the two heads
        h = F.relu(self.enc_fc(x))  # (N, H)
        return self.enc_mu(h), self.enc_logvar(h)
        # END SOLUTION

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (..., d) -> the pixels' logits (..., 64) of p(x | z)."""
        # BEGIN SOLUTION: hidden layer, then the logits (no sigmoid)
        return self.dec_out(F.relu(self.dec_fc(z)))
        # END SOLUTION

    def forward(
        self, x: torch.Tensor, eps: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode x, draw z with `reparameterize` and the given noise, decode it.

        Inputs:  x (N, 64) in [0, 1], eps (N, d) standard normal noise.
        Returns: logits (N, 64), mu (N, d), logvar (N, d): what `negative_elbo` takes.
        """
        # BEGIN SOLUTION: encode, reparameterize, decode
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, eps)), mu, logvar
        # END SOLUTION


@torch.no_grad()
def held_out_negative_elbo(
    model: VAE, X: torch.Tensor, generator: torch.Generator, samples: int = 1
) -> float:
    """The negative ELBO of ``model`` on images X, in nats per image: for each image the
    mean over ``samples`` draws z = mu + sigma * eps of -log p(x | z), plus the closed-form
    KL; then the mean over the images. The noise is
    ``eps = torch.randn(samples, N, d, generator=generator)``, draw s for image i at
    ``eps[s, i]`` (on the generator's device, X's dtype).

    Inputs:  a VAE, X (N, 64) in [0, 1], a torch.Generator, samples k >= 1.
    Returns: a float.
    """
    model.eval()
    mu, logvar = model.encode(X)  # (N, d) each
    eps = torch.randn(
        samples, *mu.shape, generator=generator, device=generator.device, dtype=X.dtype
    ).to(X.device)
    logits = model.decode(reparameterize(mu, logvar, eps))  # (k, N, 64)
    nll = -bernoulli_log_likelihood(logits, X).mean(dim=0)  # (N,)
    return float((nll + gaussian_kl(mu, logvar)).mean())


def train_vae(X: torch.Tensor, seed: int, history: list[float] | None = None) -> VAE:
    """A recipe that works (yours may differ): train a ``VAE()`` (d = 8, H = 128) on the images X by
    minimizing `negative_elbo` with Adam over shuffled minibatches, one fresh noise draw
    per image and step, and return it in evaluation mode.

    Reproducible from ``seed``: ``torch.manual_seed(seed)`` first, so that the initial
    weights, the batches and the noise all follow from it. ``history``: when a list is
    given, each epoch's mean training loss is appended to it.

    Inputs:  X (N, 64) in [0, 1], float32 (the model's dtype); a seed.
    Returns: the trained VAE.
    """
    # BEGIN SOLUTION: seed; Adam with a decaying step over shuffled minibatches for some epochs
    torch.manual_seed(seed)
    model = VAE().to(X.device)
    epochs, batch_size, lr = 120, 128, 5e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = -(-len(X) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * batches
    )
    model.train()
    for _ in range(epochs):
        losses = []
        for rows in torch.split(torch.randperm(len(X)), batch_size):
            x = X[rows]
            logits, mu, logvar = model(x, torch.randn(len(rows), model.latent_dim, device=X.device))
            loss = negative_elbo(x, logits, mu, logvar)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        if history is not None:
            history.append(sum(losses) / len(losses))
    return model.eval()
    # END SOLUTION
