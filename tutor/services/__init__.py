"""Writes. Every function here takes keyword arguments and owns its transaction."""
