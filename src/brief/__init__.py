"""brief: personalised letters and emails, signed by real people."""

__version__ = "0.1.0"
