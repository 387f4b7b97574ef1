from odoo import api, fields, models
from odoo.tools import SQL

OPTION_FIELDS = ("unused_commitment", "unused_commitment_ref", "unused_commitment_provider", "active", "company_id")


class CloudCostPool(models.Model):
    """A pool may collect the commitment its month left unused: the bill rows of CommitmentDiscountStatus
    Unused (the unused share of a Savings Plan, reservation or committed use discount, as the bill amortizes
    it) are its cost lines, so that a step of the policy spreads them like any pool's cost."""

    _inherit = "cloud.cost.pool"

    unused_commitment = fields.Boolean(
        "Unused Commitment Pool",
        tracking=True,
        help="The pool's cost is the commitment left unused each month: the bill rows of CommitmentDiscountStatus "
        "Unused of the commitment and provider below are its cost lines, whatever the mapping rules say.",
    )
    unused_commitment_ref = fields.Char(
        "Commitment",
        tracking=True,
        help="CommitmentDiscountId of the commitment (Savings Plan ARN, reservation or commitment id); empty: "
        "every commitment of the provider.",
    )
    unused_commitment_provider = fields.Char(
        "Commitment Provider", tracking=True, help="ProviderName of the bill rows (AWS, Microsoft...); empty: any."
    )

    @api.model
    def _assign_unused_commitment(self, batch_ids):
        """Give the Unused commitment rows of these batches to their unused-commitment pool: the pool naming
        the commitment before one naming only the provider, before one naming neither. Lines a sealed run took
        keep their classification. Returns the ids of the batches whose lines changed."""
        batch_ids = [int(b) for b in batch_ids if b]
        if not batch_ids:
            return []
        self.env["cloud.cost.line"].flush_model()
        self.flush_model()
        kept = self.env["cloud.cost.mapping.rule"]._classification_kept()
        self.env.cr.execute(
            SQL(
                """WITH target AS (
                   SELECT DISTINCT ON (l.id) l.id, p.id AS pool_id
                     FROM cloud_cost_line l
                     JOIN cloud_cost_pool p ON p.company_id = l.company_id AND p.unused_commitment AND p.active
                          AND (COALESCE(p.unused_commitment_ref, '') = ''
                               OR p.unused_commitment_ref = l.commitment_discount)
                          AND (COALESCE(p.unused_commitment_provider, '') = ''
                               OR lower(p.unused_commitment_provider) = lower(l.provider_name))
                    WHERE l.batch_id = ANY(%s) AND l.commitment_discount_status = 'Unused' AND NOT (%s)
                 ORDER BY l.id, COALESCE(p.unused_commitment_ref, '') = '',
                          COALESCE(p.unused_commitment_provider, '') = '', p.sequence, p.id)
               UPDATE cloud_cost_line l SET cost_pool_id = t.pool_id, mapping_rule_id = NULL, is_unallocated = FALSE
                 FROM target t
                WHERE l.id = t.id AND l.cost_pool_id IS DISTINCT FROM t.pool_id
            RETURNING l.batch_id""",
                batch_ids,
                kept,
            )
        )
        changed = sorted({row[0] for row in self.env.cr.fetchall()})
        if changed:
            self.env["cloud.cost.line"].invalidate_model()
            self.env["cloud.cost.line.summary"]._refresh(changed)
            batches = self.env["cloud.cost.import.batch"].browse(changed)
            batches.invalidate_recordset()
            self.env.add_to_compute(batches._fields["unallocated_cost"], batches)
            batches._recompute_recordset()
        return changed

    def _collect_current_bills(self, companies):
        """The unused commitment of the current bills of ``companies`` given to their pools. A pool that stops
        collecting leaves its lines as they are: the batches' *Reapply Rules* classifies them again."""
        batches = (
            self.env["cloud.cost.import.batch"]
            .sudo()
            .search([("company_id", "in", companies.ids), ("state", "=", "imported")])
        )
        self.sudo()._assign_unused_commitment(batches.ids)

    @api.model_create_multi
    def create(self, vals_list):
        pools = super().create(vals_list)
        collecting = pools.filtered("unused_commitment")
        if collecting:
            self._collect_current_bills(collecting.company_id)
        return pools

    def write(self, vals):
        result = super().write(vals)
        if any(name in vals for name in OPTION_FIELDS) and self.filtered("unused_commitment"):
            self._collect_current_bills(self.company_id)
        return result
