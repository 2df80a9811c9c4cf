"""Public cases of hw1: students run these with `make test`; the grader runs them too."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, visibility, weight

from autograder.cases import grader_data, judged_by, time_limit, tolerance
from autograder.passes import layer_check, overflow_is_an_error
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


@weight(2)
@number("2.1")
@visibility("visible")
@tags("layers")
def affine_small(sub, rng):
    """affine forward and backward: x (4, 5), w (5, 3), b (3,)"""
    x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    L = sub.layers
    return layer_check(L.affine_forward, L.affine_backward, (x, w, b), rng, AFFINE)


@weight(2)
@number("3.1")
@visibility("visible")
@tags("layers", "activations")
def relu_and_leaky_relu_small(sub, rng):
    """ReLU and leaky ReLU (alpha 0.1) forward and backward on a (3, 4) batch with zeros"""
    x = rng.normal(size=(3, 4))
    x[0, :2] = 0.0  # the gradient at exactly 0 is 0 (ReLU) and alpha (leaky ReLU)
    L = sub.layers
    return {
        "relu": layer_check(L.relu_forward, L.relu_backward, (x,), rng),
        "leaky": layer_check(L.leaky_relu_forward, L.leaky_relu_backward, (x,), rng, alpha=0.1),
    }


@weight(2)
@number("4.1")
@visibility("visible")
@tags("layers", "activations")
def sigmoid_and_tanh_small(sub, rng):
    """sigmoid and tanh forward and backward on a (4, 5) batch"""
    x = 3.0 * rng.normal(size=(4, 5))
    L = sub.layers
    return {
        "sigmoid": layer_check(L.sigmoid_forward, L.sigmoid_backward, (x,), rng),
        "tanh": layer_check(L.tanh_forward, L.tanh_backward, (x,), rng),
    }


@weight(1)
@number("4.3")
@visibility("visible")
@tags("layers", "activations")
def sigmoid_without_overflow(sub, rng):
    """sigmoid from -1000 to 1000 with numpy's overflow an error: exp may only see -|x|

    Forward and backward under np.errstate(over="raise", invalid="raise")."""
    x = np.concatenate([[-1000.0, -800.0, -40.0, 0.0, 40.0, 800.0, 1000.0], rng.normal(size=5)])
    x = x + 0.01 * rng.normal(size=x.shape)
    L = sub.layers
    hint = (
        "sigmoid_forward must not overflow for x = -1000 or 1000: exponentiate only -|x| "
        "(for x < 0, e^x / (1 + e^x)), and mind that np.where computes both branches for every x"
    )
    with overflow_is_an_error(hint):
        return layer_check(L.sigmoid_forward, L.sigmoid_backward, (x,), rng)


@weight(2)
@number("5.1")
@visibility("visible")
@tags("layers", "activations")
def gelu_small(sub, rng):
    """GELU (tanh approximation) forward and backward on a (3, 4) batch"""
    x = 2.0 * rng.normal(size=(3, 4))
    return layer_check(sub.layers.gelu_forward, sub.layers.gelu_backward, (x,), rng)


@weight(2)
@number("6.1")
@visibility("visible")
@tags("layers", "regularization")
def dropout_train_and_eval(sub, rng):
    """inverted dropout, p = 0.3: training mode (mask from rng) and evaluation mode"""
    x = rng.normal(size=(4, 5))
    mask_rng, _ = spawn(rng, 2)
    L = sub.layers
    train = layer_check(L.dropout_forward, L.dropout_backward, (x, 0.3, True, mask_rng), rng)
    evaluation = layer_check(L.dropout_forward, L.dropout_backward, (x, 0.3, False, mask_rng), rng)
    return {"train": train, "eval": evaluation}


@weight(3)
@number("7.1")
@visibility("visible")
@tags("layers", "normalization")
def batchnorm_train_step(sub, rng):
    """batch normalization in training mode: output, gradients and running statistics"""
    x = 2.0 + 3.0 * rng.normal(size=(8, 4))
    gamma, beta = 1.0 + 0.1 * rng.normal(size=4), rng.normal(size=4)
    state = {"train": True}
    L = sub.layers
    result = layer_check(
        L.batchnorm_forward, L.batchnorm_backward, (x, gamma, beta, state), rng, NORM
    )
    result["running_mean"], result["running_var"] = state["running_mean"], state["running_var"]
    return result


@weight(1)
@number("7.4")
@visibility("visible")
@tags("layers", "normalization")
def batchnorm_evaluation_uses_running_statistics(sub, rng):
    """batchnorm in evaluation uses the running statistics; momentum and eps come from state

    Two training steps with momentum 0.8 and eps 0.01 (read from state), then evaluation:
    it normalizes with running_mean and running_var and leaves them as they are."""
    gamma, beta = 1.0 + 0.1 * rng.normal(size=4), rng.normal(size=4)
    state = {"train": True, "momentum": 0.8, "eps": 1e-2}
    L = sub.layers
    steps = []
    for _ in range(2):
        out, _ = L.batchnorm_forward(3.0 + 2.0 * rng.normal(size=(6, 4)), gamma, beta, state)
        running = [np.copy(state["running_mean"]), np.copy(state["running_var"])]
        steps.append({"out": out, "running": running})
    state["train"] = False
    out, _ = L.batchnorm_forward(3.0 + 2.0 * rng.normal(size=(3, 4)), gamma, beta, state)
    evaluation = {"out": out, "running": [state["running_mean"], state["running_var"]]}
    return {"train": steps, "eval": evaluation}


@weight(2)
@number("8.1")
@visibility("visible")
@tags("layers", "normalization")
def layernorm_small(sub, rng):
    """layer normalization forward and backward on a (5, 6) batch"""
    x = 1.0 + 2.0 * rng.normal(size=(5, 6))
    gamma, beta = 1.0 + 0.1 * rng.normal(size=6), rng.normal(size=6)
    L = sub.layers
    return layer_check(L.layernorm_forward, L.layernorm_backward, (x, gamma, beta), rng, NORM)


@weight(1)
@number("8.3")
@visibility("visible")
@tags("layers", "normalization")
def layernorm_eps_on_nearly_constant_rows(sub, rng):
    """layer normalization where eps matters: rows of variance 0 and 1e-6, eps 1e-5 and 0.01

    A constant row has variance 0: only eps keeps 1 / sqrt(var + eps) finite."""
    x = rng.normal(size=(3, 6))
    x[0] = 2.0  # variance 0: only eps keeps 1 / sqrt(var + eps) finite
    x[1] = 1.0 + 1e-3 * rng.normal(size=6)  # variance about 1e-6, below eps
    gamma, beta = 1.0 + 0.1 * rng.normal(size=6), rng.normal(size=6)
    L = sub.layers
    inputs = (x, gamma, beta)
    return {
        "default_eps": layer_check(L.layernorm_forward, L.layernorm_backward, inputs, rng, NORM),
        "eps_0.01": layer_check(
            L.layernorm_forward, L.layernorm_backward, inputs, rng, NORM, eps=1e-2
        ),
    }


@weight(2)
@number("9.1")
@visibility("visible")
@tags("losses")
def softmax_cross_entropy_small(sub, rng):
    """softmax cross-entropy and its gradient: 5 examples, 4 classes"""
    scores, y = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    loss, dscores = sub.losses.softmax_cross_entropy(scores, y)
    return {"loss": loss, "dscores": dscores}


@weight(1)
@number("9.2")
@visibility("visible")
@tags("losses")
def mse_small(sub, rng):
    """mean squared error and its gradient on a (4, 3) batch"""
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss, dpred = sub.losses.mse(pred, target)
    return {"loss": loss, "dpred": dpred}


@weight(1)
@number("9.5")
@visibility("visible")
@tags("losses")
def softmax_cross_entropy_scores_1000_apart(sub, rng):
    """cross-entropy with scores 1000 apart: finite loss and gradient (max shift, no log(p))

    Subtract each row's max, and compute log p = shifted - log(sum(exp(shifted))): exp(1000)
    overflows, and p = e^-2000 underflows to 0, whose log is -inf."""
    scores = np.stack([rng.permutation([1000.0, 0.0, -1000.0]) for _ in range(4)])
    scores += rng.normal(size=(4, 3))
    y = rng.integers(0, 3, size=4)
    y[0] = int(np.argmin(scores[0]))  # p[0, y0] = e^-2000 underflows to 0: log(p) is -inf
    loss, dscores = sub.losses.softmax_cross_entropy(scores, y)
    return {"loss": loss, "dscores": dscores}


@weight(1)
@number("10.1")
@visibility("visible")
@tags("initialization")
def xavier_and_kaiming_small(sub, rng):
    """Xavier and Kaiming weights for a (6, 4) layer, from the same generator state"""
    a, b = spawn(rng, 2)
    return {"xavier": sub.init.xavier_normal(6, 4, a), "kaiming": sub.init.kaiming_normal(6, 4, b)}


@weight(3)
@number("1.1")
@visibility("visible")
@tags("autodiff")
def autodiff_add_mul_pow_tanh(sub, rng):
    """e = tanh(d a) + 3 b + d with d = a b + c^2: value and gradients of a, b, c and d"""
    Value = sub.autodiff.Value
    a, b, c = (Value(float(v)) for v in 0.7 * rng.normal(size=3))
    d = a * b + c**2
    e = (d * a).tanh() + b * 3.0 + d  # d feeds a product and a sum: both must add up
    e.backward()
    return {"e": e.data, "grad": {"a": a.grad, "b": b.grad, "c": c.grad, "d": d.grad}}


@weight(1)
@number("1.2")
@visibility("visible")
@tags("autodiff")
def autodiff_exp_log_relu(sub, rng):
    """log-sum-exp of four Values times a sum of ReLUs: value and gradients"""
    Value = sub.autodiff.Value
    x = [Value(float(v)) for v in rng.normal(size=4)]
    total = x[0].exp()
    for xi in x[1:]:
        total = total + xi.exp()
    out = total.log() * ((x[0] - x[1]).relu() + (x[2] - x[3]).relu()) + x[0]
    out.backward()
    return {"out": out.data, "grad": {f"x{i}": xi.grad for i, xi in enumerate(x)}}


@weight(1)
@number("1.5")
@visibility("visible")
@tags("autodiff")
def autodiff_backward_6000_deep_without_recursion(sub, rng):
    """backward() through a chain 6,000 operations deep: an explicit stack, not recursion

    Python stops a recursion at about 1,000 nested calls (RecursionError)."""
    Value = sub.autodiff.Value
    x = Value(float(rng.uniform(0.2, 0.8)))
    h = x
    for _ in range(1500):  # four operations per step, each on the one before
        h = (h * 1.0005 + 0.001).exp().log()
    h.backward()
    return {"out": h.data, "grad": x.grad}


@weight(1)
@number("1.6")
@visibility("visible")
@tags("autodiff")
def autodiff_relu_gradient_zero_at_zero(sub, rng):
    """Value.relu at exactly 0 passes no gradient (the convention: the left slope, 0)"""
    Value = sub.autodiff.Value
    zero, w = Value(0.0), Value(float(rng.uniform(0.5, 2.0)))
    out = (zero.relu() + zero) * w + (w * zero).relu()
    out.backward()
    return {"out": out.data, "grad": {"zero": zero.grad, "w": w.grad}}


@weight(3)
@number("11.1")
@visibility("visible")
@tags("model")
def mlp_loss_two_layers(sub, rng):
    """a [6, 5, 3] ReLU MLP with L2 0.1: loss, every gradient, and evaluation scores"""
    model = mlp_with_params(sub.model, [6, 5, 3], rng, l2=0.1)
    X, y = rng.normal(size=(4, 6)), rng.integers(0, 3, size=4)
    loss, grads = model.loss(X, y)
    return {"loss": loss, "grads": grads, "scores": model.loss(X)}


@weight(1)
@number("11.4")
@visibility("visible")
@tags("model")
@tolerance(rtol=1e-6, atol=1e-9)
def mlp_loss_affine_batchnorm_tanh_dropout_in_order(sub, rng):
    """a tanh MLP in training: affine -> batchnorm -> tanh -> dropout, in that order

    A [5, 6, 4] MLP with dropout 0.3 and L2 0.05: the loss and every gradient, gamma1 and
    beta1 included."""
    model = mlp_with_params(
        sub.model, [5, 6, 4], rng, activation="tanh", dropout=0.3, batchnorm=True, l2=0.05
    )
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 4, size=6)
    loss, grads = model.loss(X, y)
    return {"loss": loss, "grads": grads}


@weight(1)
@number("11.5")
@visibility("visible")
@tags("model")
@tolerance(rtol=1e-6, atol=1e-9)
def mlp_scores_in_evaluation_mode(sub, rng):
    """scores without labels come in evaluation mode: no dropout, batchnorm's running stats

    A [5, 6, 4] MLP with dropout 0.5 and batchnorm: the scores, and the running statistics,
    which evaluation leaves as they are."""
    model = mlp_with_params(sub.model, [5, 6, 4], rng, dropout=0.5, batchnorm=True)
    state = model.bn_state[0]
    state["running_mean"], state["running_var"] = rng.normal(size=6), rng.uniform(0.5, 2, size=6)
    scores = model.loss(rng.normal(size=(4, 5)))
    return {"scores": scores, "running": [state["running_mean"], state["running_var"]]}


@weight(2)
@number("12.1")
@visibility("visible")
@tags("optimizers")
def sgd_momentum_nesterov_three_steps(sub, rng):
    """three steps of SGD, momentum and Nesterov on the same gradients"""
    w, grads = rng.normal(size=(2, 3)), list(rng.normal(size=(3, 2, 3)))
    O = sub.optim
    return {
        "sgd": optimizer_run(O.sgd, w, grads, {"lr": 0.1}, ()),
        "momentum": optimizer_run(O.sgd_momentum, w, grads, {"lr": 0.1}, ("velocity",)),
        "nesterov": optimizer_run(O.nesterov, w, grads, {"lr": 0.1}, ("velocity",)),
    }


@weight(1)
@number("12.3")
@visibility("visible")
@tags("optimizers")
def momentum_nesterov_lr_scales_each_step(sub, rng):
    """momentum and Nesterov with a changing lr: v sums gradients, each step's lr scales it

    Four steps with momentum 0.5 (from config) and lr 0.1, 0.02, 0.3, 0.05."""
    w, grads = rng.normal(size=(2, 3)), list(rng.normal(size=(4, 2, 3)))
    lrs = [0.1, 0.02, 0.3, 0.05]
    O = sub.optim
    config = {"lr": 0.1, "momentum": 0.5}
    return {
        "momentum": optimizer_run(O.sgd_momentum, w, grads, dict(config), ("velocity",), lrs),
        "nesterov": optimizer_run(O.nesterov, w, grads, dict(config), ("velocity",), lrs),
    }


@weight(3)
@number("13.1")
@visibility("visible")
@tags("optimizers")
def rmsprop_adam_adamw_three_steps(sub, rng):
    """three steps of RMSProp, Adam and AdamW with their default hyperparameters"""
    w, grads = rng.normal(size=4), list(rng.normal(size=(3, 4)))
    O = sub.optim
    return {
        "rmsprop": optimizer_run(O.rmsprop, w, grads, {"lr": 0.01}, ("square_avg",)),
        "adam": optimizer_run(O.adam, w, grads, {"lr": 0.01}, ("m", "v", "t")),
        "adamw": optimizer_run(O.adamw, w, grads, {"lr": 0.01}, ("m", "v", "t")),
    }


@weight(1)
@number("13.3")
@visibility("visible")
@tags("optimizers")
@tolerance(rtol=1e-6, atol=1e-10)
def rmsprop_adam_adamw_hyperparameters_from_config(sub, rng):
    """RMSProp, Adam, AdamW with every hyperparameter from config; eps outside the sqrt

    Three steps with eps 1e-4 and gradients from 1e-3 to 100, where eps matters."""
    w = rng.normal(size=(2, 3))
    grads = list(rng.normal(size=(3, 2, 3)) * np.array([1e-3, 1.0, 1e2]))
    O = sub.optim
    hyper = {"lr": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 1e-4}
    return {
        "rmsprop": optimizer_run(
            O.rmsprop, w, grads, {"lr": 0.02, "alpha": 0.9, "eps": 1e-4}, ("square_avg",)
        ),
        "adam": optimizer_run(O.adam, w, grads, dict(hyper), ("m", "v", "t")),
        "adamw": optimizer_run(O.adamw, w, grads, {**hyper, "weight_decay": 0.1}, ("m", "v", "t")),
    }


@weight(1)
@number("14.1")
@visibility("visible")
@tags("schedules")
def schedules_small(sub, rng):
    """step decay (gamma 0.1 and 0.5, every 3 steps) and cosine with 4 warm-up steps"""
    O = sub.optim
    return {
        "step": [O.step_decay(t, 0.5, every=3) for t in range(12)],
        "step_gamma_0.5": [O.step_decay(t, 0.5, every=3, gamma=0.5) for t in range(12)],
        "cosine": [O.cosine_with_warmup(t, 12, 4, 0.5, 0.05) for t in range(12)],
    }


@weight(1)
@number("14.3")
@visibility("visible")
@tags("schedules")
def cosine_stays_at_lr_min_past_total(sub, rng):
    """cosine schedules run past their last step stay at lr_min (p is clipped to 1)

    With 3 warm-up steps and with none."""
    O = sub.optim
    return {
        "warmup": [O.cosine_with_warmup(t, 10, 3, 0.5, 0.05) for t in range(16)],
        "no_warmup": [O.cosine_with_warmup(t, 8, 0, 0.3) for t in range(12)],
    }


@weight(3)
@number("15.1")
@visibility("visible")
@tags("training")
@tolerance(rtol=1e-5, atol=1e-7)
def train_on_blobs(sub, rng):
    """train a [4, 16, 3] MLP with momentum for 5 epochs: history, best epoch (with ties);
    then one whose best epoch comes early: its parameters are put back"""
    X, y = blobs(rng, 124, 4, 3)
    model = mlp_with_params(sub.model, [4, 16, 3], rng)
    (train_rng,) = spawn(rng, 1)
    config = sub.train.TrainConfig(
        optimizer="sgd_momentum", lr=0.2, epochs=5, batch_size=32, warmup=3
    )
    # four validation examples: accuracies tie, and a tie must go to the later epoch
    ties = (X[:120], y[:120], X[120:], y[120:])
    out = trained_history(sub.train, model, ties, config, train_rng)
    early = sub.train.TrainConfig(
        optimizer="sgd_momentum", lr=0.02, epochs=5, batch_size=32, warmup=3
    )
    out["early_best"] = early_best_run(sub, rng, [4, 16, 3], early)
    return out


@weight(1)
@number("15.3")
@visibility("visible")
@tags("training")
@tolerance(rtol=1e-5, atol=1e-7)
def train_puts_back_best_batchnorm_statistics(sub, rng):
    """train puts back the best epoch's parameters and batchnorm running statistics

    A batchnorm MLP trained with Adam (beta2 0.99 from config.hyper) whose best epoch comes
    early."""
    config = sub.train.TrainConfig(
        optimizer="adam", lr=0.01, epochs=6, batch_size=25, warmup=5, hyper={"beta2": 0.99}
    )
    return early_best_run(sub, rng, [6, 12, 4], config, batchnorm=True, dropout=0.1)


@weight(4)
@number("16.1")
@visibility("visible")
@tags("training", "digits")
@time_limit(120)
@judged_by(held_out_accuracy)
@grader_data(digits_split)
def train_digits_public_split(sub, rng, data):
    """train an MLP on 1438 digits; its weights get at least 96% of 359 held-out ones right

    Calibrated (tests/hw1/test_digits.py): the reference passes on 20 of 20 grading
    secrets, 97.2% to 99.7% right (median 98.5%), at least 1.2 points above the target.
    """
    model = sub.train.train_digits(data["X_train"], data["y_train"], rng)
    return {"weights": weights(model, "train_digits", "the trained MLP")}
