"""PostgreSQL settings for the statements of one block: set for the transaction, then put back."""

from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_INERROR


@contextmanager
def query_settings(cr, **settings):
    """Run the block with the PostgreSQL ``settings`` ({name: value}) in force, then restore the values before.

    A failed statement leaves them to the transaction's rollback, which undoes them."""
    previous = {}
    for name, value in settings.items():
        cr.execute("SELECT current_setting(%s)", [name])
        previous[name] = cr.fetchone()[0]
        cr.execute("SELECT set_config(%s, %s, true)", [name, str(value)])
    try:
        yield
    finally:
        if cr._cnx.info.transaction_status != TRANSACTION_STATUS_INERROR:
            for name, value in previous.items():
                cr.execute("SELECT set_config(%s, %s, true)", [name, value])
