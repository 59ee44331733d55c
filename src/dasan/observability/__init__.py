"""What operators see of a running process: Prometheus metrics (`metrics.py`), one request id in
every log line and response (`middleware.py`, `logs.py`), `/metrics` and `/readyz` (`views.py`)."""
