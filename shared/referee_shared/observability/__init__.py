"""What an operator sees of a running service: Prometheus metrics, OpenTelemetry traces, access logs."""
