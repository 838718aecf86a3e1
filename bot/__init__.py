"""Recovery-support bot for people taking naltrexone and their care team."""

__version__ = "0.1.0"
