"""HappyHorse Studio: a creator's studio for the HappyHorse 1.0 video models."""

__version__ = "0.1.0"
