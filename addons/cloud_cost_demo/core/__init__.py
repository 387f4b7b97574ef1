"""Plain-Python generators of the demo's bills and cluster usage; no ORM."""
