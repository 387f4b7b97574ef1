"""Entry grouping "One entry per sender pool".

Each pool's owner (the platform team, the database team) reviews and reverses the chargeback of their own
pool: one journal entry per sender pool, the business units' direct cost in an entry of its own. Shares
booked in another company come without a sender (the intercompany logic credits its due-to account), so there
they make one entry.
"""

from odoo.addons.cloud_cost_posting.core import styles

KEY = "pool"


@styles.register_grouping
class PoolGrouping(styles.EntryGrouping):
    key = KEY
    label = "One entry per sender pool"

    def entry_key(self, share):
        return share.sender

    def reference(self, key, name_of):
        return name_of("pool", key) if key else None
