"""Hidden cases of hw1: never in the handout; the grader draws their inputs from a secret seed.

Their Gradescope visibility is "visible": students see each case's name, score and a
short verdict right away, never its inputs or expected values.
"""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.cases import grader_data, judged_by, time_limit, tolerance
from autograder.passes import layer_check
from autograder.trained import weights
from hw1.cases.checks import digits_split, held_out_accuracy
from hw1.cases.harness import (
    AFFINE,
    NORM,
    blobs,
    early_best_run,
    mlp_with_params,
    optimizer_run,
    spawn,
    trained_history,
)


@weight(3)
@number("2.2")
@tags("layers")
def affine_wide_and_single_example(sub, rng):
    """affine forward and backward on a (64, 100) batch and on a batch of one"""
    L = sub.layers
    wide = (rng.normal(size=(64, 100)), rng.normal(size=(100, 30)), rng.normal(size=30))
    single = (rng.normal(size=(1, 7)), rng.normal(size=(7, 2)), rng.normal(size=2))
    return {
        "wide": layer_check(L.affine_forward, L.affine_backward, wide, rng, AFFINE),
        "single": layer_check(L.affine_forward, L.affine_backward, single, rng, AFFINE),
    }


@weight(3)
@number("3.2")
@tags("layers", "activations")
def relu_and_leaky_relu_3d(sub, rng):
    """ReLU and leaky ReLU (default alpha and 0.2) on a 3-D input with exact zeros"""
    x = rng.normal(size=(2, 3, 4))
    x[rng.random(x.shape) < 0.2] = 0.0
    L = sub.layers
    return {
        "relu": layer_check(L.relu_forward, L.relu_backward, (x,), rng),
        "leaky_default": layer_check(L.leaky_relu_forward, L.leaky_relu_backward, (x,), rng),
        "leaky_0.2": layer_check(L.leaky_relu_forward, L.leaky_relu_backward, (x,), rng, alpha=0.2),
    }


@weight(2)
@number("4.2")
@tags("layers", "activations")
@tolerance(rtol=1e-6, atol=1e-12)
def sigmoid_and_tanh_saturated(sub, rng):
    """sigmoid and tanh from -800 to 800: finite outputs and gradients, no NaN"""
    x = np.concatenate([rng.uniform(-800, 800, size=30), rng.normal(size=10), [0.0]])
    L = sub.layers
    return {
        "sigmoid": layer_check(L.sigmoid_forward, L.sigmoid_backward, (x,), rng),
        "tanh": layer_check(L.tanh_forward, L.tanh_backward, (x,), rng),
    }


@weight(2)
@number("5.2")
@tags("layers", "activations")
def gelu_wide_range(sub, rng):
    """GELU forward and backward from -10 to 10, zero included"""
    x = np.concatenate([rng.uniform(-10, 10, size=(40,)), [0.0]]).reshape(1, 41)
    return layer_check(sub.layers.gelu_forward, sub.layers.gelu_backward, (x,), rng)


@weight(3)
@number("6.2")
@tags("layers", "regularization")
def dropout_large_and_p_zero(sub, rng):
    """dropout with p = 0.5 on (100, 50), p = 0 in training, and a 3-D evaluation input"""
    a, b, c = spawn(rng, 3)
    L = sub.layers
    x = rng.normal(size=(100, 50))
    half = layer_check(L.dropout_forward, L.dropout_backward, (x, 0.5, True, a), rng)
    none = layer_check(L.dropout_forward, L.dropout_backward, (x[:5], 0.0, True, b), rng)
    x3 = rng.normal(size=(2, 3, 4))
    evaluation = layer_check(L.dropout_forward, L.dropout_backward, (x3, 0.9, False, c), rng)
    return {"p0.5": half, "p0": none, "eval": evaluation}


@weight(2)
@number("7.2")
@tags("layers", "normalization")
def batchnorm_running_stats_then_eval(sub, rng):
    """five training steps (momentum 0.8, eps 1e-3), then evaluation with running stats"""
    gamma, beta = 1.0 + 0.1 * rng.normal(size=6), rng.normal(size=6)
    state = {"train": True, "momentum": 0.8, "eps": 1e-3}
    L = sub.layers
    for _ in range(5):
        L.batchnorm_forward(5.0 + 2.0 * rng.normal(size=(16, 6)), gamma, beta, state)
    state["train"] = False
    out, _ = L.batchnorm_forward(5.0 + 2.0 * rng.normal(size=(3, 6)), gamma, beta, state)
    return {"out": out, "running_mean": state["running_mean"], "running_var": state["running_var"]}


@weight(2)
@number("7.3")
@tags("layers", "normalization")
@tolerance(rtol=1e-6, atol=1e-9)
def batchnorm_backward_large(sub, rng):
    """batch normalization gradients on a (200, 30) batch with mean 5 and spread 10"""
    x = 5.0 + 10.0 * rng.normal(size=(200, 30))
    gamma, beta = rng.normal(size=30), rng.normal(size=30)
    L = sub.layers
    return layer_check(
        L.batchnorm_forward, L.batchnorm_backward, (x, gamma, beta, {"train": True}), rng, NORM
    )


@weight(2)
@number("8.2")
@tags("layers", "normalization")
@tolerance(rtol=1e-6, atol=1e-9)
def layernorm_large_with_eps(sub, rng):
    """layer normalization on (64, 50), eps 1e-3, rows of very different scales"""
    x = rng.normal(size=(64, 50)) * np.exp(rng.uniform(-3, 3, size=(64, 1)))
    gamma, beta = rng.normal(size=50), rng.normal(size=50)
    L = sub.layers
    return layer_check(
        L.layernorm_forward, L.layernorm_backward, (x, gamma, beta), rng, NORM, eps=1e-3
    )


@weight(1)
@number("9.3")
@tags("losses")
def softmax_cross_entropy_extreme(sub, rng):
    """cross-entropy with scores near +-1e4 (a naive log(softmax) gives inf) and 100 classes"""
    extreme = rng.choice([-1e4, 1e4], size=(6, 5)) + rng.normal(size=(6, 5))
    y_extreme = rng.integers(0, 5, size=6)
    wide, y_wide = rng.normal(size=(20, 100)), rng.integers(0, 100, size=20)
    ce = sub.losses.softmax_cross_entropy
    return {"extreme": ce(extreme, y_extreme), "wide": ce(wide, y_wide)}


@weight(1)
@number("9.4")
@tags("losses")
def mse_3d(sub, rng):
    """mean squared error of (2, 3, 4) predictions"""
    pred, target = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    return sub.losses.mse(pred, target)


@weight(2)
@number("10.2")
@tags("initialization")
def xavier_and_kaiming_large(sub, rng):
    """Xavier and Kaiming weights for (784, 256) and (256, 10) layers"""
    a, b = spawn(rng, 2)
    I = sub.init  # noqa: E741
    return {
        "xavier": [I.xavier_normal(784, 256, a), I.xavier_normal(256, 10, a)],
        "kaiming": [I.kaiming_normal(784, 256, b), I.kaiming_normal(256, 10, b)],
    }


@weight(2)
@number("1.3")
@tags("autodiff")
def autodiff_reuse_and_derived_ops(sub, rng):
    """nodes used twice (x * x, a diamond), subtraction, division, ReLU at exactly 0"""
    Value = sub.autodiff.Value
    x, a, b = (Value(float(v)) for v in 0.5 + rng.random(3))
    y = x * x + x * 3.0 + x
    z = y * y
    e, t = a.exp(), a.tanh()
    diamond = e * t + e / (t + 2.0) - a
    zero = Value(0.0)
    kink = zero.relu() * b + (b - 10.0).relu()
    total = z + diamond + kink + b**-1.5
    total.backward()
    grads = {"x": x.grad, "a": a.grad, "b": b.grad, "zero": zero.grad, "y": y.grad}
    return {"total": total.data, "grad": grads}


@weight(2)
@number("1.4")
@tags("autodiff")
def autodiff_deep_chain_and_softmax_loss(sub, rng):
    """a chain of 6000 operations (deeper than Python's recursion limit) and a softmax loss"""
    Value = sub.autodiff.Value
    x0 = Value(float(rng.uniform(0.2, 0.8)))
    h = x0
    for _ in range(2000):
        h = h * 0.999 + h.tanh() * 0.001
    h.backward()
    logits = [Value(float(v)) for v in rng.normal(size=5)]
    label = int(rng.integers(0, 5))
    exps = [v.exp() for v in logits]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    loss = total.log() - logits[label]
    loss.backward()
    return {
        "chain": {"out": h.data, "grad": x0.grad},
        "loss": loss.data,
        "grad": {f"logit{i}": v.grad for i, v in enumerate(logits)},
    }


@weight(1)
@number("11.2")
@tags("model")
@tolerance(rtol=1e-6, atol=1e-9)
def mlp_loss_batchnorm_dropout_tanh(sub, rng):
    """a [10, 8, 7, 6, 4] tanh MLP with batchnorm, dropout 0.2 and L2 0.05: train and eval"""
    model = mlp_with_params(
        sub.model, [10, 8, 7, 6, 4], rng, activation="tanh", dropout=0.2, batchnorm=True, l2=0.05
    )
    X, y = rng.normal(size=(12, 10)), rng.integers(0, 4, size=12)
    loss, grads = model.loss(X, y)
    return {"loss": loss, "grads": grads, "scores": model.loss(X[:5])}


@weight(2)
@number("11.3")
@tags("model")
@tolerance(rtol=1e-6, atol=1e-9)
def mlp_loss_every_activation(sub, rng):
    """[5, 6, 6, 3] MLPs with leaky ReLU, sigmoid and GELU, no L2: losses and gradients"""
    X, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    results = {}
    for activation in ("leaky_relu", "sigmoid", "gelu"):
        model = mlp_with_params(sub.model, [5, 6, 6, 3], rng, activation=activation)
        results[activation] = model.loss(X, y)
    return results


@weight(3)
@number("12.2")
@tags("optimizers")
def sgd_momentum_nesterov_ten_steps(sub, rng):
    """ten steps with momentum 0.5, a learning rate that changes, w never modified in place"""
    w, grads = rng.normal(size=(3, 4)), list(rng.normal(size=(10, 3, 4)))
    lrs = list(0.1 * 0.8 ** np.arange(10))
    O = sub.optim
    return {
        "sgd": optimizer_run(O.sgd, w, grads, {"lr": 0.1}, (), lrs),
        "momentum": optimizer_run(
            O.sgd_momentum, w, grads, {"lr": 0.1, "momentum": 0.5}, ("velocity",), lrs
        ),
        "nesterov": optimizer_run(
            O.nesterov, w, grads, {"lr": 0.1, "momentum": 0.5}, ("velocity",), lrs
        ),
    }


@weight(4)
@number("13.2")
@tags("optimizers")
@tolerance(rtol=1e-6, atol=1e-10)
def rmsprop_adam_adamw_twenty_steps(sub, rng):
    """twenty steps with custom hyperparameters and gradients of very different scales"""
    w = rng.normal(size=(2, 5))
    grads = list(rng.normal(size=(20, 2, 5)) * np.array([1e-3, 1.0, 1e3, 1.0, 1e-1]))
    O = sub.optim
    hyper = {"lr": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6}
    return {
        "rmsprop": optimizer_run(
            O.rmsprop, w, grads, {"lr": 0.02, "alpha": 0.9, "eps": 1e-6}, ("square_avg",)
        ),
        "adam": optimizer_run(O.adam, w, grads, dict(hyper), ("m", "v", "t")),
        "adamw": optimizer_run(O.adamw, w, grads, {**hyper, "weight_decay": 0.1}, ("m", "v", "t")),
    }


@weight(1)
@number("14.2")
@tags("schedules")
def schedules_long_and_edges(sub, rng):
    """step decay by 0.5 every 10 steps; cosine without warm-up, and past its last step"""
    O = sub.optim
    return {
        "step": [O.step_decay(t, 1.0, every=10, gamma=0.5) for t in range(0, 45, 3)],
        "cosine_no_warmup": [O.cosine_with_warmup(t, 20, 0, 0.3) for t in range(20)],
        "cosine_warmup_past_end": [O.cosine_with_warmup(t, 30, 10, 1.0, 0.1) for t in range(35)],
    }


@weight(3)
@number("15.2")
@tags("training")
@tolerance(rtol=1e-5, atol=1e-7)
def train_adam_batchnorm_dropout(sub, rng):
    """train with Adam, warm-up, batchnorm and dropout for 6 epochs, twice: the best epoch
    (an early one, the second time) is kept, with its running statistics"""
    X, y = blobs(rng, 200, 6, 4)
    options = {"batchnorm": True, "dropout": 0.1}

    def adam(lr: float):
        return sub.train.TrainConfig(
            optimizer="adam", lr=lr, epochs=6, batch_size=25, warmup=5, hyper={"beta2": 0.99}
        )

    model = mlp_with_params(sub.model, [6, 12, 4], rng, **options)
    (train_rng,) = spawn(rng, 1)
    data = (X[:160], y[:160], X[160:], y[160:])
    return {
        "plain": trained_history(sub.train, model, data, adam(0.03), train_rng),
        "early_best": early_best_run(sub, rng, [6, 12, 4], adam(0.01), **options),
    }


@weight(8)
@number("16.2")
@tags("training", "digits")
@time_limit(120)
@judged_by(held_out_accuracy)
@grader_data(digits_split)
def train_digits_hidden_split(sub, rng, data):
    """train an MLP on a hidden split; its weights get at least 96% of 359 held-out digits right

    Calibrated (tests/hw1/test_digits.py): the reference passes on 20 of 20 grading
    secrets, 97.2% to 99.7% right (median 98.5%), at least 1.2 points above the target.
    """
    model = sub.train.train_digits(data["X_train"], data["y_train"], rng)
    return {"weights": weights(model, "train_digits", "the trained MLP")}
