"""Every rule hw1's README and docstrings state fails a public case when broken.

Each row is a plausible student bug, written as one source replacement in the reference,
with the public case that must catch it and a phrase its message must hold. A student
learns each rule from `make test`, never from a hidden "wrong answer".
"""

from __future__ import annotations

from typing import Any

import pytest

# (rule, file, reference text, buggy text, the public case that catches it, a phrase of
# its message)
BUGS = [
    (
        "backward recurses",
        "autodiff.py",
        """\
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._parents if id(parent) not in seen)
""",
        """\

        def build(node: Value) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    build(parent)
                order.append(node)

        build(self)
""",
        "1.5 autodiff_backward_6000_deep_without_recursion",
        "RecursionError",
    ),
    (
        "Value.relu has gradient 1 at 0",
        "autodiff.py",
        "self.grad += (self.data > 0) * out.grad",
        "self.grad += (self.data >= 0) * out.grad",
        "1.6 autodiff_relu_gradient_zero_at_zero",
        "['grad']['zero'] differs",
    ),
    (
        "naive sigmoid overflows for x = -1000",
        "layers.py",
        """\
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
""",
        "    s = 1.0 / (1.0 + np.exp(-x))\n",
        "4.3 sigmoid_without_overflow",
        "overflow encountered in exp: sigmoid_forward must not overflow",
    ),
    (
        "sigmoid branches with np.where, each exponentiating everywhere",
        "layers.py",
        "s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "s = np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))",
        "4.3 sigmoid_without_overflow",
        "in sigmoid_forward)",
    ),
    (
        "batchnorm uses batch statistics in evaluation",
        "layers.py",
        "mu, var = running_mean, running_var",
        "mu, var = x.mean(axis=0), x.var(axis=0)",
        "7.4 batchnorm_evaluation_uses_running_statistics",
        "['eval']['out'] differs",
    ),
    (
        "batchnorm ignores momentum and eps in state",
        "layers.py",
        'eps, momentum = state.get("eps", 1e-5), state.get("momentum", 0.9)',
        "eps, momentum = 1e-5, 0.9",
        "7.4 batchnorm_evaluation_uses_running_statistics",
        "['train'][0]['out'] differs",
    ),
    (
        "layernorm ignores eps",
        "layers.py",
        "np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "np.sqrt(x.var(axis=1, keepdims=True))",
        "8.3 layernorm_eps_on_nearly_constant_rows",
        "got nan",
    ),
    (
        "layernorm adds eps outside the square root",
        "layers.py",
        "np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "(np.sqrt(x.var(axis=1, keepdims=True)) + eps)",
        "8.3 layernorm_eps_on_nearly_constant_rows",
        "['default_eps']['out'] differs",
    ),
    (
        "layernorm ignores its eps argument",
        "layers.py",
        "np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)",
        "8.3 layernorm_eps_on_nearly_constant_rows",
        "['eps_0.01']['out'] differs",
    ),
    (
        "cross-entropy as log(softmax)",
        "losses.py",
        "log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
        "log_p = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True))",
        "9.5 softmax_cross_entropy_scores_1000_apart",
        "['loss'] differs",
    ),
    (
        "cross-entropy without the max shift",
        "losses.py",
        "shifted = scores - scores.max(axis=1, keepdims=True)",
        "shifted = scores",
        "9.5 softmax_cross_entropy_scores_1000_apart",
        "['loss'] differs",
    ),
    (
        "MLP applies dropout before the activation",
        "model.py",
        """\
            h, act_cache = act_forward(h)
            h, drop_cache = layers.dropout_forward(h, self.dropout, train, self.rng)
""",
        """\
            h, drop_cache = layers.dropout_forward(h, self.dropout, train, self.rng)
            h, act_cache = act_forward(h)
""",
        "11.4 mlp_loss_affine_batchnorm_tanh_dropout_in_order",
        "['loss'] differs",
    ),
    (
        "MLP scores computed in training mode",
        "model.py",
        "train = train and y is not None",
        "train = train",
        "11.5 mlp_scores_in_evaluation_mode",
        "['scores'] differs",
    ),
    (
        "MLP applies dropout in evaluation",
        "model.py",
        "layers.dropout_forward(h, self.dropout, train, self.rng)",
        "layers.dropout_forward(h, self.dropout, True, self.rng)",
        "11.5 mlp_scores_in_evaluation_mode",
        "['scores'] differs",
    ),
    (
        "MLP leaves batchnorm in training mode",
        "model.py",
        'state["train"] = train',
        'state["train"] = True',
        "11.5 mlp_scores_in_evaluation_mode",
        "['scores'] differs",
    ),
    (
        "momentum folds lr into the velocity (CS231n's form)",
        "optim.py",
        """\
    config["velocity"] = v
    return w - config["lr"] * v, config
""",
        """\
    v = mu * config.get("velocity", np.zeros_like(w)) - config["lr"] * dw
    config["velocity"] = v
    return w + v, config
""",
        "12.3 momentum_nesterov_lr_scales_each_step",
        "['momentum']['iterates']",
    ),
    (
        "momentum ignores config's momentum",
        "optim.py",
        """\
    # BEGIN SOLUTION: update the stored velocity, then step along it
    mu = config.get("momentum", 0.9)
""",
        """\
    # BEGIN SOLUTION: update the stored velocity, then step along it
    mu = 0.9
""",
        "12.3 momentum_nesterov_lr_scales_each_step",
        "['momentum']['iterates']",
    ),
    (
        "RMSProp ignores config's alpha and eps",
        "optim.py",
        'alpha, eps = config.get("alpha", 0.99), config.get("eps", 1e-8)',
        "alpha, eps = 0.99, 1e-8",
        "13.3 rmsprop_adam_adamw_hyperparameters_from_config",
        "['rmsprop']['iterates']",
    ),
    (
        "Adam ignores config's betas",
        "optim.py",
        'beta1, beta2 = config.get("beta1", 0.9), config.get("beta2", 0.999)',
        "beta1, beta2 = 0.9, 0.999",
        "13.3 rmsprop_adam_adamw_hyperparameters_from_config",
        "['adam']['iterates']",
    ),
    (
        "Adam adds eps inside the square root",
        "optim.py",
        "m_hat / (np.sqrt(v_hat) + eps)",
        "m_hat / np.sqrt(v_hat + eps)",
        "13.3 rmsprop_adam_adamw_hyperparameters_from_config",
        "['adam']['iterates']",
    ),
    (
        "AdamW ignores config's weight decay",
        "optim.py",
        'config.get("weight_decay", 0.01)',
        "0.01",
        "13.3 rmsprop_adam_adamw_hyperparameters_from_config",
        "['adamw']['iterates']",
    ),
    (
        "step decay ignores gamma",
        "optim.py",
        "return lr * gamma ** (step // every)",
        "return lr * 0.1 ** (step // every)",
        "14.1 schedules_small",
        "['step_gamma_0.5']",
    ),
    (
        "cosine schedule without the clip",
        "optim.py",
        "progress = min(max((step - warmup) / max(total - warmup, 1), 0.0), 1.0)",
        "progress = (step - warmup) / max(total - warmup, 1)",
        "14.3 cosine_stays_at_lr_min_past_total",
        "['warmup'][11] differs",
    ),
    (
        "train puts back the best parameters but not the running statistics",
        "train.py",
        "model.params, model.bn_state = best  # type: ignore[assignment]",
        "model.params = best[0]",
        "15.3 train_puts_back_best_batchnorm_statistics",
        "['running']",
    ),
    (
        "train ignores config.hyper",
        "train.py",
        '{"lr": config.lr, **config.hyper}',
        '{"lr": config.lr}',
        "15.3 train_puts_back_best_batchnorm_statistics",
        "['loss']",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "label", "phrase"),
    [bug[1:] for bug in BUGS],
    ids=[bug[0] for bug in BUGS],
)
def test_a_public_case_catches_the_bug(
    mutants: Any, file: str, old: str, new: str, label: str, phrase: str
) -> None:
    maker = mutants("hw1")
    failures = maker.public_failures(maker.make(file, old, new))
    assert label in failures, f"{label} passes; the public cases that fail: {failures}"
    assert phrase in failures[label], failures[label]
