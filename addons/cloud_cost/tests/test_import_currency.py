from decimal import ROUND_HALF_UP, Decimal

from odoo.tests import tagged

from ..models.cloud_cost_bill_import import ImportRefused
from .bill_files import focus_csv, focus_row
from .common_import import ImportCase


def company_amount(amount, rate):
    """Kept to 12 decimal places on the line (rounded to the cent once summed); exact when no conversion."""
    if rate == "1":
        return Decimal(amount)
    return (Decimal(amount) / Decimal(rate)).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)


def cents(amount):
    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@tagged("post_install", "-at_install")
class TestImportCurrency(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rate = cls.env["res.currency.rate"]
        # USD per EUR, as Odoo keeps rates: the company's own, and a shared one it must not prefer
        Rate.create({"currency_id": cls.usd.id, "name": "2026-10-01", "rate": 1.1, "company_id": cls.company.id})
        Rate.create({"currency_id": cls.usd.id, "name": "2026-10-15", "rate": 1.25, "company_id": cls.company.id})
        Rate.create({"currency_id": cls.usd.id, "name": "2026-10-10", "rate": 2.0, "company_id": False})

    def test_amounts_are_converted_at_the_charge_date_and_both_are_kept(self):
        rows = [
            focus_row(day=3, BillingCurrency="USD", BilledCost="110.0000000055", EffectiveCost="100.005"),
            focus_row(day=20, BillingCurrency="USD", BilledCost="12.3456789", EffectiveCost="-0.006"),
            focus_row(day=20, BillingCurrency="EUR", BilledCost="7.777", EffectiveCost="7.775"),
            # charged before the first rate of the company: Odoo then takes the earliest one
            focus_row(
                day=1,
                BillingCurrency="USD",
                BilledCost="1",
                EffectiveCost="1",
                ChargePeriodStart="2026-09-28T00:00:00Z",
            ),
        ]
        self.write("focus-usd.csv", focus_csv(rows))
        batch = self.source._run_import().batches[0]
        stored = self.sql(
            """SELECT billing_currency, billed_cost::text, effective_cost::text, billed_cost_company::text,
                      effective_cost_company::text
                 FROM cloud_cost_line WHERE batch_id = %s ORDER BY source_row""",
            batch.id,
        )
        rates = ["1.1", "1.25", "1", "1.1"]
        for (currency, billed, effective, billed_company, effective_company), row, rate in zip(
            stored, rows, rates, strict=False
        ):
            self.assertEqual(currency, row["BillingCurrency"])
            self.assertEqual(Decimal(billed), Decimal(row["BilledCost"]))  # the bill's amount, exactly
            self.assertEqual(Decimal(effective), Decimal(row["EffectiveCost"]))
            self.assertEqual(Decimal(billed_company), company_amount(row["BilledCost"], rate))
            self.assertEqual(Decimal(effective_company), company_amount(row["EffectiveCost"], rate))
        # the same as Odoo's own conversion, to the cent
        odoo_amount = self.usd._convert(110.0000000055, self.eur, self.company, "2026-10-03")
        self.assertEqual(cents(stored[0][3]), Decimal(str(odoo_amount)))
        # batch totals are in the company currency; per-currency totals in the bill's
        totals = self.totals(batch)
        self.assertEqual(totals[("Usage", "USD")][1], Decimal("123.3456789055"))
        self.assertAlmostEqual(batch.billed_cost_total, float(sum(Decimal(s[3]) for s in stored)), places=2)

    def test_sub_cent_rows_add_up_to_the_bill_in_the_company_currency(self):
        # usage billed in fractions of a cent: rounding each row to the cent would lose it all
        rows = [
            focus_row(day=2, BillingCurrency=currency, BilledCost="0.004", EffectiveCost="0.0044")
            for currency in ["EUR"] * 500 + ["USD"] * 500
        ]
        self.write("focus-sub-cent.csv", focus_csv(rows))
        batch = self.source._run_import().batches[0]
        ((billed, effective),) = self.sql(
            "SELECT sum(billed_cost_company), sum(effective_cost_company) FROM cloud_cost_line WHERE batch_id = %s",
            batch.id,
        )
        # 500 x 0.004 EUR + 500 x 0.004 USD / 1.1 (the company's rate on 2 October)
        self.assertEqual(cents(billed), cents(Decimal("2") + Decimal("2") / Decimal("1.1")))  # 3.82
        self.assertEqual(cents(effective), cents(Decimal("2.2") + Decimal("2.2") / Decimal("1.1")))  # 4.20
        self.assertEqual(round(batch.billed_cost_total, 2), 3.82)

    def test_a_currency_without_rates_is_refused_with_its_row(self):
        self.env["res.currency.rate"].search(
            [("currency_id.name", "=", "JPY"), ("company_id", "in", [False, self.company.id])]
        ).unlink()
        rows = [focus_row(day=1), focus_row(day=2), focus_row(day=3, BillingCurrency="JPY", BilledCost="1000")]
        self.write("focus-jpy.csv", focus_csv(rows))
        with self.assertRaises(ImportRefused) as refusal:
            self.source._run_import()
        message = str(refusal.exception.args[0])
        self.assertIn("focus-jpy.csv", message)
        self.assertIn("row 3", message)
        self.assertIn("BillingCurrency", message)
        self.assertIn("JPY", message)
        self.assertEqual(self.line_count(), 0)
        self.assertFalse(self.source.batch_ids)
