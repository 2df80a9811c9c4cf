"""HW2: convolutional networks, from scratch in numpy and in PyTorch."""
