import csv
import hashlib
import io
from decimal import Decimal

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core import focus_out
from ..core.focus_out import COLUMNS, Line, Receiver

FOCUS_FORMATS = ("csv", "parquet")
# FOCUS columns the cost lines keep as fields (the others come from provider_extra when the bill had them)
LINE_FIELDS = {
    "BilledCost": "billed_cost",
    "EffectiveCost": "effective_cost",
    "ListCost": "list_cost",
    "ContractedCost": "contracted_cost",
    "PricingQuantity": "pricing_quantity",
    "ConsumedQuantity": "consumed_quantity",
    "BillingCurrency": "billing_currency",
    "ChargeCategory": "charge_category",
    "ChargeClass": "charge_class",
    "ChargeDescription": "charge_description",
    "ProviderName": "provider_name",
    "BillingAccountId": "billing_account",
    "SubAccountId": "sub_account",
    "SubAccountName": "sub_account_name",
    "ServiceName": "service_name",
    "RegionId": "region",
    "ResourceId": "resource",
    "ResourceName": "resource_name",
    "SkuId": "sku",
    "PricingUnit": "pricing_unit",
    "ConsumedUnit": "consumed_unit",
    "CommitmentDiscountId": "commitment_discount",
    "CommitmentDiscountStatus": "commitment_discount_status",
    "InvoiceId": "invoice_number",
}
DECIMAL_FIELDS = (
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
    "pricing_quantity",
    "consumed_quantity",
)


# the run's FOCUS export, kept apart from its seal and trace
class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ FOCUS 1.3 out
    def _focus_lines(self):
        """The run's allocation lines as the FOCUS core reads them, with the cost lines the audit trace finds
        behind the lines that have no sender pool and behind direct attribution."""
        cr = self.env.cr
        groups = {
            step["id"]: step.get("reciprocal_group") or ""
            for step in ((self.snapshot or {}).get("rules") or {}).get("steps") or []
        }
        cr.execute(
            """SELECT id, COALESCE(step_id, 0), step_sequence, COALESCE(sender_pool_id, 0), receiver_kind,
                      COALESCE(analytic_account_id, receiver_pool_id), method, line_type, amount::text,
                      driver_key_id, driver_value
                 FROM cloud_cost_allocation_line WHERE run_id = %s ORDER BY id""",
            [self.id],
        )
        rows = cr.fetchall()
        AllocationLine = self.env["cloud.cost.allocation.line"].sudo()
        RunCost = self.env["cloud.cost.allocation.run.cost"].sudo()
        keys = self.env["cloud.cost.allocation.key"].sudo().browse({row[9] for row in rows if row[9]})
        key_units = {key.id: key.unit or key.code or key.name for key in keys}
        lines, units = [], {}
        for ident, step, sequence, sender, kind, receiver, method, line_type, amount, key, value in rows:
            cost_ids = frozenset()
            if not sender or (method == "direct" and line_type == "allocation"):
                # the trace's own way from an allocation line to its cost lines
                query = RunCost._search(AllocationLine.browse(ident)._trace_cost_domain())
                cr.execute(
                    SQL("SELECT cost_line_id FROM cloud_cost_allocation_run_cost WHERE id IN %s", query.subselect())
                )
                cost_ids = frozenset(row[0] for row in cr.fetchall())
            lines.append(
                Line(
                    id=ident,
                    sender=sender,
                    amount=Decimal(amount or 0),
                    method=method,
                    line_type=line_type,
                    receiver=None
                    if kind == "none" or not receiver
                    else ({"analytic": "a", "pool": "p"}[kind], receiver),
                    order=(sequence, step),
                    group=groups.get(step, ""),
                    cost_ids=cost_ids,
                )
            )
            if key:
                units[ident] = (key_units.get(key), None if value is None else Decimal(repr(value)).normalize())
        return lines, units

    def _focus_parts(self):
        """{cost line id: [Part]} of the run (see core.focus_out.origins)."""
        cr = self.env.cr
        self.env.flush_all()
        lines, units = self._focus_lines()
        cr.execute(
            SQL(
                """SELECT c.cost_pool_id, array_agg(c.cost_line_id ORDER BY c.cost_line_id)
                     FROM cloud_cost_allocation_run_cost c WHERE %s AND c.cost_pool_id IS NOT NULL
                 GROUP BY 1""",
                self.env["cloud.cost.allocation.run.cost"]._run_rows_sql(self.id),
            )
        )
        pool_costs = dict(cr.fetchall())
        cr.execute(
            "SELECT pool_id, own_amount::text FROM cloud_cost_allocation_run_sender WHERE run_id = %s", [self.id]
        )
        pool_totals = {pool: Decimal(amount or 0) for pool, amount in cr.fetchall()}
        return focus_out.origins(lines, pool_costs, pool_totals), units

    def _focus_receivers(self, parts):
        ids = {
            part.line.receiver[1]
            for entries in parts.values()
            for part in entries
            if part.line and part.line.receiver and part.line.receiver[0] == "a"
        }
        receivers = {}
        for account in self.env["account.analytic.account"].sudo().browse(sorted(ids)):
            tags = {f"{focus_out.TAG_PREFIX}business-unit": account.name}
            if account.code:
                tags[f"{focus_out.TAG_PREFIX}business-unit-code"] = account.code
            if account.plan_id:
                tags[f"{focus_out.TAG_PREFIX}plan"] = account.plan_id.name
            receivers["a", account.id] = Receiver(
                f"{focus_out.TAG_PREFIX}business-unit/{account.id}", account.display_name, tags
            )
        return receivers

    def _focus_charges(self):
        """{cost line id: {FOCUS column: value}}: the charges the run took, as their bills gave them."""
        cr = self.env.cr
        names = ", ".join(f"l.{name}" + ("::text" if name in DECIMAL_FIELDS else "") for name in LINE_FIELDS.values())
        taken = self.env["cloud.cost.allocation.run.cost"]._run_rows_sql(self.id)
        cr.execute(
            SQL(
                f"""SELECT l.id, {names}, l.service_category, l.billing_period_start, l.billing_period_end,
                           l.charge_period_start, l.charge_period_end, l.tags, l.provider_extra, s.name,
                           l.source_file, l.source_row
                      FROM cloud_cost_line l
                      JOIN cloud_cost_import_batch b ON b.id = l.batch_id
                      JOIN cloud_cost_source s ON s.id = b.source_id
                     WHERE l.id IN (SELECT c.cost_line_id FROM cloud_cost_allocation_run_cost c WHERE %s)""",  # noqa: S608
                taken,
            )
        )
        company_currency = self.currency_id.name
        charges = {}
        for row in cr.fetchall():
            values = dict(zip(LINE_FIELDS, row[1 : len(LINE_FIELDS) + 1], strict=True))
            category, period_start, period_end, start, end, tags, extra, source, file, number = row[
                len(LINE_FIELDS) + 1 :
            ]
            extra = {key.lower(): value for key, value in (extra or {}).items()} if isinstance(extra, dict) else {}

            def kept(column, default=None, extra=extra):
                value = extra.get(column.lower())
                return default if value in (None, "") else value

            for column in (
                "BilledCost",
                "EffectiveCost",
                "ListCost",
                "ContractedCost",
                "PricingQuantity",
                "ConsumedQuantity",
            ):
                if values[column] is not None:
                    values[column] = Decimal(values[column])
            provider = values["ProviderName"] or kept("ServiceProviderName") or source
            charge = {column: kept(column) for column in COLUMNS if column not in LINE_FIELDS}
            charge.update(values)
            charge.update(
                {
                    "AllocatedMethodDetails": None,
                    "AllocatedMethodId": None,
                    "AllocatedResourceId": None,
                    "AllocatedResourceName": None,
                    "AllocatedTags": None,
                    "BillingAccountId": values["BillingAccountId"] or source,
                    "BillingCurrency": values["BillingCurrency"] or company_currency,
                    "BillingPeriodStart": period_start,
                    "BillingPeriodEnd": focus_out.period_end(period_start, period_end),
                    "ChargePeriodStart": start,
                    "ChargePeriodEnd": end or start,
                    "ChargeCategory": values["ChargeCategory"] or "Usage",
                    "ChargeFrequency": kept("ChargeFrequency", focus_out.charge_frequency(values["ChargeCategory"])),
                    "ListCost": values["ListCost"] if values["ListCost"] is not None else values["BilledCost"],
                    "ContractedCost": (
                        values["ContractedCost"] if values["ContractedCost"] is not None else values["BilledCost"]
                    ),
                    "ProviderName": provider,
                    "PublisherName": kept("PublisherName", provider),
                    "ServiceProviderName": kept("ServiceProviderName", provider),
                    "HostProviderName": kept("HostProviderName", provider),
                    "InvoiceIssuerName": kept("InvoiceIssuerName", provider),
                    "ServiceCategory": focus_out.service_category(category),
                    "ServiceName": values["ServiceName"] or category or _("Unknown"),
                    "Tags": focus_out.dumps(tags) if isinstance(tags, dict) else None,
                    "x_CostLineId": row[0],
                    "x_SourceFile": file or None,
                    "x_SourceRow": number,
                }
            )
            for column in focus_out.JSON_COLUMNS:
                if isinstance(charge.get(column), dict | list):
                    charge[column] = focus_out.dumps(charge[column])
            charges[row[0]] = charge
        return charges

    def _focus_rows(self):
        """The run's result as FOCUS 1.3 cost rows: each charge the run took, split per receiver."""
        self.ensure_one()
        run = self.sudo()
        if run.state not in ("computed", "approved", "posted", "reversed"):
            raise UserError(_("Run %s has no allocated result to export: compute it first.", run.display_name))
        parts, units = run._focus_parts()
        receivers = run._focus_receivers(parts)
        digits = {
            currency.name: currency.decimal_places
            for currency in self.env["res.currency"].sudo().with_context(active_test=False).search([])
        }
        rows = []
        for cost_id, charge in sorted(run._focus_charges().items()):
            places = digits.get(charge["BillingCurrency"], 2)
            # amounts as the bill gave them, with at least the currency's places; quantities with one at least,
            # so that a reader never takes a column of decimals for integers
            for column in focus_out.SPLIT_COLUMNS:
                if charge.get(column) is not None:
                    charge[column] = focus_out.trim(charge[column], places if "Cost" in column else 1)
            rows += focus_out.split_charge(
                charge, parts.get(cost_id, []), receivers, places, run.policy_id.code, run.name, units
            )
        return rows

    def _focus_export(self, file_format="csv"):
        """FOCUS 1.3 rows of the run as file bytes: CSV (UTF-8, a header row) or Parquet."""
        if file_format not in FOCUS_FORMATS:
            raise UserError(_("FOCUS exports are written as %s.", " or ".join(FOCUS_FORMATS)))
        rows = self._focus_rows()
        if file_format == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(focus_out.as_text(row) for row in rows)
            return buffer.getvalue().encode()
        return focus_out.parquet(rows)

    def _focus_file_name(self, file_format):
        return f"focus-1.3-{self.name.replace(' ', '-')}.{file_format}"

    def action_focus_export_csv(self):
        return self._action_focus_export("csv")

    def action_focus_export_parquet(self):
        return self._action_focus_export("parquet")

    def _action_focus_export(self, file_format):
        """The FOCUS file as a download, kept as an attachment of the run by the suite (like the auditor pack)
        for whoever may read the run."""
        self.ensure_one()
        self.check_access("read")
        data = self._focus_export(file_format)
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._focus_file_name(file_format),
                    "raw": data,
                    "res_model": self._name,
                    "res_id": self.id,
                    "description": f"SHA-256 {hashlib.sha256(data).hexdigest()}",
                    "mimetype": "text/csv" if file_format == "csv" else "application/vnd.apache.parquet",
                }
            )
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}
