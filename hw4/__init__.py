"""HW4: generative models (VAEs, GANs, diffusion) and deep reinforcement learning."""
