"""Qualification's domain: plain Python."""
