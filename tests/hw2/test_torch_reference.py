"""hw2's PyTorch reference: residual blocks against a functional re-computation, focal
loss and class-balanced weights against their definitions, saliency and Grad-CAM
against closed forms (a linear model's saliency is its weights; Grad-CAM before global
average pooling is the class activation map)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hw2.cnn import DigitsCNN, DigitsDataset, digits_augmentation
from hw2.imbalance import class_balanced_weights, focal_loss
from hw2.resnet import BasicBlock, SmallResNet
from hw2.saliency import grad_cam, saliency


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def _bn(x: torch.Tensor, bn: nn.BatchNorm2d) -> torch.Tensor:
    return F.batch_norm(x, None, None, bn.weight, bn.bias, training=True, eps=bn.eps)


@pytest.mark.parametrize(("cin", "cout", "stride"), [(8, 8, 1), (8, 16, 2), (4, 8, 1)])
def test_basic_block_computes_its_definition(cin: int, cout: int, stride: int) -> None:
    block = BasicBlock(cin, cout, stride).train()
    x = torch.randn(3, cin, 8, 8)
    branch = _bn(F.conv2d(x, block.conv1.weight, stride=stride, padding=1), block.bn1)
    branch = _bn(F.conv2d(torch.relu(branch), block.conv2.weight, padding=1), block.bn2)
    projected = stride != 1 or cin != cout
    assert isinstance(block.shortcut, nn.Sequential) == projected
    if projected:
        conv, bn = block.shortcut[0], block.shortcut[1]
        assert conv.kernel_size == (1, 1) and conv.stride == (stride, stride)
        shortcut = _bn(F.conv2d(x, conv.weight, stride=stride), bn)
    else:
        shortcut = x
    torch.testing.assert_close(block(x), torch.relu(branch + shortcut))
    assert block(x).shape == (3, cout, 8 // stride, 8 // stride)


def test_small_resnet_classifies_and_backpropagates_to_the_stem() -> None:
    model = SmallResNet(cin=1, classes=10, widths=(8, 16, 32), blocks=2)
    scores = model(torch.randn(4, 1, 8, 8))
    assert scores.shape == (4, 10)
    scores.sum().backward()
    assert model.stem[0].weight.grad is not None and model.stem[0].weight.grad.abs().sum() > 0
    strides = [b.conv1.stride[0] for b in model.stages]
    assert strides == [1, 1, 2, 1, 2, 1]


def test_digits_cnn_maps_images_to_ten_scores() -> None:
    assert DigitsCNN()(torch.randn(5, 1, 8, 8)).shape == (5, 10)


def test_augmentation_shifts_by_at_most_one_pixel_and_covers_all_nine_shifts() -> None:
    torch.manual_seed(0)
    x = torch.rand(1, 8, 8)
    padded = F.pad(x, (1, 1, 1, 1))
    windows = [padded[:, dy : dy + 8, dx : dx + 8] for dy in range(3) for dx in range(3)]
    seen = set()
    for _ in range(200):
        moved = digits_augmentation()(x)
        matches = [k for k, window in enumerate(windows) if torch.equal(window, moved)]
        assert matches, "not a shift of at most one pixel"
        seen.add(matches[0])
    assert seen == set(range(9))


def test_dataset_pairs_images_and_labels_and_batches_through_a_dataloader() -> None:
    x, y = torch.rand(10, 1, 8, 8), torch.arange(10)
    plain = DigitsDataset(x, y)
    assert len(plain) == 10 and torch.equal(plain[3][0], x[3]) and int(plain[3][1]) == 3
    loader = torch.utils.data.DataLoader(DigitsDataset(x, y, digits_augmentation()), batch_size=4)
    batches = list(loader)
    assert [tuple(xb.shape) for xb, _ in batches] == [(4, 1, 8, 8), (4, 1, 8, 8), (2, 1, 8, 8)]
    assert torch.equal(torch.cat([yb for _, yb in batches]), y)
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        DigitsDataset(x, y[:9])


def test_focal_loss_with_gamma_zero_is_weighted_cross_entropy() -> None:
    logits, targets = torch.randn(20, 5, dtype=torch.float64), torch.randint(0, 5, (20,))
    weights = torch.rand(5, dtype=torch.float64) + 0.5
    torch.testing.assert_close(
        focal_loss(logits, targets, gamma=0.0, weights=weights),
        F.cross_entropy(logits, targets, weight=weights),
    )
    torch.testing.assert_close(
        focal_loss(logits, targets, gamma=0.0), F.cross_entropy(logits, targets)
    )


def test_focal_loss_follows_its_definition_and_differentiates() -> None:
    logits = torch.randn(7, 4, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, 4, (7,))
    p = torch.softmax(logits, 1)[torch.arange(7), targets]
    expected = (-((1 - p) ** 2.0) * torch.log(p)).mean()
    torch.testing.assert_close(focal_loss(logits, targets, gamma=2.0), expected)
    assert torch.autograd.gradcheck(lambda z: focal_loss(z, targets, gamma=2.0), (logits,))
    extreme = torch.tensor([[1e4, -1e4], [-1e4, 1e4]], dtype=torch.float64)
    assert torch.isfinite(focal_loss(extreme, torch.tensor([1, 0])))


def test_class_balanced_weights() -> None:
    counts = np.array([500, 50, 5])
    np.testing.assert_allclose(class_balanced_weights(counts, beta=0.0), np.ones(3))
    w = class_balanced_weights(counts, beta=0.999)
    effective = (1 - 0.999**counts) / (1 - 0.999)
    np.testing.assert_allclose(w, (1 / effective) * 3 / (1 / effective).sum())
    near_one = class_balanced_weights(counts, beta=1 - 1e-9)
    inverse = (1 / counts) * 3 / (1 / counts).sum()
    np.testing.assert_allclose(near_one, inverse, rtol=1e-5)
    assert w.sum() == pytest.approx(3.0) and w[2] > w[1] > w[0]


def test_saliency_of_a_linear_model_is_its_weights() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    x, target = torch.randn(5, 2, 4, 4), torch.tensor([0, 1, 2, 1, 0])
    expected = model[1].weight[target].reshape(5, 2, 4, 4).abs().amax(dim=1).detach()
    torch.testing.assert_close(saliency(model, x, target), expected)
    assert model[1].weight.grad is None  # the model's own gradients are left alone


class _CAMNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(6, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3)))


def test_grad_cam_before_global_pooling_is_the_class_activation_map() -> None:
    model = _CAMNet()
    x, target = torch.randn(3, 1, 8, 8), torch.tensor([0, 3, 1])
    cam = grad_cam(model, model.features, x, target)
    with torch.no_grad():
        maps = model.features(x)  # (3, 6, 8, 8)
        weights = model.fc.weight[target] / 64  # d score / d A = w / (h w)
        expected = torch.relu((weights[:, :, None, None] * maps).sum(1))
        expected = expected / expected.amax(dim=(1, 2), keepdim=True).clamp_min(1e-12)
    assert cam.shape == (3, 8, 8) and float(cam.max()) <= 1.0
    torch.testing.assert_close(cam, expected)


@pytest.mark.parametrize("training", [True, False], ids=["training", "eval"])
def test_explanations_use_eval_mode_and_give_the_model_back_as_it_was(training: bool) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten())
    model.append(nn.Dropout(0.5)).append(nn.Linear(4 * 6 * 6, 3)).train(training)
    x, target = torch.randn(4, 1, 6, 6), torch.tensor([0, 1, 2, 0])
    first = saliency(model, x, target), grad_cam(model, model[1], x, target)
    again = saliency(model, x, target), grad_cam(model, model[1], x, target)
    for a, b in zip(first, again, strict=True):
        torch.testing.assert_close(a, b)  # no dropout: the same maps every time
    assert model.training == training and not model[1]._forward_hooks
