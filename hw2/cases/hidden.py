"""Hidden cases of hw2: never in the handout; the grader draws their inputs from a secret seed."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.cases import grader_data, judged_by, time_limit, tolerance
from autograder.lazy_import import lazy
from autograder.passes import layer_check
from autograder.torch_inputs import shapes, tensor
from autograder.trained import weights
from hw2.cases.checks import (
    digits_split,
    explained_cleanly,
    held_out_accuracy,
    resnet_feature_sizes_first,
    shifted_items,
)
from hw2.cases.harness import (
    CONV,
    NORM,
    TINY_CNN_BN,
    TINY_CNN_POOL,
    augmented_items,
    avg_pools,
    call_on_copies,
    conv_inputs,
    copies,
    explained,
    kept,
    max_pools,
    resnet_outputs,
    tiny_cnn,
    with_random_biases,
    with_weights,
)

torch = lazy("torch")  # imported where a case runs (the worker), not in the judge


@weight(5)
@number("1.2")
@tags("numpy", "convolution")
def conv_naive_strided_rectangular(sub, rng):
    """naive convolution with stride 2, no padding, a 3x2 kernel, on (2, 2, 7, 6)"""
    C = sub.conv
    inputs = conv_inputs(rng, (2, 2, 7, 6), (3, 2, 3, 2))
    return layer_check(
        C.conv_forward_naive, C.conv_backward_naive, inputs, rng, CONV, stride=2, pad=0
    )


@weight(3)
@number("2.3")
@tags("numpy", "convolution")
def conv_fast_strided_rectangular_padded(sub, rng):
    """fast convolution: stride 3 and pad 2 with a 3x2 kernel; stride 2 with no padding;
    a 2x5 kernel on 3x9 inputs, stride 2"""
    forward, backward = sub.conv.conv_forward_fast, sub.conv.conv_backward_fast
    a = conv_inputs(rng, (2, 3, 9, 8), (2, 3, 3, 2))
    b = conv_inputs(rng, (1, 2, 7, 6), (3, 2, 3, 3))
    c = conv_inputs(rng, (2, 2, 3, 9), (2, 2, 2, 5))
    return {
        "s3p2": layer_check(forward, backward, a, rng, CONV, stride=3, pad=2),
        "s2p0": layer_check(forward, backward, b, rng, CONV, stride=2, pad=0),
        "wide_kernel": layer_check(forward, backward, c, rng, CONV, stride=2, pad=0),
    }


@weight(2)
@number("2.4")
@tags("numpy", "convolution", "speed")
@time_limit(5)
def conv_fast_cifar_sized_batch(sub, rng):
    """fast convolution on x (50, 3, 32, 32), w (16, 3, 3, 3), pad 1, within 5 s (loops
    over pixels take minutes)"""
    C = sub.conv
    inputs = conv_inputs(rng, (50, 3, 32, 32), (16, 3, 3, 3))
    return layer_check(
        C.conv_forward_fast, C.conv_backward_fast, inputs, rng, CONV, stride=1, pad=1
    )


@weight(5)
@number("3.2")
@tags("numpy", "pooling")
def max_pool_overlapping_with_ties(sub, rng):
    """max pooling 3x3 stride 2 (overlapping), and 2x2 on inputs with many equal maxima"""
    P = sub.pool
    x = rng.normal(size=(2, 2, 7, 9))
    ties = rng.integers(0, 2, size=(2, 2, 6, 6)).astype(float)
    out = {}
    for speed, (forward, backward) in max_pools(P).items():
        out[speed] = {
            "overlap": layer_check(forward, backward, (x,), rng, k=3, stride=2),
            "ties": layer_check(forward, backward, (ties,), rng),
        }
    return out


@weight(3)
@number("4.2")
@tags("numpy", "pooling")
def avg_pool_overlapping(sub, rng):
    """average pooling 3x3 stride 2 (overlapping) and 3x3 stride 3, naive and fast"""
    P, x = sub.pool, rng.normal(size=(2, 2, 9, 9))
    out = {}
    for speed, (forward, backward) in avg_pools(P).items():
        out[speed] = {
            "k3s2": layer_check(forward, backward, (x,), rng, k=3, stride=2),
            "k3s3": layer_check(forward, backward, (x,), rng, k=3, stride=3),
        }
    return out


@weight(3)
@number("5.3")
@tags("numpy", "normalization")
@tolerance(rtol=1e-6, atol=1e-9)
def spatial_batchnorm_eval_and_large_backward(sub, rng):
    """four training steps (momentum 0.7), evaluation with running stats, a large backward"""
    N = sub.normalization
    name = "spatial_batchnorm_forward"
    gamma, beta = 1.0 + 0.1 * rng.normal(size=4), rng.normal(size=4)
    state = {"train": True, "momentum": 0.7}
    for _ in range(4):
        x = 3.0 + 2.0 * rng.normal(size=(5, 4, 3, 3))
        call_on_copies(N.spatial_batchnorm_forward, name, x, gamma, beta, state)
    state["train"] = False
    x = rng.normal(size=(2, 4, 3, 3))
    evaluated, _ = call_on_copies(N.spatial_batchnorm_forward, name, x, gamma, beta, state)
    x = 5.0 + 10.0 * rng.normal(size=(8, 4, 6, 6))
    large = layer_check(
        N.spatial_batchnorm_forward,
        N.spatial_batchnorm_backward,
        (x, gamma, beta, {"train": True}),
        rng,
        NORM,
    )
    return {
        "eval": evaluated,
        "running": [state["running_mean"], state["running_var"]],
        "large": large,
    }


@weight(3)
@number("6.3")
@tags("numpy", "normalization")
@tolerance(rtol=1e-6, atol=1e-9)
def groupnorm_one_three_and_six_groups(sub, rng):
    """group normalization of 6 channels in one group (like layer norm), in 3 groups of 2,
    and in one group per channel"""
    N = sub.normalization
    x = rng.normal(size=(2, 6, 3, 5)) * np.exp(rng.uniform(-2, 2, size=(2, 1, 1, 1)))
    x = x + rng.normal(size=(1, 6, 1, 1))  # channels of a group differ: the groups matter
    gamma, beta = rng.normal(size=6), rng.normal(size=6)
    return {
        str(g): layer_check(
            N.groupnorm_forward, N.groupnorm_backward, (x, gamma, beta, g), rng, NORM, eps=1e-3
        )
        for g in (1, 3, 6)
    }


@weight(5)
@number("7.2")
@tags("numpy", "model")
@tolerance(rtol=1e-6, atol=1e-9)
def convnet_loss_default_sizes(sub, rng):
    """the numpy ConvNet with 16 filters, 64 hidden units, L2 0.01, on 12 images"""
    net = with_random_biases(
        sub.convnet.ConvNet(np.random.default_rng(rng.integers(2**32)), l2=0.01), rng
    )
    X, y = rng.uniform(0, 1, size=(12, 1, 8, 8)), rng.integers(0, 10, size=12)
    loss, grads = call_on_copies(net.loss, "ConvNet.loss", X, y)
    return {"loss": loss, "grads": grads, "scores": call_on_copies(net.loss, "ConvNet.loss", X[:3])}


@weight(2)
@number("8.3")
@tags("pytorch", "model")
@tolerance(rtol=1e-6, atol=1e-9)
def digits_cnn_default_train_mode(sub, rng):
    """DigitsCNN() on fixed weights: scores in training mode (batch statistics, no dropout)"""
    model = with_weights(sub.cnn.DigitsCNN(dropout=0.0), rng).train()
    with torch.no_grad():
        scores = model(tensor(rng, 6, 1, 8, 8))
    return {"shapes": shapes(model), "scores": scores}


@weight(2)
@number("9.2")
@tags("pytorch", "augmentation")
@judged_by(shifted_items)
def augmented_dataset_over_two_epochs(sub, rng):
    """DigitsDataset of 200 images with sharp edges, read twice with digits_augmentation():
    shifts of at most one pixel, drawn anew at each access"""
    images = torch.tensor((rng.random((200, 1, 8, 8)) > 0.5).astype(np.float32))
    return augmented_items(sub, images, rng, passes=2)


@weight(6)
@number("10.3")
@tags("pytorch", "training", "digits")
@time_limit(180)
@judged_by(held_out_accuracy)
@grader_data(digits_split)
def train_digits_cnn_hidden_split(sub, rng, data):
    """train a DigitsCNN on a hidden split; its weights get at least 97% of 359 held-out right

    Calibrated (tests/hw2/test_digits.py): the reference passes on 20 of 20 grading
    secrets, 98.1% to 99.7% right (median 98.9%), at least 1.1 points above the target.
    """
    model = sub.cnn.train_digits_cnn(data["X_train"], data["y_train"], int(rng.integers(2**31)))
    return {"weights": weights(model, "train_digits_cnn", "the trained DigitsCNN")}


@weight(3)
@number("11.2")
@tags("pytorch", "resnet")
@tolerance(rtol=1e-6, atol=1e-9)
def basic_block_training_mode_and_input_gradient(sub, rng):
    """BasicBlock(3, 6, stride 2) in training mode: output and the gradient of its input"""
    block = with_weights(sub.resnet.BasicBlock(3, 6, stride=2), rng).train()
    x = tensor(rng, 4, 3, 8, 8).requires_grad_(True)
    (given,) = copies(x)
    out = block(given)
    kept(block, [x], [given], "BasicBlock")
    x = given
    (grad,) = torch.autograd.grad((out * tensor(rng, *out.shape)).sum(), x)
    return {"shapes": shapes(block), "out": out, "dx": grad}


@weight(1)
@number("12.3")
@tags("pytorch", "resnet")
@judged_by(resnet_feature_sizes_first)
def small_resnet_three_stages_two_blocks(sub, rng):
    """SmallResNet(widths (4, 8, 16), two blocks each) on 3-channel images"""
    model = sub.resnet.SmallResNet(cin=3, classes=7, widths=(4, 8, 16), blocks=2)
    return resnet_outputs(with_weights(model, rng).eval(), tensor(rng, 2, 3, 12, 12))


@weight(3)
@number("13.2")
@tags("pytorch", "imbalance")
def focal_loss_weighted_and_extreme(sub, rng):
    """focal loss with class weights and gamma 0.5, 1, 3; and logits of +-1e4"""
    logits = tensor(rng, 10, 5, scale=3.0).requires_grad_(True)
    targets = torch.tensor(rng.integers(0, 5, size=10))
    weights = torch.tensor(rng.uniform(0.2, 3.0, size=5))
    focal_loss, out = sub.imbalance.focal_loss, {}
    for gamma in (0.5, 1.0, 3.0):
        given = copies(logits, targets, gamma, weights)
        loss = focal_loss(*given)
        kept(focal_loss, (logits, targets, gamma, weights), given, "focal_loss")
        (grad,) = torch.autograd.grad(loss, given[0])
        out[str(gamma)] = {"loss": loss, "grad": grad}
    extreme = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dtype=torch.float64)
    out["extreme"] = sub.imbalance.focal_loss(extreme, torch.tensor([1, 1]), gamma=2.0)
    return out


@weight(2)
@number("14.2")
@tags("imbalance")
def class_balanced_weights_edges(sub, rng):
    """class-balanced weights for beta 0, and a long tail of 10 classes at beta 0.9999"""
    W, name = sub.imbalance.class_balanced_weights, "class_balanced_weights"
    counts = np.round(1000 * 0.5 ** np.arange(10)).astype(int) + 1
    return {
        "beta0": call_on_copies(W, name, counts, 0.0),
        "tail": call_on_copies(W, name, counts, 0.9999),
    }


@weight(2)
@number("15.2")
@tags("pytorch", "visualization")
@judged_by(explained_cleanly("saliency"))
def saliency_batch(sub, rng):
    """saliency maps of a small fixed CNN for 8 images, in training and evaluation mode"""
    model, x = tiny_cnn(rng), tensor(rng, 8, 2, 6, 6)
    return explained(sub.saliency.saliency, model, x, torch.tensor(rng.integers(0, 3, 8)))


@weight(2)
@number("16.2")
@tags("pytorch", "visualization")
@judged_by(explained_cleanly("grad_cam"))
def grad_cam_first_layer(sub, rng):
    """Grad-CAM at the first conv block's batch norm (6x6) and at its max pool (3x3) of a
    small fixed CNN for 5 images, in training and evaluation mode"""
    model = tiny_cnn(rng)
    x, target = tensor(rng, 5, 2, 6, 6), torch.tensor(rng.integers(0, 3, 5))
    return {
        name: explained(sub.saliency.grad_cam, model, x, target, model[index])
        for name, index in (("bn", TINY_CNN_BN), ("pool", TINY_CNN_POOL))
    }
