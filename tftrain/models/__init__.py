"""tftrain.models (being built)."""
