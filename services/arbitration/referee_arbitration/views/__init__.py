"""Arbitration's read side: disputes as lists and case files show them, and the case file as text."""
