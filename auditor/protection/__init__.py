"""Effective protection: selection pattern matching, the resolver and ``explain``."""
