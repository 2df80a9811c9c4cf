"""HW1: backpropagation and optimization, from scratch in numpy."""
