"""Who sent a message, and whether they may say it: producer keys, signed envelopes, checks on receipt."""
