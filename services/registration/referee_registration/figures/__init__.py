"""The outcome figures (capability 11): a read model folded from the public events, rebuilt from the topics."""
