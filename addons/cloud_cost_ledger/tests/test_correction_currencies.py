"""Chargeback corrections in companies whose currency has no decimals (JPY) and three (KWD)."""

from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost_posting.tests.test_currency_precision import CASES, CurrencyCase

# the direct cost of Retail restated after posting, and the correction it must give, in the currency
RESTATED = {"JPY": ("600.6", Decimal("100")), "KWD": ("6.0006", Decimal("1.000"))}


class CorrectionCurrencyCase(CurrencyCase):
    def check_correction(self):
        case = CASES[self.currency_code]
        direct, delta = RESTATED[self.currency_code]
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        posted = self.env["cloud.cost.import.batch"].search([("company_id", "=", self.company.id)])
        restated = self.make_batch(
            [(self.platform, None, amount, "prod", "Compute") for amount in case["platform"]]
            + [(self.runtime, None, amount, "prod", "Compute") for amount in case["runtime"]]
            + [(None, self.retail, direct, "prod", "Compute")]
        )
        posted._suite().write({"state": "superseded", "superseded_by_id": restated.id})
        restated._suite().write({"previous_batch_id": posted.id})

        Correction = self.env["cloud.cost.correction"].with_user(self.controller)
        correction = Correction.browse(Correction.action_post_correction(run.id, "2026-12-31"))
        self.assertEqual(Decimal(str(correction.amount)), delta)
        self.assertEqual(list(correction.deltas.values()), [int(delta.scaleb(self.currency.decimal_places))])
        move = correction.move_id
        self.assertEqual((move.state, move.currency_id), ("posted", self.currency))
        debit = move.line_ids.filtered("debit")
        self.assertEqual(
            (debit.account_id, Decimal(str(debit.debit)), debit.analytic_distribution),
            (self.accounts["chargeback"], delta, {str(self.retail.id): 100.0}),
        )
        self.assertEqual(Decimal(str(move.line_ids.filtered("credit").credit)), delta)
        # charged once: nothing is left to correct
        self.assertFalse(Correction.action_post_correction(run.id, "2026-12-31"))


@tagged("post_install", "-at_install")
class TestCorrectionInYen(CorrectionCurrencyCase):
    currency_code = "JPY"

    def test_a_restated_bill_is_corrected_in_whole_yen(self):
        self.check_correction()


@tagged("post_install", "-at_install")
class TestCorrectionInDinar(CorrectionCurrencyCase):
    currency_code = "KWD"

    def test_a_restated_bill_is_corrected_in_fils(self):
        self.check_correction()
