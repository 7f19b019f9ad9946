"""twinning: an open knowledge graph of the international partnerships of sub-national regions."""

__version__ = "0.1.0"
