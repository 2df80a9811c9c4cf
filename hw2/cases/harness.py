"""Set-ups the cases of hw2 share. Every random input comes from the case's generator."""

from __future__ import annotations

import numpy as np

from autograder.lazy_import import lazy
from autograder.passes import call_on_copies, copies, kept, layer_check
from autograder.torch_inputs import shapes
from autograder.trained import weights

# imported where a case runs (the worker), not in the judge, which loads this for metadata
torch = lazy("torch")
nn = lazy("torch.nn")

CONV = ("dx", "dw", "db")  # the gradients a backward pass returns, named
NORM = ("dx", "dgamma", "dbeta")


def small_convolutions(forward, backward, rng: np.random.Generator) -> dict:
    """The public convolution cases: x (2, 3, 5, 5), w (4, 3, 3, 3), stride 1, pad 1;
    x (1, 2, 7, 6), w (3, 2, 3, 2) (a rectangular kernel), stride 2, pad 1; a kernel
    longer than the input is high: x (1, 1, 2, 5), w (1, 1, 1, 4), giving (1, 1, 2, 2);
    and a stride that does not divide: x (1, 2, 8, 9), w (2, 2, 3, 3), stride 3, pad 1,
    where H' = (10 - 3) // 3 + 1 = 3 and W' = (11 - 3) // 3 + 1 = 3 leave the last row
    and columns of the padded input out of every window."""
    square = conv_inputs(rng, (2, 3, 5, 5), (4, 3, 3, 3))
    strided = conv_inputs(rng, (1, 2, 7, 6), (3, 2, 3, 2))
    wide = conv_inputs(rng, (1, 1, 2, 5), (1, 1, 1, 4))
    uneven = conv_inputs(rng, (1, 2, 8, 9), (2, 2, 3, 3))
    return {
        "s1p1": layer_check(forward, backward, square, rng, CONV, stride=1, pad=1),
        "s2p1": layer_check(forward, backward, strided, rng, CONV, stride=2, pad=1),
        "wide_kernel": layer_check(forward, backward, wide, rng, CONV, stride=1, pad=0),
        "s3p1_uneven": layer_check(forward, backward, uneven, rng, CONV, stride=3, pad=1),
    }


def timed_convolution(forward, backward, rng: np.random.Generator, x_shape, w_shape) -> dict:
    """A convolution with stride 1 and pad 1 on large inputs, forward and backward, with
    nothing around the two calls that costs as much as they do (the small cases check
    for changed inputs and the number of gradients); returns spot checks rather than
    every value, to keep the expected outputs small: the first two examples' outputs
    at every 8th position, the first example's dx, each channel's sum of out, dw, db."""
    x, w, b = conv_inputs(rng, x_shape, w_shape)
    out, cache = forward(x, w, b, stride=1, pad=1)
    out = np.asarray(out)
    dout = rng.uniform(-1.0, 1.0, size=out.shape)  # cheaper to draw than normal values
    dx, dw, db = backward(dout, cache)
    return {
        "out": out[:2, :, ::8, ::8],
        "out_sums": out.sum(axis=(0, 2, 3)),
        "dx": np.asarray(dx)[:1],
        "dw": dw,
        "db": db,
    }


def max_pools(pool) -> dict[str, tuple]:
    """The naive and the fast max pooling of a submission, forward and backward."""
    return {
        "naive": (pool.max_pool_forward_naive, pool.max_pool_backward_naive),
        "fast": (pool.max_pool_forward_fast, pool.max_pool_backward_fast),
    }


def avg_pools(pool) -> dict[str, tuple]:
    """The naive and the fast average pooling of a submission, forward and backward."""
    return {
        "naive": (pool.avg_pool_forward_naive, pool.avg_pool_backward_naive),
        "fast": (pool.avg_pool_forward_fast, pool.avg_pool_backward_fast),
    }


def with_weights(module: nn.Module, rng: np.random.Generator) -> nn.Module:
    """``module`` in float64 with every floating entry of its state (weights, biases,
    running statistics) drawn from ``rng``, in the order of the entries' names: a module
    built as its docstring says gets the same values as the reference's."""
    module = module.double()
    state = module.state_dict()
    loaded = {}
    for key in sorted(state):
        value = state[key]
        if not value.is_floating_point():
            loaded[key] = value
        elif key.endswith("running_var"):
            loaded[key] = torch.tensor(rng.uniform(0.5, 1.5, size=tuple(value.shape)))
        else:
            loaded[key] = torch.tensor(0.3 * rng.normal(size=tuple(value.shape)))
    module.load_state_dict(loaded)
    return module


def conv_inputs(
    rng: np.random.Generator, x_shape: tuple[int, ...], w_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, w and b of the given shapes."""
    return rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])


# Layers of `tiny_cnn` that the Grad-CAM cases hook
TINY_CNN_BN, TINY_CNN_POOL, TINY_CNN_BLOCK2 = 1, 3, 5


def tiny_cnn(rng: np.random.Generator) -> nn.Module:
    """A fixed small CNN of the grader's own for the saliency and Grad-CAM cases, on
    (N, 2, 6, 6) images. It comes in training mode, with batch norm and dropout that
    change its scores unless it runs in evaluation mode."""
    torch.manual_seed(int(rng.integers(2**31)))
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.BatchNorm2d(4),  # TINY_CNN_BN: (N, 4, 6, 6)
        nn.ReLU(),
        nn.MaxPool2d(2),  # TINY_CNN_POOL: (N, 4, 3, 3)
        nn.Conv2d(4, 6, 3, padding=1),
        nn.ReLU(),  # TINY_CNN_BLOCK2: (N, 6, 3, 3)
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(24, 3),
    )
    bn = model[TINY_CNN_BN]
    with torch.no_grad():  # running statistics unlike a fresh layer's, so that they matter
        bn.running_mean.copy_(torch.tensor(rng.normal(size=4)))
        bn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, size=4)))
        # scores of a trained network's size: raw Grad-CAM maps peak near 1, not near 1e-4,
        # so that an epsilon added before normalizing them stays negligible
        model[-1].weight.mul_(100.0)
    return model.double()


def with_dead_block2(model: nn.Module) -> nn.Module:
    """`tiny_cnn` with its second convolution's bias at -1000: the ReLU after it
    (TINY_CNN_BLOCK2) outputs only zeros, so every Grad-CAM map there is all zeros."""
    with torch.no_grad():
        model[TINY_CNN_BLOCK2 - 1].bias.fill_(-1000.0)
    return model


def resnet_outputs(model: nn.Module, x: torch.Tensor) -> dict:
    """A SmallResNet's state shapes, the shape of each block's output (the stem, then
    ``model.stages`` one block at a time), and its scores for x, without gradients.
    `checks.resnet_feature_sizes_first` judges them."""
    with torch.no_grad():
        h = model.stem(x)
        sizes = []
        for block in model.stages:
            h = block(h)
            sizes.append(list(h.shape))
        scores = call_on_copies(model, "SmallResNet", x)
    return {"feature_sizes": sizes, "shapes": shapes(model), "scores": scores}


def explained(explain, model: nn.Module, x: torch.Tensor, target: torch.Tensor, *layer) -> dict:
    """Call ``explain(model, *layer, x, target)`` on a model in training mode, then again
    in evaluation mode, each time on its own copy of x and target (one changed in place
    is named): the first call's maps, the mode each call left the model in, and whether
    any gradient or hook stayed behind. `checks.explained_cleanly` judges it."""
    name = explain.__name__
    model.train()
    maps = call_on_copies(explain, name, model, *layer, x, target)
    modes = [model.training]
    model.eval()
    call_on_copies(explain, name, model, *layer, x, target)
    modes.append(model.training)
    return {
        "maps": maps,
        "modes_after": modes,
        "untouched": all(p.grad is None for p in model.parameters()),
        "hooks_left": sum(len(m._forward_hooks) for m in model.modules()),
    }


def with_random_biases(net, rng: np.random.Generator):
    """A numpy network whose biases (``params`` named b...) are drawn from ``rng``, so
    that an L2 penalty wrongly put on them shows in the loss and gradients."""
    for name in sorted(net.params):
        if name.startswith("b"):
            net.params[name] = 0.1 * rng.normal(size=net.params[name].shape)
    return net


def augmented_items(sub, images: torch.Tensor, rng: np.random.Generator, passes: int = 1):
    """Read every item of ``DigitsDataset(images, labels, digits_augmentation())``
    ``passes`` times (torch's global generator seeded from ``rng``), and once more
    without a transform: the outputs `checks.shifted_items` judges."""
    labels = torch.tensor(rng.integers(0, 10, len(images)))
    Dataset = sub.cnn.DigitsDataset
    augmented_inputs, plain_inputs = copies(images, labels), copies(images, labels)
    augmented = Dataset(*augmented_inputs, sub.cnn.digits_augmentation())
    plain = Dataset(*plain_inputs)
    torch.manual_seed(int(rng.integers(2**31)))
    read = [[augmented[i] for i in range(len(images))] for _ in range(passes)]
    # the transform runs inside dataset[i]: name the dataset when the images changed
    kept(Dataset, (images, labels), augmented_inputs, "DigitsDataset with digits_augmentation()")
    result = {
        "x": images,
        "labels": labels,
        "lengths": [len(augmented), len(plain)],
        "shifted": [torch.stack([image for image, _ in items]) for items in read],
        "item_labels": [[int(label) for _, label in items] for items in read],
        "plain": torch.stack([plain[i][0] for i in range(len(images))]),
    }
    kept(Dataset, (images, labels), plain_inputs, "DigitsDataset")
    return result


def recorded_fit(sub, X: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> dict:
    """Run the submission's `fit` on a fresh ``DigitsCNN()`` with a ``loss_fn`` that notes
    which examples each batch holds: the dataset's labels are the examples' indices, and
    the loss looks their real labels up. Returns the losses, the batches (indices, in
    the order ``loss_fn`` saw them), the config, and the trained model's weights."""
    images = sub.cnn.digits_images(X)
    labels = torch.tensor(y)
    batches: list[np.ndarray] = []

    def loss_fn(scores: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        batches.append(index.detach().cpu().numpy().copy())
        return nn.functional.cross_entropy(scores, labels.to(index.device)[index])

    model = sub.cnn.DigitsCNN()
    config = sub.cnn.CNNConfig(epochs=epochs)
    losses = sub.cnn.fit(model, images, torch.arange(len(y)), config, seed, loss_fn=loss_fn)
    return {
        "losses": losses,
        "batches": batches,
        "config": {"epochs": epochs, "batch_size": config.batch_size, "seed": seed},
        "weights": weights(model, "fit", "the model, trained in place"),
    }
