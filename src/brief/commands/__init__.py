"""One module per command; :mod:`brief.cli` registers each command function on the app."""
