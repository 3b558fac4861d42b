"""tftrain.losses (being built)."""
