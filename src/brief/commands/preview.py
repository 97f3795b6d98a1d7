"""``brief preview`` (being built)."""
