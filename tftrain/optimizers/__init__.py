"""tftrain.optimizers (being built)."""
