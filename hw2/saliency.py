"""Where does a CNN look? Saliency maps and Grad-CAM for a trained classifier."""

from __future__ import annotations

import torch
from torch import nn


def saliency(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Simonyan et al. (2014): the magnitude of the gradient of the target class's score
    with respect to each input pixel, maximized over channels.

        S[n, h, w] = max_c | d scores[n, target[n]] / d x[n, c, h, w] |

    Run the model in evaluation mode (dropout off, BN on running statistics), then put it
    back in the mode it was in; leave its parameters' gradients untouched.
    Inputs:  x (N, C, H, W); target (N,) class indices.
    Returns: S (N, H, W), detached.
    """
    # BEGIN SOLUTION: a leaf copy of x that requires grad; autograd.grad of the target scores
    was_training = model.training
    model.eval()
    try:
        x = x.detach().clone().requires_grad_(True)
        scores = model(x)  # (N, classes)
        picked = scores.gather(1, target[:, None]).sum()
        (grad,) = torch.autograd.grad(picked, x)
    finally:
        model.train(was_training)
    return grad.abs().amax(dim=1)
    # END SOLUTION


def grad_cam(
    model: nn.Module, layer: nn.Module, x: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Grad-CAM (Selvaraju et al., 2017) at the output of ``layer`` (a module inside
    ``model``): with A (N, K, h, w) that output and g = d scores[n, target[n]] / d A,

        alpha[n, k] = mean over (h, w) of g[n, k],
        cam[n] = relu(sum_k alpha[n, k] A[n, k]),

    upsampled to the input's (H, W) by bilinear interpolation (``align_corners=False``)
    and divided by its maximum per image (an all-zero map stays zero).

    Capture A with a forward hook on ``layer`` (remove it afterwards); run the model in
    evaluation mode, then put it back in the mode it was in.
    Inputs: x (N, C, H, W); target (N,). Returns: cam (N, H, W) in [0, 1].
    """
    # BEGIN SOLUTION: a forward hook keeps A; autograd.grad of the target scores w.r.t. A
    was_training = model.training
    model.eval()
    captured: list[torch.Tensor] = []
    handle = layer.register_forward_hook(lambda module, inputs, output: captured.append(output))
    try:
        scores = model(x)
    finally:
        handle.remove()
        model.train(was_training)
    activations = captured[0]  # (N, K, h, w)
    (grad,) = torch.autograd.grad(scores.gather(1, target[:, None]).sum(), activations)
    alpha = grad.mean(dim=(2, 3), keepdim=True)  # (N, K, 1, 1)
    cam = torch.relu((alpha * activations).sum(dim=1, keepdim=True))  # (N, 1, h, w)
    cam = nn.functional.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)
    peak = cam.amax(dim=(2, 3), keepdim=True)
    return (cam / torch.where(peak > 0, peak, torch.ones_like(peak)))[:, 0].detach()
    # END SOLUTION
