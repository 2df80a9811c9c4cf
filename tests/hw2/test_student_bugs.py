"""Each rule hw2's README or docstrings state fails a public case when a student breaks
it: a copy of the reference with one plausible bug fails the public case that names the
rule, with a message that says what went wrong (issue 13: a student never learns a rule
from a hidden "wrong answer").

Only the public case that should catch the bug is run (the training cases would take
half a minute per mutant), within the time limit a student's `make test` gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONV = (ROOT / "hw2" / "conv.py").read_text()
# A fast convolution that calls the naive loops: everything from conv_forward_fast on
# replaced by two calls.
NAIVE_FAST = (
    CONV[CONV.index("def conv_forward_fast(") :],
    "def conv_forward_fast(x, w, b, stride=1, pad=0):\n"
    "    return conv_forward_naive(x, w, b, stride, pad)\n\n\n"
    "def conv_backward_fast(dout, cache):\n"
    "    return conv_backward_naive(dout, cache)\n",
)


# (bug, file, text of the reference, the student's text, the public case, words its
# message must hold)
BUGS = [
    (
        "fast convolution that calls the naive loops",
        "conv.py",
        *NAIVE_FAST,
        "2.2 conv_fast_vectorized_within_two_seconds",
        "timed out",
    ),
    (
        "output size rounded up when the stride does not divide",
        "conv.py",
        "    return (padded - kernel) // stride + 1",
        "    return -(-(padded - kernel) // stride) + 1",
        "1.1 conv_naive_small",
        "",
    ),
    (
        "spatial batch norm normalizing with the batch's statistics in evaluation",
        "normalization.py",
        '    if state["train"]:\n        mu, var = x.mean(axis=(0, 2, 3))',
        "    if True:\n        mu, var = x.mean(axis=(0, 2, 3))",
        "5.2 spatial_batchnorm_evaluation_uses_running_stats",
        "out['eval']",
    ),
    (
        "spatial batch norm ignoring state['momentum']",
        "normalization.py",
        'state.get("momentum", 0.9)',
        "0.9",
        "5.2 spatial_batchnorm_evaluation_uses_running_stats",
        "out['running']",
    ),
    (
        "group norm ignoring its eps argument",
        "normalization.py",
        "keepdims=True) + eps)",
        "keepdims=True) + 1e-5)",
        "6.2 groupnorm_one_group_and_one_per_channel_with_eps",
        "",
    ),
    (
        "DigitsCNN ignoring its dropout argument",
        "cnn.py",
        "nn.Dropout(dropout)",
        "nn.Dropout(0.25)",
        "8.2 digits_cnn_train_mode_dropout_argument",
        "out['scores']",
    ),
    (
        "BasicBlock with an identity shortcut when only the channels change",
        "resnet.py",
        "if stride != 1 or cin != cout:",
        "if stride != 1:",
        "11.1 basic_blocks_identity_and_projection",
        "",
    ),
    (
        "SmallResNet with stride 2 in every block",
        "resnet.py",
        "stride = 2 if i > 0 and j == 0 else 1",
        "stride = 2",
        "12.1 small_resnet_eval",
        "stride 2",
    ),
    (
        "SmallResNet with stride 2 in every block of the later stages",
        "resnet.py",
        "stride = 2 if i > 0 and j == 0 else 1",
        "stride = 2 if i > 0 else 1",
        "12.2 small_resnet_stride_2_only_where_a_stage_starts",
        "model.stages[3]",
    ),
    (
        "focal loss with gamma fixed at 2",
        "imbalance.py",
        "(1.0 - log_p.exp()) ** gamma",
        "(1.0 - log_p.exp()) ** 2.0",
        "13.1 focal_loss_values_and_gradient",
        "out['gamma0']",
    ),
    (
        "focal loss normalizing the caller's class weights in place",
        "imbalance.py",
        "    w = torch.ones_like(log_p) if weights is None",
        "    if weights is not None:\n        weights /= weights.sum()\n"
        "    w = torch.ones_like(log_p) if weights is None",
        "13.1 focal_loss_values_and_gradient",
        "focal_loss changed its input weights in place",
    ),
    (
        "Grad-CAM dividing an all-zero map by its maximum",
        "saliency.py",
        "(cam / torch.where(peak > 0, peak, torch.ones_like(peak)))",
        "(cam / peak)",
        "16.1 grad_cam_small",
        "all-zero map stays zero",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "label", "words"),
    [pytest.param(*bug[1:], id=bug[0]) for bug in BUGS],
)
def test_a_public_case_catches_the_bug(
    mutants: Callable, file: str, old: str, new: str, label: str, words: str
) -> None:
    m = mutants("hw2")
    message = m.public_failures(m.make(file, old, new), only=label).get(label)
    assert message is not None, f"{label} passes with the bug"
    assert words in message, message
