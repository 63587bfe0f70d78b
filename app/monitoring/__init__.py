"""Monitoring: health and readiness probes, Prometheus metrics, the monitoring page, alerts by incident."""
