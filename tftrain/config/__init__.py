"""tftrain.config (being built)."""
