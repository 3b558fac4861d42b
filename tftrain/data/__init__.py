"""tftrain.data (being built)."""
