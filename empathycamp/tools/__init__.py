"""Operator tools that run against the product: not part of any domain app."""
