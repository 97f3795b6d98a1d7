"""Commands that live in their own modules; importing one registers it on ``brief.cli.app``."""
