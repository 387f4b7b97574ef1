"""Plain-Python core of the suite: no ORM, no database, plain data in and out.

Reused by the Odoo models, the scheduled actions and the command line.
"""
