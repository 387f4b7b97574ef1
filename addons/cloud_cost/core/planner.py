"""What the suite's statements hand PostgreSQL so that it plans them well: settings for the statements of one
block, and id lists as one literal."""

from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo.tools import SQL


def id_array(ids):
    """SQL of an array of record ids, as one literal PostgreSQL reads at once (not one expression per id)."""
    return SQL("%s::int4[]", "{" + ",".join(str(int(ident)) for ident in sorted(ids)) + "}")


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
