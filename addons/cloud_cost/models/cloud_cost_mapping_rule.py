import pandas as pd

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..core.bulk_copy import copy_frame
from ..core.mapping_rules import RULE_ID, RuleError, compile_rules

# cost line column -> rule field holding its pattern
MATCH_FIELDS = {
    "billing_account": "match_billing_account",
    "sub_account": "match_sub_account",
    "service_name": "match_service",
    "region": "match_region",
    "resource": "match_resource",
}
SET_TARGETS = [
    ("analytic_account_id", "Business Unit"),
    ("environment", "Environment"),
    ("tenant", "Tenant"),
    ("service_tier_id", "Service Tier"),
    ("cost_pool_id", "Cost Pool"),
]
TARGET_NAMES = tuple(name for name, _label in SET_TARGETS)


class CloudCostMappingRule(models.Model):
    """A virtual tag: the first rules, in order, that match a cost line classify it."""

    _name = "cloud.cost.mapping.rule"
    _description = "Cost Mapping Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    pattern_type = fields.Selection(
        [("glob", "Wildcards (* and ?)"), ("regex", "Regular expression")],
        required=True,
        default="glob",
        tracking=True,
        help="Wildcards match the whole value, ignoring case; several alternatives are separated by commas. "
        "Regular expressions match the whole value, as written.",
    )
    # --- conditions: all that are filled in must hold
    match_tag_key = fields.Char("Tag Key", tracking=True, help="The line must carry this tag.")
    match_tag_value = fields.Char("Tag Value", tracking=True, help="Pattern for the tag's value; empty: any value.")
    match_billing_account = fields.Char("Billing Account", tracking=True)
    match_sub_account = fields.Char("Sub Account", tracking=True, help="AWS account, Azure subscription, GCP project.")
    match_service = fields.Char("Service", tracking=True)
    match_region = fields.Char("Region", tracking=True)
    match_resource = fields.Char("Resource", tracking=True, help="Pattern for the resource id (ARN, resource URI...).")
    # --- what it sets
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Business Unit", check_company=True, tracking=True
    )
    environment = fields.Char(tracking=True)
    tenant = fields.Char(tracking=True)
    service_tier_id = fields.Many2one("cloud.cost.service.tier", check_company=True, tracking=True)
    cost_pool_id = fields.Many2one("cloud.cost.pool", check_company=True, tracking=True)
    value_tag_key = fields.Char(
        "Take Value From Tag",
        tracking=True,
        help="Tag key whose value sets the field below. For a business unit, service tier or cost pool "
        "the tag value is looked up by code or name.",
    )
    value_target = fields.Selection(SET_TARGETS, "Tag Value Sets", tracking=True)
    line_count = fields.Integer("Lines Classified", compute="_compute_line_count")
    description = fields.Text()

    @api.constrains(
        "pattern_type",
        "match_tag_key",
        "match_tag_value",
        *MATCH_FIELDS.values(),
        *TARGET_NAMES,
        "value_tag_key",
        "value_target",
    )
    def _check_rule(self):
        for rule in self:
            if bool(rule.value_tag_key) != bool(rule.value_target):
                raise ValidationError(
                    _(
                        "Rule %(rule)s: a tag key to take the value from needs the field it sets, and back.",
                        rule=rule.name,
                    )
                )
            if rule.match_tag_value and not rule.match_tag_key:
                raise ValidationError(_("Rule %(rule)s: a tag value pattern needs a tag key.", rule=rule.name))
            try:
                compile_rules([rule._rule_spec()], targets=TARGET_NAMES)
            except RuleError as error:
                raise ValidationError(str(error)) from error

    def _compute_line_count(self):
        counts = dict(
            self.env["cloud.cost.line"]._read_group(
                [("mapping_rule_id", "in", self.ids)], ["mapping_rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.line_count = counts.get(rule, 0)

    def _patterns(self, value):
        if not value:
            return None
        if self.pattern_type == "glob":
            return [part.strip() for part in value.split(",") if part.strip()]
        return [value]

    def _rule_spec(self):
        self.ensure_one()
        spec = {
            "id": self.id,
            "name": self.name,
            "pattern_type": self.pattern_type,
            "match": {column: self._patterns(self[fname]) for column, fname in MATCH_FIELDS.items() if self[fname]},
            "tags": {},
            "set": {},
            "set_from_tag": {},
        }
        if self.match_tag_key:
            spec["tags"][self.match_tag_key.strip()] = self._patterns(self.match_tag_value)
        for target in TARGET_NAMES:
            value = self[target]
            if value:
                spec["set"][target] = value.id if isinstance(value, models.BaseModel) else value
        if self.value_tag_key and self.value_target:
            spec["set_from_tag"][self.value_target] = self.value_tag_key.strip()
        return spec

    @api.model
    def _company_rules(self, company):
        """The company's active rules, in order."""
        return self.with_context(active_test=True).sudo().search([("company_id", "=", company.id)])

    @api.model
    def _ruleset(self, company):
        """The company's active rules, compiled in order, with lookups for tag values."""
        rules = self._company_rules(company)
        lookups = {}
        if any(rules.mapped("value_target")):
            lookups = self._tag_lookups(company)
        return compile_rules([rule._rule_spec() for rule in rules], targets=TARGET_NAMES, lookups=lookups)

    @api.model
    def _tag_lookups(self, company):
        """Tag values to record ids: analytic accounts, tiers and pools by code, then by name."""
        lookups = {}
        sources = [
            ("analytic_account_id", "account.analytic.account", ["|", ("company_id", "=", False)]),
            ("service_tier_id", "cloud.cost.service.tier", ["|", ("company_id", "=", False)]),
            ("cost_pool_id", "cloud.cost.pool", []),
        ]
        for target, model, company_domain in sources:
            records = self.env[model].sudo().search(company_domain + [("company_id", "=", company.id)])
            mapping = {}
            for record in records:  # names first, so that codes win
                mapping.setdefault(record.name.strip().lower(), record.id)
            for record in records:
                if record.code:
                    mapping[record.code.strip().lower()] = record.id
            lookups[target] = mapping
        return lookups

    @api.model
    def _classification_kept(self):
        """SQL condition on cost line ``l`` whose classification the rules leave as it is (other addons
        extend it: the lines a sealed allocation run took)."""
        return SQL("FALSE")

    @api.model
    def _apply_to_batches(self, batches, chunk_rows=200_000):
        """Classify the lines of ``batches`` again with the current rules; returns the lines read.

        Lines are read, classified and written back in chunks, in SQL: a temporary table
        filled with COPY, then one UPDATE per chunk.
        """
        cr = self.env.cr
        total = 0
        match_columns = list(MATCH_FIELDS)
        cr.execute(
            """CREATE TEMP TABLE IF NOT EXISTS cloud_cost_line_classification (
                   id integer PRIMARY KEY, analytic_account_id integer, environment varchar, tenant varchar,
                   service_tier_id integer, cost_pool_id integer, mapping_rule_id integer,
                   is_unallocated boolean) ON COMMIT DROP"""
        )
        for company in batches.company_id:
            ruleset = self._ruleset(company)
            batch_ids = tuple(batches.filtered(lambda b, c=company: b.company_id == c).ids)
            self.env["cloud.cost.line"].flush_model()
            last_id = 0
            while True:
                cr.execute(
                    f"""SELECT id, {", ".join(match_columns)}, tags::text AS tags FROM cloud_cost_line
                         WHERE batch_id IN %s AND id > %s ORDER BY id LIMIT %s""",
                    [batch_ids, last_id, chunk_rows],
                )
                rows = cr.fetchall()
                if not rows:
                    break
                last_id = rows[-1][0]
                total += len(rows)
                frame = pd.DataFrame(rows, columns=["id", *match_columns, "tags"])
                assigned = ruleset.classify_frame(frame)
                out = pd.DataFrame({"id": frame["id"]})
                for target in TARGET_NAMES:
                    column = assigned[target]
                    out[target] = column.astype("Int64") if target.endswith("_id") else column
                out["mapping_rule_id"] = assigned[RULE_ID].astype("Int64")
                out["is_unallocated"] = assigned["analytic_account_id"].isna() & assigned["cost_pool_id"].isna()
                cr.execute("TRUNCATE cloud_cost_line_classification")
                copy_frame(cr, "cloud_cost_line_classification", out)
                cr.execute(
                    SQL(
                        """UPDATE cloud_cost_line l
                          SET analytic_account_id = c.analytic_account_id, environment = c.environment,
                              tenant = c.tenant, service_tier_id = c.service_tier_id,
                              cost_pool_id = c.cost_pool_id, mapping_rule_id = c.mapping_rule_id,
                              is_unallocated = c.is_unallocated
                         FROM cloud_cost_line_classification c
                        WHERE l.id = c.id
                          AND (l.analytic_account_id, l.environment, l.tenant, l.service_tier_id, l.cost_pool_id,
                               l.mapping_rule_id)
                              IS DISTINCT FROM
                              (c.analytic_account_id, c.environment, c.tenant, c.service_tier_id, c.cost_pool_id,
                               c.mapping_rule_id)
                          AND NOT (%s)""",
                        self._classification_kept(),
                    )
                )
        self.env["cloud.cost.line"].invalidate_model()
        self.env["cloud.cost.line.summary"]._refresh(batches.ids)
        batches.invalidate_recordset()
        # the lines changed in SQL: the batches' unallocated sum is computed again and stored now
        self.env.add_to_compute(batches._fields["unallocated_cost"], batches)
        batches.flush_recordset(["unallocated_cost"])
        return total

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_line_action")
        action["domain"] = [("mapping_rule_id", "=", self.id)]
        return action
