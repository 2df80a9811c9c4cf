"""Hidden cases of hw4: never in the handout; the grader draws their inputs from a secret
seed. They vary the sizes and inputs of the public cases, never their rules."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.cases import grader_data
from autograder.lazy_import import lazy
from autograder.torch_inputs import generator, shapes, tensor
from hw4.cases.harness import (
    KINDS,
    FixedField,
    episodes_batch,
    gradients,
    penalty_outputs,
    uniform,
    with_weights,
)
from hw4.cases.lake import GAMMA, TableSimulator, lakes, policy_value, tables

torch = lazy("torch")  # imported where a case runs (the worker), not in the judge


@weight(1)
@number("1.2")
@tags("vae")
def vae_objective_other_sizes(sub, rng):
    """reparameterize, gaussian_kl, bernoulli_log_likelihood and negative_elbo with its
    gradients: N 7, d 5, P 10, wider logits"""
    V = sub.vae
    mu, logvar = tensor(rng, 7, 5, scale=2.0), tensor(rng, 7, 5)
    logits, x = tensor(rng, 7, 10, scale=6.0), uniform(rng, 7, 10)
    leaves = [t.clone().requires_grad_(True) for t in (logits, mu, logvar)]
    loss = V.negative_elbo(x, *leaves)
    return {
        "z": V.reparameterize(mu, logvar, tensor(rng, 3, 7, 5)),
        "kl": V.gaussian_kl(mu, logvar),
        "loglik": V.bernoulli_log_likelihood(logits, x),
        "negative_elbo": loss.detach(),
        "gradients": gradients(loss, *leaves),
    }


@weight(1)
@number("3.2")
@tags("gan")
def gan_losses_other_batches(sub, rng):
    """both losses of the four kinds on 9 real and 3 fake logits of a wider range"""
    G = sub.gan
    real, fake = tensor(rng, 9, scale=5.0), tensor(rng, 3, scale=5.0)
    return {
        kind: [G.discriminator_loss(real, fake, kind), G.generator_loss(fake, kind)]
        for kind in KINDS
    }


@weight(1)
@number("4.2")
@tags("gan", "wgan-gp")
def gradient_penalty_other_shapes(sub, rng):
    """gradient_penalty on 3 images (2, 3, 3) and on 6 vectors (5,)"""
    return {
        "images": penalty_outputs(sub, rng, (3, 2, 3, 3)),
        "vectors": penalty_outputs(sub, rng, (6, 5)),
    }


@weight(1)
@number("6.2")
@tags("diffusion")
def schedules_and_forward_process_other_sizes(sub, rng):
    """linear_betas (T 25), cosine_betas (T 40), q_sample of 8 examples (3,) on the
    cosine schedule, noise_loss with a fixed model"""
    D = sub.diffusion
    betas = D.cosine_betas(40)
    alpha_bar = D.alphas_cumprod(betas)
    x0, noise = tensor(rng, 8, 3), tensor(rng, 8, 3)
    t = torch.tensor(rng.integers(1, 41, size=8))
    model = FixedField(rng, 3, scale=40.0)
    return {
        "linear": D.linear_betas(25),
        "cosine": betas,
        "q_sample": D.q_sample(x0, t, noise, alpha_bar),
        "noise_loss": D.noise_loss(model, x0, t, noise, alpha_bar),
        "model_times": model.calls(),
    }


@weight(1)
@number("7.3")
@tags("diffusion", "sampling")
def samplers_other_schedules(sub, rng):
    """ddpm_step at t = 2, ddim_step from 20 to 13; DDPM over T = 9 and DDIM in 5 steps
    of T = 20 (shape (3, 2, 2)), the generator's next draws"""
    D = sub.diffusion
    betas = D.cosine_betas(20)
    alpha_bar = D.alphas_cumprod(betas)
    model = FixedField(rng, 4, scale=20.0)
    x_t = tensor(rng, 3, 2, 2)
    out = {
        "ddpm_t2": D.ddpm_step(model, x_t, 2, tensor(rng, 3, 2, 2), betas, alpha_bar),
        "ddim_20_13": D.ddim_step(model, x_t, 20, 13, alpha_bar),
    }
    for name, T, steps, method in (("ddpm", 9, None, "ddpm"), ("ddim", 20, 5, "ddim")):
        g = generator(rng)
        x = D.sample(
            model, (3, 2, 2), g, D.linear_betas(T, 0.02, 0.2), steps, method, torch.float64
        )
        out[name] = {"x0": x, "next_draws": torch.rand(2, generator=g, dtype=torch.float64)}
    return out


@weight(1)
@number("10.4")
@tags("flow")
def flow_other_shapes(sub, rng):
    """interpolate, target_velocity and flow_matching_loss on 6 points (3,); euler_sample
    in 7 steps"""
    F = sub.flow
    x0, x1 = tensor(rng, 6, 3), tensor(rng, 6, 3)
    t = torch.tensor(rng.uniform(size=6))
    model = FixedField(rng, 3, scale=1.0)
    return {
        "interpolate": F.interpolate(x0, x1, t),
        "velocity": F.target_velocity(x0, x1),
        "loss": F.flow_matching_loss(model, x0, x1, t),
        "euler": F.euler_sample(model, x0, 7),
    }


@weight(1)
@number("2.3")
@tags("vae")
def vae_network_other_sizes(sub, rng):
    """VAE(latent_dim=2, hidden=7) on fixed weights: shapes, encode, decode, forward"""
    V = sub.vae
    model = with_weights(V.VAE(latent_dim=2, hidden=7), rng)
    x = uniform(rng, 5, 64)
    with torch.no_grad():
        return {
            "shapes": shapes(model),
            "encode": model.encode(x),
            "decode": model.decode(tensor(rng, 3, 5, 2)),
            "forward": model(x, tensor(rng, 5, 2)),
        }


@weight(1)
@number("5.3")
@tags("gan")
def dcgan_networks_other_noise(sub, rng):
    """Generator(z_dim=9) and Discriminator() on fixed weights, 5 images"""
    G = sub.gan
    gen = with_weights(G.Generator(z_dim=9), rng).eval()
    disc = with_weights(G.Discriminator(), rng).eval()
    with torch.no_grad():
        images = gen(tensor(rng, 5, 9))
        return {"images": images, "logits": disc(images)}


@weight(1)
@number("8.3")
@tags("diffusion")
def time_embedding_other_sizes(sub, rng):
    """time_embedding of 7 steps in 16 dimensions and of 3 fractional times in 2;
    Denoiser2D(hidden=5, time_dim=4) on fixed weights"""
    D = sub.diffusion
    model = with_weights(D.Denoiser2D(hidden=5, time_dim=4), rng)
    with torch.no_grad():
        return {
            "integers": D.time_embedding(torch.tensor(rng.integers(1, 1001, size=7)), 16),
            "fractions": D.time_embedding(torch.tensor(rng.uniform(0, 3, size=3)), 2),
            "denoiser": model(tensor(rng, 4, 2), torch.tensor(rng.integers(1, 101, size=4))),
        }


@weight(1)
@number("11.3")
@tags("tabular", "dynamic programming")
@grader_data(lakes(("five", 5, True), ("six", 6, False)))
def dynamic_programming_on_random_lakes(sub, rng, data):
    """value_iteration, policy_evaluation of a random policy and policy_iteration on a
    random slippery 5x5 lake and a random plain 6x6 lake (gamma 0.99)"""
    Tab = sub.tabular
    out = {}
    for name in ("five", "six"):
        P, R, _ = tables(data, name)
        V, found = Tab.value_iteration(P, R, GAMMA, 1e-10)
        W, improved = Tab.policy_iteration(P, R, GAMMA)
        out[name] = {
            "value_iteration": [V, policy_value(P, R, found, GAMMA)],
            "policy_iteration": [W, policy_value(P, R, improved, GAMMA)],
            "evaluation": Tab.policy_evaluation(P, R, rng.integers(0, 4, size=P.shape[0]), 0.9),
        }
    return out


@weight(1)
@number("12.3")
@tags("tabular", "q-learning")
@grader_data(lakes(("five", 5, True)))
def q_learning_on_a_random_lake(sub, rng, data):
    """q_learning, 80 episodes on a random slippery 5x5 lake (alpha 0.3, gamma 0.95,
    epsilon 0.2, max_steps 40): Q exactly, and the simulator steps taken"""
    P, R, terminal = tables(data, "five")
    step = TableSimulator(P, R, terminal, np.random.default_rng(int(rng.integers(2**31))))
    explore = np.random.default_rng(int(rng.integers(2**31)))
    Q = sub.tabular.q_learning(step, 25, 4, 0, 80, 0.3, 0.95, 0.2, explore, 40)
    return {"Q": Q, "steps": step.steps}


@weight(1)
@number("13.2")
@tags("returns", "gae")
def reward_to_go_and_gae_on_a_longer_batch(sub, rng):
    """reward_to_go and gae (gamma 0.99, lam 0.9) on a batch of 7 episodes of random
    lengths and ends"""
    Ret = sub.returns
    lengths = [int(n) for n in rng.integers(1, 8, size=7)]
    ends = [("terminated", "truncated")[int(i)] for i in rng.integers(0, 2, size=7)]
    batch = episodes_batch(rng, lengths, ends)
    args = [batch[k] for k in ("rewards", "values", "next_values", "terminated", "truncated")]
    return {
        "reward_to_go": Ret.reward_to_go(batch["rewards"], batch["dones"], 0.99),
        "gae": Ret.gae(*args, 0.99, 0.9),
    }


@weight(1)
@number("16.2")
@tags("ppo")
def ppo_loss_other_batch(sub, rng):
    """categorical_logprob_entropy of logits (9, 5); ppo_loss (clip 0.1, vf_coef 1,
    ent_coef 0.05) on 9 random log-probability changes, normalized advantages, and the
    gradient of the total with respect to the new log-probabilities"""
    PPO = sub.ppo
    logits = tensor(rng, 9, 5, scale=2.0)
    actions = torch.tensor(rng.integers(0, 5, size=9))
    logprobs, entropy = PPO.categorical_logprob_entropy(logits, actions)
    new = (logprobs.detach() + tensor(rng, 9, scale=0.3)).requires_grad_(True)
    losses = PPO.ppo_loss(
        new,
        logprobs.detach(),
        tensor(rng, 9),
        tensor(rng, 9),
        tensor(rng, 9),
        entropy.detach(),
        0.1,
        1.0,
        0.05,
        True,
    )
    return {
        "logprob_entropy": [logprobs, entropy],
        "losses": [loss.detach() for loss in losses],
        "gradient": gradients(losses[0], new),
    }


@weight(1)
@number("9.3")
@tags("diffusion", "digits")
def digit_denoiser_other_sizes(sub, rng):
    """DigitDenoiser(hidden=5, time_dim=4) on fixed weights: 2 images; sample_digits of
    3 images in 2 DDIM steps"""
    DD = sub.digit_diffusion
    model = with_weights(DD.DigitDenoiser(hidden=5, time_dim=4), rng)
    with torch.no_grad():
        return {
            "images": model(tensor(rng, 2, 1, 8, 8), torch.tensor(rng.integers(1, 1001, size=2))),
            "samples": DD.sample_digits(model, 3, generator(rng), 2),
        }


@weight(1)
@number("14.3")
@tags("reinforce")
def policy_gradient_losses_other_sizes(sub, rng):
    """policy_loss of logits (9, 3), value_loss and normalize of 9 values"""
    RF = sub.reinforce
    logits = tensor(rng, 9, 3, scale=3.0).requires_grad_(True)
    loss = RF.policy_loss(logits, torch.tensor(rng.integers(0, 3, size=9)), tensor(rng, 9))
    loss.backward()
    return {
        "policy_loss": loss.detach(),
        "logits_grad": logits.grad,
        "value_loss": RF.value_loss(tensor(rng, 9), tensor(rng, 9)),
        "normalize": RF.normalize(tensor(rng, 9, scale=10.0)),
    }


@weight(1)
@number("15.3")
@tags("dqn")
def replay_buffer_and_targets_other_sizes(sub, rng):
    """ReplayBuffer(capacity 3) after 8 transitions, 4 sampled; epsilon_schedule with
    other ends; dqn_targets and double_dqn_targets of 5 transitions over 4 actions"""
    DQ = sub.dqn
    buffer = DQ.ReplayBuffer(3, 2)
    for k in range(8):
        buffer.add(
            rng.normal(size=2),
            int(rng.integers(4)),
            float(rng.normal()),
            rng.normal(size=2),
            k % 2 == 1,
        )
    sampled = buffer.sample(4, np.random.default_rng(int(rng.integers(2**31))))
    rewards, terminated = tensor(rng, 5), torch.tensor(rng.integers(0, 2, size=5).astype(bool))
    online, target = tensor(rng, 5, 4), tensor(rng, 5, 4)
    return {
        "length": len(buffer),
        "sampled": list(sampled),
        "epsilon": [DQ.epsilon_schedule(s, 0.5, 0.1, 300) for s in (0, 100, 299, 300, 301)],
        "dqn": DQ.dqn_targets(rewards, target, terminated, 0.99),
        "double": DQ.double_dqn_targets(rewards, online, target, terminated, 0.99),
    }
