"""HW3: sequence models: recurrent networks, attention and transformers."""
