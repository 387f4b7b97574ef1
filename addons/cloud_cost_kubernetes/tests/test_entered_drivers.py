"""Driver values entered by hand or from a CSV file: validated, all or nothing."""

import base64

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ClusterCase


@tagged("post_install", "-at_install")
class TestEnteredDrivers(ClusterCase):
    def upload(self, data, name="drivers.csv"):
        return (
            self.env["cloud.cost.driver.import.wizard"]
            .create({"file": base64.b64encode(data), "file_name": name})
            .action_import()
        )

    def test_driver_values_from_a_csv_file_all_or_nothing(self):
        bad = b"key,receiver,period,value\nKCPU,RK8S,2026-10,10\nKCPU,Nowhere,2026-10,5\n"
        with self.assertRaisesRegex(UserError, r"drivers.csv, row 2, column receiver: no business unit 'Nowhere'"):
            self.upload(bad)
        negative = b"key,receiver,period,value\nKCPU,RK8S,2026-10,10\nKMEM,RK8S,2026-10,-1\n"
        with self.assertRaisesRegex(UserError, r"row 2, column value: -1 is negative"):
            self.upload(negative)
        self.assertFalse(self.env["cloud.cost.driver.value"].search([("key_id", "in", (self.cpu | self.memory).ids)]))

        good = b"key,receiver,period,value\nKCPU,RK8S,2026-10,10\nCPU (cluster),wholesale k8s,2026-10,5.25\n"
        self.upload(good)
        values = self.env["cloud.cost.driver.value"].search([("key_id", "=", self.cpu.id)])
        self.assertEqual(
            {
                (v.analytic_account_id, v.value, v.origin, v.date_from.isoformat(), v.date_to.isoformat())
                for v in values
            },
            {
                (self.retail, 10.0, "import", "2026-10-01", "2026-10-31"),
                (self.wholesale, 5.25, "import", "2026-10-01", "2026-10-31"),
            },
        )
        self.assertEqual(
            values.filtered(lambda v: v.analytic_account_id == self.retail).origin_ref, "drivers.csv, row 1"
        )
        # the file again, corrected: replaced, not added
        self.upload(good.replace(b",10\n", b",12\n"))
        self.assertEqual(self.values(self.cpu), {self.retail: 12.0, self.wholesale: 5.25})

    def test_a_receiver_of_another_company_is_unknown(self):
        other = self.env["res.company"].create({"name": "Elsewhere"})
        self.env["account.analytic.account"].create(
            {"name": "Far away", "code": "FAR", "company_id": other.id, "plan_id": self.retail.plan_id.id}
        )
        with self.assertRaisesRegex(UserError, r"row 1, column receiver: no business unit 'FAR'"):
            self.upload(b"key,receiver,period,value\nKCPU,FAR,2026-10,1\n")

    def test_an_entered_value_is_never_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["cloud.cost.driver.value"].create(
                {
                    "key_id": self.cpu.id,
                    "analytic_account_id": self.retail.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    "value": -2.0,
                    "origin": "manual",
                }
            )
