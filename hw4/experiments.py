"""Run the experiments of HW4 and write their figures.

    python -m hw4.experiments [--out plots] [--parts vae gan digits points rl] [--seed 0]
                              [--rl-seeds 3]

Writes, from your code:
- ``vae_digits.png`` (Tasks 1-2): your `train_vae` trained on 80% of the digits; eight
  held-out digits over their reconstructions (the decoder's pixel probabilities at the
  posterior mean), and a latent traversal: the decoder's images as each of four latent
  coordinates runs from -2.5 to 2.5, the others held at 0.
- ``points_samples.png`` (Tasks 6-10): your `train_diffusion_2d` and `train_flow_2d`
  trained on 2,000 points of the two moons; 1,000 held-out points beside 1,000 points
  drawn from each model (DDPM; 100 Euler steps), each with its energy distance to the
  held-out points.
- ``diffusion_reverse.png`` (Task 7): the same DDPM run seen at t = 100, 75, 50, 25, 10
  and 0: noise folding onto the moons.
- ``gan_samples.png`` (Tasks 3-5): your `train_gan` trained on 80% of the digits; the
  same ten noise vectors drawn through its generator after several epochs (rows), with
  the trusted judge's scores of 1,000 final samples in the title.
- ``digits_reverse.png`` (Task 9): your `train_diffusion_digits`; eight samples of your
  DDIM sampler (50 steps) seen at several of its steps, from noise (t = 1000) to the
  digits (t = 0), with the judge's scores of 1,000 samples in the title.
- ``curves.png``: the training curves of the models.
- ``rl_curves.png`` (Tasks 14-15): the training episodes' returns against environment
  steps, the mean over ``--rl-seeds`` seeds (3) with their range shaded, for your
  REINFORCE with and without the baseline and your DQN with and without the Double DQN
  target, on plain CartPole-v1, with each run's greedy return (10 episodes) at the end.

The script stops at the first unfinished task it needs and names it.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PARTS = ("vae", "gan", "digits", "points", "rl")  # what `run` does by default, in order
RL_SEEDS = 3  # training runs per RL variant
RL_GRID = 200  # points of the common step axis of the RL curves
GAN_ROWS = 6  # epochs shown in the GAN figure, evenly spaced, the last included
REVERSE_SHOWN = (1000, 800, 600, 400, 200, 100, 40, 0)  # time steps of the digits figure
TRAVERSED = 4  # latent coordinates shown in the traversal
TRAVERSAL = np.linspace(-2.5, 2.5, 9)
SNAPSHOTS = (100, 75, 50, 25, 10, 0)  # time steps of the reverse-process figure


def _digits_split(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """80% and 20% of the plain digits, pixels in [0, 1], float32."""
    from dlkit.data import digits

    X, _ = digits()
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.8 * len(X))
    X = (X / 16.0).astype(np.float32)
    return X[order[:cut]], X[order[cut:]]


def vae_part(out: Path, seed: int = 0) -> dict[str, object]:
    """Tasks 1-2: train your VAE on 80% of the plain digits; its held-out negative ELBO
    (10 draws per image) and ``vae_digits.png``."""
    import matplotlib.pyplot as plt
    import torch

    from .vae import held_out_negative_elbo, train_vae

    train, held_out = _digits_split(seed)
    history: list[float] = []
    start = time.perf_counter()
    model = train_vae(torch.as_tensor(train), seed, history)
    took = time.perf_counter() - start
    X = torch.as_tensor(held_out)
    nats = held_out_negative_elbo(model, X, torch.Generator().manual_seed(seed), 10)
    with torch.no_grad():
        mu, _ = model.encode(X[:8])
        recon = torch.sigmoid(model.decode(mu))  # (8, 64)
        d = mu.shape[1]
        codes = torch.zeros(TRAVERSED, len(TRAVERSAL), d)
        for k in range(min(TRAVERSED, d)):
            codes[k, :, k] = torch.as_tensor(TRAVERSAL, dtype=torch.float32)
        traversal = torch.sigmoid(model.decode(codes))  # (TRAVERSED, steps, 64)

    fig = plt.figure(figsize=(10, 4.5))
    grid = fig.add_gridspec(1, 2, width_ratios=[8, len(TRAVERSAL)])
    left = grid[0].subgridspec(2, 8)
    for i in range(8):
        for row, images in enumerate((X[:8], recon)):
            ax = fig.add_subplot(left[row, i])
            ax.imshow(images[i].reshape(8, 8).numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
            if i == 0:
                ax.set_title("held out" if row == 0 else "reconstructed", fontsize=8, loc="left")
    right = grid[1].subgridspec(TRAVERSED, len(TRAVERSAL))
    for k in range(TRAVERSED):
        for j in range(len(TRAVERSAL)):
            ax = fig.add_subplot(right[k, j])
            ax.imshow(traversal[k, j].reshape(8, 8).numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
            if k == 0:
                ax.set_title(f"{TRAVERSAL[j]:+.1f}", fontsize=7)
    fig.suptitle(
        f"VAE: {nats:.2f} nats per held-out image after {took:.0f} s of training; "
        f"right, z_1..z_{TRAVERSED} traversed"
    )
    fig.savefig(out / "vae_digits.png", dpi=120)
    plt.close(fig)
    return {"held_out_nats": nats, "train_s": took, "history": history}


def _judge_line(images, train: np.ndarray) -> str:  # type: ignore[no-untyped-def]
    """The trusted judge's scores of images (N, 64) in [0, 1], as a title."""
    import torch

    from dlkit.digits_judge import score_samples

    s = score_samples(torch.as_tensor(images, dtype=torch.float32), torch.as_tensor(train))
    return (
        f"FID {s['fid']:.0f}, inception score {s['inception_score']:.1f}, "
        f"{s['coverage']:.0f} digits covered"
    )


def _image_grid(fig, grid, images: np.ndarray, labels: Sequence[str], axis: str) -> None:  # type: ignore[no-untyped-def]
    """images (rows, cols, 64) into a grid of axes; ``labels`` name the rows or the
    columns (``axis``)."""
    rows, cols = images.shape[:2]
    for i in range(rows):
        for j in range(cols):
            ax = fig.add_subplot(grid[i, j])
            ax.imshow(images[i, j].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if axis == "rows" and j == 0:
                ax.set_ylabel(labels[i], fontsize=8)
            if axis == "cols" and i == 0:
                ax.set_title(labels[j], fontsize=8)


def gan_part(out: Path, seed: int = 0) -> dict[str, object]:
    """Tasks 3-5: train your GAN on 80% of the plain digits, keep the images of ten fixed
    noise vectors after every epoch; ``gan_samples.png``."""
    import matplotlib.pyplot as plt
    import torch

    from .gan import sample_images, train_gan

    train, _ = _digits_split(seed)
    fixed = torch.randn(10, 16, generator=torch.Generator().manual_seed(seed))
    snapshots: list[tuple[int, np.ndarray]] = []

    def keep(epoch: int, generator: torch.nn.Module) -> None:
        with torch.no_grad():
            weight = next(generator.parameters())
            images = generator(fixed.to(weight.device, weight.dtype))
        snapshots.append((epoch, images.reshape(10, 64).detach().cpu().numpy()))

    history: list[tuple[float, float]] = []
    start = time.perf_counter()
    model = train_gan(torch.as_tensor(train), seed, history, keep)
    took = time.perf_counter() - start
    final = sample_images(model, 1000, torch.Generator().manual_seed(seed + 1))
    title = _judge_line(final.reshape(1000, 64).numpy(), train)
    if not snapshots:  # a train_gan that never calls on_epoch: the final model only
        snapshots.append((len(history), final[:10].reshape(10, 64).numpy()))
    picks = np.unique(np.linspace(0, len(snapshots) - 1, GAN_ROWS).round().astype(int))
    shown = np.stack([snapshots[i][1] for i in picks])  # (rows, 10, 64)
    fig = plt.figure(figsize=(7, 0.8 * len(picks) + 1))
    grid = fig.add_gridspec(len(picks), 10)
    _image_grid(fig, grid, shown, [f"epoch {snapshots[i][0]}" for i in picks], "rows")
    fig.suptitle(f"GAN, the same noise over training ({took:.0f} s)\n{title}", fontsize=9)
    fig.savefig(out / "gan_samples.png", dpi=120)
    plt.close(fig)
    return {"train_s": took, "history": history, "judged": title}


def digits_part(out: Path, seed: int = 0) -> dict[str, object]:
    """Task 9: train your digits diffusion model on 80% of the plain digits; its DDIM
    sampler seen at several steps (``digits_reverse.png``)."""
    import matplotlib.pyplot as plt
    import torch

    from .diffusion import alphas_cumprod, ddim_step, ddim_timesteps
    from .digit_diffusion import (
        DDIM_STEPS,
        T_DIGITS,
        digit_betas,
        sample_digits,
        train_diffusion_digits,
    )

    train, _ = _digits_split(seed)
    start = time.perf_counter()
    model = train_diffusion_digits(torch.as_tensor(train), seed)
    took = time.perf_counter() - start
    final = sample_digits(model, 1000, torch.Generator().manual_seed(seed + 1))
    title = _judge_line(final.reshape(1000, 64).numpy(), train)

    alpha_bar = alphas_cumprod(digit_betas())
    x = torch.randn(8, 1, 8, 8, generator=torch.Generator().manual_seed(seed + 2))
    seen = {T_DIGITS: x}
    times = ddim_timesteps(T_DIGITS, DDIM_STEPS)
    with torch.no_grad():
        for t, t_prev in zip(times[:-1], times[1:], strict=True):
            x = ddim_step(model, x, t, t_prev, alpha_bar)
            seen[t_prev] = x
    columns = [min(seen, key=lambda s: abs(s - t)) for t in REVERSE_SHOWN]
    shown = np.stack([((seen[t] + 1) / 2).clamp(0, 1).reshape(8, 64).numpy() for t in columns])
    fig = plt.figure(figsize=(0.9 * len(columns) + 1, 8.5))
    grid = fig.add_gridspec(8, len(columns))
    _image_grid(fig, grid, shown.transpose(1, 0, 2), [f"t = {t}" for t in columns], "cols")
    fig.suptitle(f"digits by DDIM, noise to image ({took:.0f} s of training)\n{title}", fontsize=9)
    fig.savefig(out / "digits_reverse.png", dpi=120)
    plt.close(fig)
    return {"train_s": took, "judged": title}


def _scatter(ax, points: np.ndarray, title: str, color: str = "C0") -> None:  # type: ignore[no-untyped-def]
    ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5, color=color)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)


def points_part(out: Path, seed: int = 0) -> dict[str, object]:
    """Tasks 6-10: train your 2-D diffusion model and flow on the two moons; their
    samples (``points_samples.png``), the reverse process (``diffusion_reverse.png``)."""
    import matplotlib.pyplot as plt
    import torch

    from dlkit.toy2d import energy_distance, two_moons

    from .diffusion import T_2D, alphas_cumprod, cosine_betas, ddpm_step, train_diffusion_2d
    from .flow import euler_sample, train_flow_2d

    rng = np.random.default_rng(seed)
    X = torch.as_tensor(two_moons(2000, rng), dtype=torch.float32)
    held_out = two_moons(1000, rng)
    report: dict[str, object] = {}

    diffusion_history: list[float] = []
    start = time.perf_counter()
    denoiser = train_diffusion_2d(X, seed, diffusion_history)
    report["diffusion_train_s"] = time.perf_counter() - start
    betas = cosine_betas(T_2D)
    alpha_bar = alphas_cumprod(betas)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(1000, 2, generator=generator)
    snapshots = {T_2D: x.numpy()}
    for t in range(T_2D, 0, -1):
        z = torch.randn(1000, 2, generator=generator) if t > 1 else None
        x = ddpm_step(denoiser, x, t, z, betas, alpha_bar)
        snapshots[t - 1] = x.numpy()
    diffused = snapshots[0]

    flow_history: list[float] = []
    start = time.perf_counter()
    field = train_flow_2d(X, seed, flow_history)
    report["flow_train_s"] = time.perf_counter() - start
    flowed = euler_sample(field, torch.randn(1000, 2, generator=generator), 100).numpy()

    report["diffusion_distance"] = energy_distance(diffused, held_out)
    report["flow_distance"] = energy_distance(flowed, held_out)
    report["diffusion_history"] = diffusion_history
    report["flow_history"] = flow_history

    fig, axes = plt.subplots(1, 3, figsize=(11, 4))
    _scatter(axes[0], held_out, "1,000 held-out points", "C7")
    _scatter(
        axes[1], diffused, f"diffusion (DDPM): energy distance {report['diffusion_distance']:.3f}"
    )
    _scatter(
        axes[2],
        flowed,
        f"flow (100 Euler steps): energy distance {report['flow_distance']:.3f}",
        "C1",
    )
    fig.tight_layout()
    fig.savefig(out / "points_samples.png", dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(SNAPSHOTS), figsize=(2.6 * len(SNAPSHOTS), 2.9))
    for ax, t in zip(axes, SNAPSHOTS, strict=True):
        _scatter(ax, snapshots[min(t, T_2D)], f"t = {t}")
    fig.suptitle("the reverse process: DDPM from t = 100 down to t = 0")
    fig.tight_layout()
    fig.savefig(out / "diffusion_reverse.png", dpi=120)
    plt.close(fig)
    return report


def _on_grid(history: list, grid: np.ndarray, window: int = 10) -> np.ndarray:
    """The mean return of the last ``window`` training episodes finished by each step of
    ``grid`` (NaN before the first and after the run's last step), from a history of
    (env_steps, return) pairs."""
    record = np.asarray(history, dtype=float).reshape(-1, 2)
    steps, returns = record[:, 0], record[:, 1]
    smooth = np.array([returns[max(0, i - window + 1) : i + 1].mean() for i in range(len(returns))])
    where = np.searchsorted(steps, grid, side="right") - 1
    inside = (where >= 0) & (grid <= steps[-1])
    return np.where(inside, smooth[np.clip(where, 0, None)], np.nan)


def rl_part(out: Path, seed: int = 0, seeds: int = RL_SEEDS) -> dict[str, object]:
    """Tasks 14-15: REINFORCE with and without its baseline, DQN with and without the
    Double DQN target, ``seeds`` runs each on plain CartPole-v1; ``rl_curves.png``."""
    import matplotlib.pyplot as plt

    from dlkit.rollouts import greedy_return

    from .cases.cartpole import ENV_ID, make_env_factory
    from .dqn import train_dqn
    from .reinforce import train_reinforce

    variants = {
        "REINFORCE, baseline": lambda s, h: train_reinforce(make_env_factory(ENV_ID), s, True, h),
        "REINFORCE, no baseline": lambda s, h: train_reinforce(
            make_env_factory(ENV_ID), s, False, h
        ),
        "Double DQN": lambda s, h: train_dqn(make_env_factory(ENV_ID), s, True, h),
        "DQN": lambda s, h: train_dqn(make_env_factory(ENV_ID), s, False, h),
    }
    judge_seeds = list(range(10_000, 10_010))
    runs: dict[str, list[tuple[list, float, float]]] = {}
    for name, train in variants.items():
        runs[name] = []
        for s in range(seed, seed + seeds):
            history: list = []
            start = time.perf_counter()
            model = train(s, history)
            took = time.perf_counter() - start
            greedy = greedy_return(model, ENV_ID, judge_seeds)[0]
            runs[name].append((history, greedy, took))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    summary: dict[str, object] = {}
    for ax, family in zip(axes, ("REINFORCE", "DQN"), strict=True):
        for i, (name, results) in enumerate((k, v) for k, v in runs.items() if family in k):
            end = max(h[-1][0] for h, _, _ in results if h)
            grid = np.linspace(0, end, RL_GRID)
            curves = np.stack([_on_grid(h, grid) for h, _, _ in results])
            greedy = [g for _, g, _ in results]
            with warnings.catch_warnings():  # steps no run reached: all-NaN columns
                warnings.simplefilter("ignore", RuntimeWarning)
                ax.plot(
                    grid,
                    np.nanmean(curves, axis=0),
                    color=f"C{i}",
                    label=f"{name} (greedy {np.mean(greedy):.0f})",
                )
                ax.fill_between(
                    grid,
                    np.nanmin(curves, axis=0),
                    np.nanmax(curves, axis=0),
                    color=f"C{i}",
                    alpha=0.2,
                )
            summary[name] = {"greedy": greedy, "train_s": [t for _, _, t in results]}
        ax.set_title(family, fontsize=10)
        ax.set_xlabel("environment steps")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("training return (last 10 episodes)")
    fig.suptitle(f"CartPole-v1, {seeds} seeds each: mean and range")
    fig.tight_layout()
    fig.savefig(out / "rl_curves.png", dpi=120)
    plt.close(fig)
    return summary


def plot_curves(report: dict[str, object], path: Path) -> None:
    """The training curves of the parts that ran, one panel each."""
    import matplotlib.pyplot as plt

    panels = []
    vae = report.get("vae")
    if isinstance(vae, dict):
        panels.append(("VAE: negative ELBO (nats per image)", "epoch", vae["history"], 1))
    gan = report.get("gan")
    if isinstance(gan, dict) and gan["history"]:
        losses = np.asarray(gan["history"])  # (epochs, 2)
        panels.append(("GAN: discriminator (top) and generator losses", "epoch", losses, 1))
    points = report.get("points")
    if isinstance(points, dict):
        panels.append(("2-D diffusion: noise loss", "iteration", points["diffusion_history"], 100))
        panels.append(("2-D flow: flow-matching loss", "iteration", points["flow_history"], 100))
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    for ax, (title, unit, values, every) in zip(axes[0], panels, strict=True):
        steps = every * np.arange(1, len(values) + 1)
        ax.plot(steps, values)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(unit)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(
    out: Path, seed: int = 0, parts: Sequence[str] = PARTS, rl_seeds: int = RL_SEEDS
) -> dict[str, object]:
    """Run the chosen parts (any of `PARTS`) and write their files into ``out``; returns
    what each part measured, by part name."""
    import matplotlib

    matplotlib.use("Agg")
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; the parts are {PARTS}")
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {}
    if "vae" in parts:
        report["vae"] = vae_part(out, seed)
    if "gan" in parts:
        report["gan"] = gan_part(out, seed)
    if "digits" in parts:
        report["digits"] = digits_part(out, seed)
    if "points" in parts:
        report["points"] = points_part(out, seed)
    if "rl" in parts:
        report["rl"] = rl_part(out, seed, rl_seeds)
    plot_curves(report, out / "curves.png")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw4.experiments", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("plots"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--rl-seeds", type=int, default=RL_SEEDS)
    args = parser.parse_args(argv)
    try:
        report = run(args.out, args.seed, args.parts, args.rl_seeds)
    except NotImplementedError as exc:
        print(f"not implemented yet: {exc}\nFinish the tasks it needs first.", file=sys.stderr)
        return 1
    vae = report.get("vae")
    if isinstance(vae, dict):
        print(
            f"VAE: {vae['held_out_nats']:.2f} nats per held-out image after "
            f"{vae['train_s']:.0f} s of training; wrote {args.out}/vae_digits.png"
        )
    for name, figure in (("gan", "gan_samples.png"), ("digits", "digits_reverse.png")):
        part = report.get(name)
        if isinstance(part, dict):
            print(
                f"{name}: {part['judged']} after {part['train_s']:.0f} s of training; "
                f"wrote {args.out}/{figure}"
            )
    points = report.get("points")
    if isinstance(points, dict):
        print(
            f"2-D diffusion: energy distance {points['diffusion_distance']:.3f} after "
            f"{points['diffusion_train_s']:.0f} s of training; 2-D flow: "
            f"{points['flow_distance']:.3f} after {points['flow_train_s']:.0f} s; wrote "
            f"{args.out}/points_samples.png and {args.out}/diffusion_reverse.png"
        )
    rl = report.get("rl")
    if isinstance(rl, dict):
        for name, result in rl.items():
            greedy = ", ".join(f"{g:.0f}" for g in result["greedy"])
            seconds = ", ".join(f"{t:.0f}" for t in result["train_s"])
            print(f"{name}: greedy returns {greedy} after {seconds} s of training")
        print(f"wrote {args.out}/rl_curves.png")
    print(f"wrote {args.out}/curves.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
