from collections import Counter
from decimal import Decimal
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore
from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row

from ..models import account_move_line
from . import test_cli
from .common import BILL_NAME, NOVEMBER, AuditCase

PAYMENTS_BILL = "exports/focus-2026-11-payments.csv"


@tagged("post_install", "-at_install")
class TestTraceOfAClearingItem(AuditCase):
    """A credit of a run posted as one entry sums the allocation lines of every receiver: its trace names them
    by step, sender pool and method, each entry with the bill rows behind all its lines, each row once."""

    command = test_cli.TestVerifyCommand.command  # the module, not its class: collected once

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["cloud.cost.mapping.rule"].create(
            {
                "name": "Payments team",
                "company_id": cls.company.id,
                "match_tag_key": "team",
                "match_tag_value": "payments",
                "analytic_account_id": cls.payments.id,
            }
        )
        currency = cls.company.currency_id.name
        rows = [
            focus_row(
                period="2026-11",
                day=day,
                BillingCurrency=currency,
                BilledCost=cost,
                EffectiveCost=cost,
                ServiceName=service,
                Tags='{"team": "payments"}',
            )
            # two services: two direct lines of Payments
            for day, cost, service in ((6, "7.07", "Amazon Relational Database Service"), (7, "0.03", "Amazon S3"))
        ]
        # a second account's bill: an import of the first source's would restate (replace) its bill
        payments_source = cls.env["cloud.cost.source"].create({"name": "FOCUS payments", "company_id": cls.company.id})
        payments_source._import_store(MemoryStore({PAYMENTS_BILL: focus_csv(rows)}))

    def computed_run(self):
        run = self.new_run(user=self.controller, date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        run.with_user(self.controller).action_compute()
        return run

    def credits(self):
        """The run's credits as one entry: {"direct": that of the business units' own costs, three allocation
        lines, "pool": the platform pool's, two lines}."""
        run = self.computed_run()
        run.with_user(self.controller_2).action_approve()
        run.with_user(self.controller).action_post()
        credits = run.move_ids.line_ids.filtered(lambda line: line.cloud_cost_side == "sender")
        by_sender = {"pool" if item.cloud_cost_sender_pool_id else "direct": item for item in credits}
        self.assertEqual(len(by_sender), len(credits), by_sender)
        self.assertEqual(by_sender["pool"].cloud_cost_sender_pool_id, self.platform)
        return by_sender

    def test_lines_of_one_step_and_pool_are_traced_as_one_entry_reaching_every_bill_row_once(self):
        credits = self.credits()
        entries = {}
        for kind, item in credits.items():
            lines = item.cloud_cost_allocation_line_ids
            count = {"direct": 3, "pool": 2}[kind]
            self.assertEqual(len(lines), count, kind)
            trace = item.with_user(self.auditor)._cloud_cost_trace(rows_per_line=None)
            self.assertEqual(trace["line_count"], count)
            self.assertEqual(trace["lines_amount"], Decimal(str(item.credit)), "the entries add up to the item")
            self.assertEqual(len(trace["lines"]), 1, "the lines share their step, pool and method")
            entries[kind] = entry = trace["lines"][0]
            self.assertEqual(entry["lines"], lines)
            self.assertEqual((entry["line_count"], entry["receiver_count"]), (count, 2))
            listed = Counter(row["cost_line_id"] for row in entry["rows"])
            self.assertEqual(set(listed.values()), {1}, "each bill row once")
            self.assertEqual(len(listed), entry["row_count"])

        direct = entries["direct"]  # Retail's own cost, two bill rows, and Payments', two rows of another bill
        self.assertEqual(direct["amount"], Decimal("30.75") + Decimal("7.10"))
        self.assertEqual((direct["row_count"], direct["rows_amount"], direct["part"]), (4, direct["amount"], 1))
        self.assertEqual(sum(row["effective_cost"] for row in direct["rows"]), direct["amount"])
        self.assertEqual({row["file"] for row in direct["rows"]}, {BILL_NAME, PAYMENTS_BILL})

        shared = entries["pool"]  # the platform pool split over Retail and Payments
        self.assertEqual(shared["amount"], Decimal("120.01"))
        self.assertEqual(
            (shared["row_count"], shared["rows_effective_cost"], shared["part"]), (2, Decimal("120.01"), 1)
        )
        flagged = {row["name"] for row in shared["trace"]["drivers"] if row["is_receiver"]}
        self.assertEqual(flagged, {self.retail.display_name, self.payments.display_name})

    def test_the_command_prints_the_entries_with_their_line_counts(self):
        item = self.credits()["direct"]
        status, out, _err = self.command(self.auditor, "trace", str(item.id))
        self.assertEqual(status, 0, out)
        self.assertIn(f"3 allocation line(s), summing to {item.credit:,.2f} = the item\n", out)
        self.assertRegex(out, r"\[1\] 3 allocation lines \(\d+, \.\.\.\): 37\.85 to 2 receiver\(s\) \(direct cost\)")
        self.assertIn("bill rows behind it: 4, EffectiveCost 37.85, taken 37.85\n", out)
        self.assertRegex(out, rf"{PAYMENTS_BILL}  sha256 [0-9a-f]{{64}}  row 2  EffectiveCost 0.03")

    def test_direct_lines_traced_together_reach_the_cost_lines_of_each_line_whole_or_in_part(self):
        run = self.computed_run()
        direct = run.line_ids.filtered(lambda line: line.line_type == "direct").sorted("id")
        self.assertEqual(len(direct), 3, "Retail's line and Payments' two, one per service")
        RunCost = self.env["cloud.cost.allocation.run.cost"]

        def behind(lines):
            return RunCost.search(lines._trace_cost_domain()).cost_line_id

        own = {line: behind(line) for line in direct}
        self.assertEqual([len(own[line]) for line in direct], [2, 1, 1])
        everyone = own[direct[0]] | own[direct[1]] | own[direct[2]]
        self.assertEqual(len(everyone), 4, "each cost line is behind one direct line")

        # all of the run's direct lines of their business units: found by unit
        self.assertEqual(direct._trace_whole_units(), sorted((self.retail | self.payments).ids))
        self.assertEqual(behind(direct), everyone)
        # Retail's line and one of Payments': matched line by line, not Payments' other service
        payments = direct.filtered(lambda line: line.analytic_account_id == self.payments)
        part = direct[0] | payments[-1]
        self.assertEqual(direct[0].analytic_account_id, self.retail)
        self.assertIsNone(part._trace_whole_units())
        self.assertEqual(behind(part), own[direct[0]] | own[payments[-1]])
        self.assertEqual(
            {line.service_name for line in behind(part) if line.analytic_account_id == self.payments},
            {payments[-1].service_name},
        )

    def test_an_item_of_many_lines_is_read_by_merging_with_the_same_entries(self):
        item = self.credits()["direct"]
        line_by_line = item._cloud_cost_trace_groups(2)
        with patch.object(account_move_line, "MANY_LINES", 0):  # as a clearing credit of a large run is read
            self.assertEqual(item._cloud_cost_trace_groups(2), line_by_line)
        self.assertEqual(len(line_by_line), 1)
        self.assertEqual(sorted(line_by_line[0][1]), sorted(item.cloud_cost_allocation_line_ids.ids))
