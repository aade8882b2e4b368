"""Prices, the exchange calendar and theme targets' returns (see DESIGN.md, "Point-in-time alignment")."""
