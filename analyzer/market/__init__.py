"""Prices, the exchange calendar and theme targets' returns."""
