"""``brief send`` and ``brief history`` (being built)."""
