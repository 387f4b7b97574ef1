from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import is_suite

REFUND_TYPES = ("out_refund", "in_refund")


def _last_numbers(env):
    """The number this transaction last gave a chargeback entry, per journal, date and kind of sequence;
    cleared with Odoo's own cache of sequence numbers, on commit and rollback."""
    return env.cr.precommit.data.setdefault("cloud_cost.last_numbers", {})


class AccountMove(models.Model):
    _inherit = "account.move"

    cloud_cost_run_id = fields.Many2one(
        "cloud.cost.allocation.run",
        "Allocation Run",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )

    def _cloud_cost_refuse(self):
        raise AccessError(
            _(
                "Chargeback entries belong to their allocation run: they are created, linked and "
                "reversed by the run's own actions only."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_suite(self.env) and any(vals.get("cloud_cost_run_id") for vals in vals_list):
            self._cloud_cost_refuse()
        return super().create(vals_list)

    def write(self, vals):
        if "cloud_cost_run_id" in vals and not is_suite(self.env):
            self._cloud_cost_refuse()
        return super().write(vals)

    def _compute_always_tax_exigible(self):
        """A chargeback entry with no tax on any item is always tax exigible, which is Odoo's own answer for an
        entry that is not an invoice and has no item with a tax: Odoo reads every item one query at a time to
        find it."""
        untaxed = self.filtered(
            lambda move: move.cloud_cost_run_id
            and not move.is_invoice(include_receipts=True)
            and not (move.line_ids.tax_ids or move.line_ids.tax_line_id)
        )
        untaxed.always_tax_exigible = True
        return super(AccountMove, self - untaxed)._compute_always_tax_exigible()

    # ------------------------------------------------------------------ numbering
    def _cloud_cost_sequence_key(self):
        """What Odoo's lookup of the last number depends on: the journal, the date (its period), and whether
        the journal numbers refunds and payments apart."""
        journal = self.journal_id
        refund = bool(journal.refund_sequence) and self.move_type in REFUND_TYPES
        payment = bool(journal.payment_sequence) and bool(self.origin_payment_id or self.env.context.get("is_payment"))
        return (journal.id, self.date, refund, payment)

    def _get_next_sequence_format(self):
        """A chargeback entry numbered after another of the same journal, date and kind in this transaction
        continues that entry's number without asking the database again: Odoo's lookup would return that
        number, since this transaction holds the sequence's lock, and Odoo's transaction cache still holding
        it proves that no number of that sequence was given or changed since. Odoo's own path asks the
        database several times for each entry. (Odoo 18.0 calls this since it keeps that cache; an older
        18.0 looks every number up.)"""
        self.ensure_one()
        previous = self.cloud_cost_run_id and _last_numbers(self.env).get(self._cloud_cost_sequence_key())
        if previous:
            format_string, format_values = self._get_sequence_format_param(previous)
            cache_key = (format_string.format(**{**format_values, "seq": 0}), self[self._sequence_index])
            if self._get_sequence_cache().get(cache_key) == format_values["seq"]:
                return format_string, format_values
        return super()._get_next_sequence_format()

    def _set_next_sequence(self):
        result = super()._set_next_sequence()
        if self.cloud_cost_run_id:
            _last_numbers(self.env)[self._cloud_cost_sequence_key()] = self[self._sequence_field]
        return result
