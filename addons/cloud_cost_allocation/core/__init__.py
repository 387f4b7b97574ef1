"""Plain-Python allocation engine: no ORM, plain data in and out."""
