"""Market-narrative analyzer: feeds -> claims -> point-in-time returns -> Datasette."""

__version__ = "0.1.0"
