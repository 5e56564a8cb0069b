"""Kafka plumbing: broker factory, publishing, consuming with dead letters, topic administration."""
