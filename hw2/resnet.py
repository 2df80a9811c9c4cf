"""Residual networks (He et al., 2016): a block learns a correction F(x) added to its
input, out = relu(F(x) + shortcut(x)), so a deep stack can start near the identity and
gradients reach early layers through the additions unchanged."""

from __future__ import annotations

import torch
from torch import nn


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch normalization, and a shortcut:

        F(x) = BN(conv3x3(relu(BN(conv3x3_stride(x)))))
        out  = relu(F(x) + shortcut(x))

    The first convolution has stride ``stride`` (2 halves the height and width). When
    the shape changes (stride != 1 or cin != cout), the shortcut is a projection, a 1x1
    convolution with the same stride followed by BN; otherwise it is the identity.
    Convolutions have no bias (the BN after each one has its own shift).

    Input (N, cin, H, W); output (N, cout, ceil(H / stride), ceil(W / stride)).

    Attributes (the grader loads weights by these names): ``conv1``, ``bn1``, ``conv2``,
    ``bn2``, and ``shortcut``: ``nn.Identity()`` or ``nn.Sequential(Conv2d, BatchNorm2d)``.
    """

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        # BEGIN SOLUTION: conv-BN-ReLU-conv-BN, and a projection shortcut only when needed
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: the residual branch plus the shortcut, then ReLU
        residual = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(residual + self.shortcut(x))
        # END SOLUTION


class SmallResNet(nn.Module):
    """A stem conv3x3(cin -> w) BN ReLU, then stages of BasicBlocks, global average
    pooling and a linear classifier. ``widths`` gives each stage's channels, ``blocks``
    the number of blocks in each stage. The first block of every stage after the first
    has stride 2 (it halves H and W, and widens the channels); every other block has
    stride 1. The stem and the first stage keep (H, W); with widths (16, 32) and two
    blocks each, an 8x8 image gives (16, 8, 8) after the stem and after each block of
    the first stage, and (32, 4, 4) after each block of the second.

    Input (N, cin, H, W); output scores (N, classes).

    Attributes: ``stem`` = Sequential(Conv2d, BatchNorm2d, ReLU), the convolution with
    padding 1 and no bias, like every convolution here; ``stages`` = a
    Sequential of the BasicBlocks, ``blocks`` per width; ``head`` =
    Sequential(AdaptiveAvgPool2d(1), Flatten, Linear).
    """

    def __init__(
        self, cin: int = 1, classes: int = 10, widths: tuple[int, ...] = (16, 32), blocks: int = 1
    ) -> None:
        super().__init__()
        # BEGIN SOLUTION: stem, stages of blocks (stride 2 at each new stage), pool, linear
        self.stem = nn.Sequential(
            nn.Conv2d(cin, widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        stages: list[nn.Module] = []
        cprev = widths[0]
        for i, width in enumerate(widths):
            for j in range(blocks):
                stride = 2 if i > 0 and j == 0 else 1
                stages.append(BasicBlock(cprev, width, stride))
                cprev = width
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cprev, classes))
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: stem, stages, head
        return self.head(self.stages(self.stem(x)))
        # END SOLUTION
