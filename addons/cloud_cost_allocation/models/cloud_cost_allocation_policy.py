import dataclasses
import hashlib
import io
import json
from collections import defaultdict, namedtuple
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.cloud_cost.core.planner import query_settings

from ..core import methods as method_registry
from ..core.engine import COST_COLUMNS, Policy, Step, allocate, group_costs
from ..core.errors import AllocationError
from ..core.rounding import cumulative_units, cumulative_units_scaled

STEP_FIELDS = {field.name for field in dataclasses.fields(Step)} - {
    "key",
    "sender",
    "method",
    "sequence",
    "name",
    "receivers",
    "excluded",
    "driver_key",
    "category",
    "percents",
    "remainder",
    "reciprocal_group",
    "options",
}
COST_GROUP_COLUMNS = ["pool", "analytic", "environment", "tenant", "tier", "service", "provider", "category"]
# what a run takes of one import batch: its lines' count, exact sum, sum of their 64-bit hashes (what the
# fingerprint is made of), the largest scale of their amounts and the sum of their magnitudes
CostBatch = namedtuple("CostBatch", "batch_id line_count total digest scale magnitude")
GROUPING_WORK_MEM = "256MB"


def amount_column(amount_basis):
    """The cost line column, in the company currency, that a run on ``amount_basis`` takes."""
    return "billed_cost_company" if amount_basis == "billed" else "effective_cost_company"


FALLBACK_POLICIES = [
    ("keep", "Keep visible"),
    ("share", "Share proportionally"),
    ("receiver", "Charge a default receiver"),
]


class CloudCostAllocationPolicy(models.Model):
    """Ordered allocation steps, run month after month: SAP CO's assessment cycle."""

    _name = "cloud.cost.allocation.policy"
    _description = "Allocation Policy"
    _inherit = ["cloud.cost.coded.mixin", "mail.thread"]
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Text()
    step_ids = fields.One2many("cloud.cost.allocation.step", "policy_id", string="Steps", copy=True)
    run_ids = fields.One2many("cloud.cost.allocation.run", "policy_id", string="Runs")
    run_count = fields.Integer(compute="_compute_run_count")
    amount_basis = fields.Selection(
        [("effective", "Effective cost (amortized)"), ("billed", "Billed cost")],
        required=True,
        default="effective",
        tracking=True,
        help="FOCUS EffectiveCost for chargeback; BilledCost to match the invoice.",
    )
    period_basis = fields.Selection(
        [("billing", "Billing period"), ("charge", "Charge period")],
        required=True,
        default="billing",
        tracking=True,
        help="Billing period: the cost lines of the bills of the month (current imports only). "
        "Charge period: the cost lines whose usage started in the month.",
    )
    unallocated_policy = fields.Selection(
        FALLBACK_POLICIES,
        required=True,
        default="keep",
        tracking=True,
        help="Cost lines with neither a business unit nor a cost pool.",
    )
    unallocated_receiver_id = fields.Many2one(
        "account.analytic.account", string="Unallocated Receiver", check_company=True, tracking=True
    )
    idle_policy = fields.Selection(
        FALLBACK_POLICIES,
        required=True,
        default="keep",
        tracking=True,
        help="Cost left in a pool after its steps: unsold rate-card capacity, lines of a directly "
        "attributed pool without a business unit, pools without a step.",
    )
    idle_receiver_id = fields.Many2one(
        "account.analytic.account", string="Idle Receiver", check_company=True, tracking=True
    )
    production_environments = fields.Char(
        related="company_id.cloud_cost_production_environments",
        help="The company's production environments (its Cloud Costs settings): other set environments are "
        "non-production in the run's KPIs, as in the reports.",
    )
    user_key_id = fields.Many2one(
        "cloud.cost.allocation.key",
        string="Users Driver",
        check_company=True,
        help="Driver whose values for the period count the users (unit cost per user).",
    )
    transaction_key_id = fields.Many2one(
        "cloud.cost.allocation.key",
        string="Transactions Driver",
        check_company=True,
        help="Driver whose values for the period count the transactions (unit cost per transaction).",
    )
    allow_self_approval = fields.Boolean(
        help="Let the user who computed a run approve it too. Off: four eyes, a second controller approves. "
        "Set by administrators only; it applies to the runs computed after the change.",
        tracking=True,
    )
    auto_recompute = fields.Boolean(
        default=True,
        help="When the scheduled check finds changed inputs (a restated bill, new driver values), "
        "recompute computed runs of this policy. Approved runs are only flagged.",
    )

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "An allocation policy code must be unique per company."),
    ]

    @api.model
    def _control_switches(self):
        """Fields that weaken a control when set: administrators only."""
        return {"allow_self_approval"}

    def _check_control_switches(self, vals):
        switched = self._control_switches() & {name for name, value in vals.items() if value}
        if switched and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                _(
                    "Only an administrator may allow a controller to approve their own runs (%(fields)s).",
                    fields=", ".join(self._fields[name].string for name in sorted(switched)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_control_switches(vals)
        policies = super().create(vals_list)
        # the caller's default_<field> context keys must not switch a control on either
        for policy in policies:
            policy._check_control_switches({name: policy[name] for name in self._control_switches()})
        return policies

    def write(self, vals):
        self._check_control_switches(vals)
        return super().write(vals)

    def copy_data(self, default=None):
        # a copy made by a controller does not carry an administrator's switch
        vals_list = super().copy_data(default=default)
        if not self.env.user.has_group("base.group_system"):
            for vals in vals_list:
                for name in self._control_switches():
                    vals[name] = False
        return vals_list

    def _compute_run_count(self):
        counts = dict(
            self.env["cloud.cost.allocation.run"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.run_count = counts.get(policy, 0)

    @api.constrains("unallocated_policy", "unallocated_receiver_id", "idle_policy", "idle_receiver_id")
    def _check_fallback_receivers(self):
        for policy in self:
            if policy.unallocated_policy == "receiver" and not policy.unallocated_receiver_id:
                raise ValidationError(_("Policy %s: choose the receiver of unallocated cost.", policy.display_name))
            if policy.idle_policy == "receiver" and not policy.idle_receiver_id:
                raise ValidationError(_("Policy %s: choose the receiver of idle cost.", policy.display_name))

    def _production_names(self):
        self.ensure_one()
        return self.company_id._cloud_cost_production_names()

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost_allocation.cloud_cost_allocation_run_action")
        action["domain"] = [("policy_id", "=", self.id)]
        action["context"] = {"default_policy_id": self.id, "default_company_id": self.company_id.id}
        return action

    def action_test_run(self):
        """Compute this policy for a period without storing anything."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Test Run"),
            "res_model": "cloud.cost.allocation.test.run",
            "view_mode": "form",
            "target": "new",
            "context": {"default_policy_id": self.id},
        }

    # ------------------------------------------------------------------ computation (reads only)
    def _cost_line_source(self, date_from, date_to):
        """(FROM ... WHERE sql, params, amount column) of the cost lines a run of this policy takes.

        Only lines of current imports count: a superseded batch (a restated bill) drops out.
        """
        self.ensure_one()
        amount = f"l.{amount_column(self.amount_basis)}"
        params = {"company": self.company_id.id, "date_from": date_from, "date_to": date_to}
        if self.period_basis == "billing":
            sql = """FROM cloud_cost_line l
                    WHERE l.company_id = %(company)s
                      AND l.batch_id IN (SELECT b.id FROM cloud_cost_import_batch b
                                          WHERE b.company_id = %(company)s AND b.state = 'imported'
                                            AND b.billing_period_start >= %(date_from)s
                                            AND b.billing_period_start <= %(date_to)s)"""
        else:
            sql = """FROM cloud_cost_line l
                     JOIN cloud_cost_import_batch b ON b.id = l.batch_id AND b.state = 'imported'
                    WHERE l.company_id = %(company)s
                      AND l.charge_period_start >= %(date_from)s
                      AND l.charge_period_start < %(date_to)s::date + 1"""
        return sql, params, amount

    def _line_hash_sql(self, amount):
        """SQL of one cost line's 64-bit hash over what a run reads of it (id, amount, classification)."""
        return (
            f"hashtextextended(concat_ws('|', l.id, {amount}, l.cost_pool_id, l.analytic_account_id, "
            "l.environment, l.tenant, l.service_tier_id, l.service_name, l.provider_name, l.service_category), 0)"
        )

    def _cost_batches(self, date_from, date_to):
        """The import batches of the cost lines a run takes, each with its figures over those lines:
        [CostBatch(batch id, line count, exact sum, sum of the lines' hashes, largest scale, sum of magnitudes)].

        One pass over the lines (PostgreSQL may run it in parallel); the run keeps these figures as the record
        of what it took, and its fingerprint is made of them."""
        sql, params, amount = self._cost_line_source(date_from, date_to)
        self.env.flush_all()
        self.env.cr.execute(
            f"""SELECT l.batch_id, COUNT(*), COALESCE(SUM({amount}), 0)::text,
                       COALESCE(SUM({self._line_hash_sql(amount)}::numeric), 0)::text,
                       COALESCE(MAX(scale({amount})), 0), COALESCE(SUM(abs({amount})), 0)::text
                  {sql}
              GROUP BY l.batch_id ORDER BY l.batch_id""",  # noqa: S608 - column names are ours, values are parameters
            params,
        )
        return [
            CostBatch(batch, count, Decimal(total), int(digest), scale, Decimal(magnitude))
            for batch, count, total, digest, scale, magnitude in self.env.cr.fetchall()
        ]

    def _read_cost_groups(self, date_from, date_to, batches):
        """The period's cost lines grouped by pool, business unit and showback dimensions, in the smallest
        unit of the company's currency (cents, yen, fils: its decimal places).

        Sums are exact: PostgreSQL sums the numeric amounts per group and hands them over as integers of
        the period's largest scale (or as decimal text when they would not fit 63 bits); the groups are
        sorted by their keys and rounded to that unit by cumulative rounding, so that they add up to the exact
        total rounded once. The groups travel by COPY as CSV, read by Arrow."""
        digits = self._currency_digits()
        if not batches:
            return group_costs(pd.DataFrame(columns=COST_GROUP_COLUMNS + ["amount"]), "amount", digits=digits)
        sql, params, amount = self._cost_line_source(date_from, date_to)
        places = max([digits] + [batch.scale for batch in batches])
        magnitude = sum((batch.magnitude for batch in batches), Decimal(0))
        as_integers = places <= 18 and magnitude.scaleb(places) < 2**62
        # integers of that scale are exact (no amount has more places) and sum faster than numerics
        total = (
            f"COALESCE(SUM(({amount} * 1e{places})::bigint), 0)" if as_integers else f"COALESCE(SUM({amount}), 0)::text"
        )
        query = self.env.cr.mogrify(
            f"""COPY (SELECT COALESCE(l.cost_pool_id, 0), COALESCE(l.analytic_account_id, 0),
                             COALESCE(l.environment, ''), COALESCE(l.tenant, ''), COALESCE(l.service_tier_id, 0),
                             COALESCE(l.service_name, ''), COALESCE(l.provider_name, ''),
                             COALESCE(l.service_category, ''), {total}
                        {sql}
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) TO STDOUT WITH (FORMAT csv)""",  # noqa: S608
            params,
        ).decode()
        buffer = io.BytesIO()
        # the groups of a large month are hashed in memory rather than spilled to disk
        with query_settings(self.env.cr, work_mem=GROUPING_WORK_MEM):
            self.env.cr.copy_expert(query, buffer)
        buffer.seek(0)
        text_columns = ("environment", "tenant", "service", "provider", "category")
        types = {name: pa.string() if name in text_columns else pa.int64() for name in COST_GROUP_COLUMNS}
        types["amount"] = pa.int64() if as_integers else pa.string()
        table = pa_csv.read_csv(
            buffer,
            read_options=pa_csv.ReadOptions(column_names=COST_GROUP_COLUMNS + ["amount"]),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
        del buffer
        frame = table.to_pandas()
        del table
        # the order group_costs gives: keys compared as Python compares them (texts by code point)
        order = np.lexsort(
            [
                pd.factorize(frame[name], sort=True)[0] if name in text_columns else frame[name].to_numpy()
                for name in reversed(COST_GROUP_COLUMNS)
            ]
        )
        frame = frame.take(order).reset_index(drop=True)
        if as_integers:
            frame["cents"] = cumulative_units_scaled(frame["amount"].to_numpy(), 10 ** (places - digits))
        else:
            frame["cents"] = np.asarray(cumulative_units(frame["amount"].map(Decimal), digits), dtype=np.int64)
        costs = frame.loc[:, list(COST_COLUMNS)]
        costs.attrs["normalised"] = True
        return costs

    def _currency_digits(self):
        """Decimal places of the company's currency: the runs' amounts are integers of its smallest unit."""
        self.ensure_one()
        return self.company_id.currency_id.decimal_places

    def _pool_centers(self):
        """{analytic account id: pool id} of the pools whose cost center stands for them as receivers."""
        pools = (
            self.env["cloud.cost.pool"]
            .with_context(active_test=False)
            .search([("company_id", "=", self.company_id.id), ("analytic_account_id", "!=", False)])
        )
        return {pool.analytic_account_id.id: pool.id for pool in pools}

    def _driver_keys(self):
        return (self.step_ids.key_id | self.user_key_id | self.transaction_key_id).ids

    def _read_drivers(self, date_from, date_to):
        """{key id: {receiver: Decimal}}: the period's driver values, summed per receiver."""
        drivers = defaultdict(dict)
        keys = self._driver_keys()
        if not keys:
            return drivers
        centers = self._pool_centers()
        self.env.cr.execute(
            """SELECT key_id, analytic_account_id, SUM(value)::text
                 FROM cloud_cost_driver_value
                WHERE company_id = %s AND key_id IN %s AND date_from >= %s AND date_to <= %s
             GROUP BY 1, 2""",
            [self.company_id.id, tuple(keys), date_from, date_to],
        )
        for key_id, analytic_id, value in self.env.cr.fetchall():
            receiver = ("p", centers[analytic_id]) if analytic_id in centers else ("a", analytic_id)
            drivers[key_id][receiver] = Decimal(value)
        return drivers

    def _unit_prices(self, step, receivers):
        Analytic = self.env["account.analytic.account"]
        accounts = Analytic.browse([ident for kind, ident in receivers if kind == "a"])
        accounts.mapped("cloud_cost_service_tier_id")  # one read for all of them
        by_tier = {}  # a price per tier, not per receiver
        prices = {}
        for receiver in receivers:
            if receiver[0] == "a":
                tier = Analytic.browse(receiver[1]).cloud_cost_service_tier_id
                if tier not in by_tier:
                    by_tier[tier] = tier._unit_price(step.key_id, step.base_price)
                prices[receiver] = by_tier[tier]
            else:
                prices[receiver] = Decimal(repr(step.base_price or 0.0))
        return prices

    def _engine_policy(self, drivers, period=None):
        """The policy as the engine's plain data; ``period``: (first day, last day) of the run's period, for
        the methods that read more than the driver values."""
        self.ensure_one()
        steps = []
        names = {}
        for step in self.step_ids.sorted(lambda s: (s.sequence, s.id)):
            receivers = tuple(("a", a.id) for a in step.receiver_analytic_ids) + tuple(
                ("p", p.id) for p in step.receiver_pool_ids
            )
            excluded = frozenset(("a", a.id) for a in step.excluded_analytic_ids) | frozenset(
                ("p", p.id) for p in step.excluded_pool_ids
            )
            options = self._prepare_method_options(step, receivers, drivers, period)
            # options naming a field of the engine's step fill it (the tier's unit_prices); the rest stay options
            own = {name: options.pop(name) for name in list(options) if name in STEP_FIELDS}
            steps.append(
                Step(
                    key=step.id,
                    sender=step.sender_pool_id.id,
                    method=step.method,
                    sequence=step.sequence,
                    name=step.name or "",
                    receivers=receivers,
                    excluded=excluded,
                    driver_key=step.key_id.id or None,
                    category=step.cost_category,
                    percents={tuple(p._receiver()): p._decimal_percent() for p in step.percent_ids},
                    remainder=step._remainder_key(),
                    reciprocal_group=step.reciprocal_group or "",
                    options=options,
                    **own,
                )
            )
            names[("p", step.sender_pool_id.id)] = step.sender_pool_id.display_name
            for pool in step.receiver_pool_ids | step.remainder_pool_id:
                names[("p", pool.id)] = pool.display_name
            for account in step.receiver_analytic_ids | step.remainder_analytic_id:
                names[("a", account.id)] = account.display_name
        return Policy(
            steps,
            unallocated=self.unallocated_policy,
            unallocated_receiver=("a", self.unallocated_receiver_id.id) if self.unallocated_receiver_id else None,
            idle=self.idle_policy,
            idle_receiver=("a", self.idle_receiver_id.id) if self.idle_receiver_id else None,
            names=names,
            digits=self._currency_digits(),
        )

    def _prepare_method_options(self, step, receivers, drivers, period=None):
        """What the step's method reads beyond the step's fields ({} for most methods; the tier's rate card
        prices): the method's own ``engine_options``. Addons whose method needs more of the ORM than the
        method class reaches may extend this."""
        try:
            method = method_registry.get(step.method)
        except AllocationError as error:
            raise UserError(_("%(step)s: %(error)s", step=step._label(), error=error)) from error
        return dict(method.engine_options(self, step, receivers, drivers, period))

    def _rules_snapshot(self, spec):
        """The rules a run used, as JSON-ready data (frozen on the run, part of its fingerprint)."""
        self.ensure_one()
        return {
            "policy": {
                "id": self.id,
                "code": self.code,
                "name": self.name,
                "amount_basis": self.amount_basis,
                "period_basis": self.period_basis,
                "unallocated_policy": self.unallocated_policy,
                "unallocated_receiver": self.unallocated_receiver_id.id or None,
                "idle_policy": self.idle_policy,
                "idle_receiver": self.idle_receiver_id.id or None,
            },
            "steps": [step._snapshot() for step in self.step_ids.sorted(lambda s: (s.sequence, s.id))],
            **self._methods_snapshot(spec),
            "pool_centers": sorted([a, p] for a, p in self._pool_centers().items()),
        }

    @staticmethod
    def _methods_snapshot(spec):
        """{section: {step key: data}}: what the steps' methods read beyond the steps' fields, as each method
        records it. "unit_prices" (the tier's) is always there, as in the rules of earlier runs."""
        sections = {"unit_prices": {}}
        for step in spec.steps:
            for section, data in method_registry.get(step.method).snapshot(step).items():
                sections.setdefault(section, {})[str(step.key)] = data
        return sections

    @staticmethod
    def _drivers_snapshot(drivers):
        return {
            str(key): sorted([kind, ident, str(value)] for (kind, ident), value in values.items())
            for key, values in sorted(drivers.items())
        }

    def _read_inputs(self, date_from, date_to):
        """Everything a run of the period reads, each read once: the cost lines' batches (with their figures)
        and groups, the driver values, the rules, and the fingerprint of them all."""
        self.ensure_one()
        batches = self._cost_batches(date_from, date_to)
        costs = self._read_cost_groups(date_from, date_to, batches)
        drivers = self._read_drivers(date_from, date_to)
        spec = self._engine_policy(drivers, (date_from, date_to))
        rules = self._rules_snapshot(spec)
        return {
            "costs": costs,
            "batches": batches,
            "line_count": sum(batch.line_count for batch in batches),
            "exact_total": sum((batch.total for batch in batches), Decimal(0)),
            "drivers": drivers,
            "spec": spec,
            "rules": rules,
            "fingerprint": self._fingerprint_of(batches, drivers, rules),
        }

    def _run_engine(self, inputs, date_from, date_to):
        try:
            result = allocate(inputs["costs"], inputs["spec"], inputs["drivers"])
        except AllocationError as error:
            raise UserError(
                _(
                    "Policy %(policy)s cannot allocate %(start)s to %(end)s: %(error)s",
                    policy=self.display_name,
                    start=date_from,
                    end=date_to,
                    error=error,
                )
            ) from error
        result.check()
        return result

    def _allocate(self, date_from, date_to):
        """Apply the policy to a period without writing anything: (engine result, inputs)."""
        self.ensure_one()
        inputs = self._read_inputs(date_from, date_to)
        return self._run_engine(inputs, date_from, date_to), inputs

    def _fingerprint(self, date_from, date_to):
        """A hash of everything a run reads: cost lines (ids, amounts, classification), driver
        values and rules. It changes when a bill is restated or re-imported, a line is
        re-classified, a driver value or a rule changes."""
        self.ensure_one()
        batches = self._cost_batches(date_from, date_to)
        drivers = self._read_drivers(date_from, date_to)
        spec = self._engine_policy(drivers, (date_from, date_to))
        return self._fingerprint_of(batches, drivers, self._rules_snapshot(spec))

    def _fingerprint_of(self, batches, drivers, rules):
        """The fingerprint of the figures of ``_cost_batches`` (summed over the batches: the count, exact sum
        and hash sum of all the lines), driver values and rules."""
        lines = [
            sum(batch.line_count for batch in batches),
            str(sum((batch.total for batch in batches), Decimal(0))),
            str(sum(batch.digest for batch in batches)),
        ]
        payload = json.dumps(
            {"lines": lines, "drivers": self._drivers_snapshot(drivers), "rules": rules},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def _names_for(self, result):
        """{receiver: display name} of the business units and pools in an engine result."""
        names = {}
        bu_ids = [rid for kind, rid in result.receiver_totals() if kind == "analytic"]
        for account in self.env["account.analytic.account"].browse(bu_ids).exists():
            names[("a", account.id)] = account.display_name
        for pool in self.env["cloud.cost.pool"].browse(list(result.senders)).exists():
            names[("p", pool.id)] = pool.display_name
        return names
