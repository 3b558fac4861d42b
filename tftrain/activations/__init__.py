"""tftrain.activations (being built)."""
