"""tftrain.training (being built)."""
