"""Plain-Python core of the cost reports: baselines, anomalies and month-end forecasts; no ORM."""
