"""Veikart: move an organisation to digital collaboration, and prove that it worked."""

__version__ = "0.1.0"
