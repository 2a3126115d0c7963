"""newsfacts: facts reported in news articles, published as linked data."""

__version__ = "0.1.0"
