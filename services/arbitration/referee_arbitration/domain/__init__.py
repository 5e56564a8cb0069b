"""Arbitration's rules in plain Python: the evidence as read, who may dispute, rulings, figures."""
