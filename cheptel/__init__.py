"""cheptel: a private cloud in one process, OpenStack APIs over real containers."""

__version__ = "0.1.0"
