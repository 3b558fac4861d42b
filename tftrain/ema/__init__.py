"""tftrain.ema (being built)."""
