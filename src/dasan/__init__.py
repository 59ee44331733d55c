"""Dasan: an open-source platform for one-number public contact centers."""

__version__ = "0.1.0"
