from decimal import Decimal as D

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.accruals import ReconciliationRow, accrual_lines, format_table, to_units
from ..core.matching import BillFigures, link_groups, match


@tagged("post_install", "-at_install")
class TestMatching(PlainCase):
    def test_an_invoice_equal_to_the_bill_is_matched_and_a_cent_is_rounding(self):
        assert match(D("1075.00"), BillFigures(billed=D("1075.00"))).state == "matched"
        result = match(D("1074.99"), BillFigures(billed=D("1075.00")))
        assert (result.state, result.causes, result.unexplained) == ("matched", {"rounding": D("0.01")}, 0)

    def test_tax_and_a_credit_on_a_credit_note_explain_the_difference(self):
        # the bill holds 190.00 of tax and a credit of -50.00 that the invoice leaves out; 0.01 of rounding
        figures = BillFigures(billed=D("1140.01"), tax=D("190.00"), credit=D("-50.00"), purchase=D("300.00"))
        result = match(D("1000.00"), figures)
        assert result.state == "explained"
        assert result.difference == D("140.01")
        assert result.causes == {"tax": D("190.00"), "credit": D("-50.00"), "rounding": D("0.01")}
        assert sum(result.causes.values()) == result.difference

    def test_a_restatement_after_the_invoice_and_the_currency_are_facts_taken_first(self):
        figures = BillFigures(billed=D("1011.50"), tax=D("10.00"), restatement=D("1.00"), currency=D("0.50"))
        result = match(D("1000.00"), figures)
        assert result.causes == {"tax": D("10.00"), "restatement": D("1.00"), "currency": D("0.50")}
        assert result.state == "explained"

    def test_what_no_cause_explains_is_unexplained(self):
        result = match(D("900.00"), BillFigures(billed=D("1000.00"), tax=D("40.00"), marketplace=D("30.00")))
        assert (result.state, result.unexplained, result.causes) == ("unexplained", D("100.00"), {})

    def test_the_smallest_set_of_causes_wins(self):
        # purchase alone explains 300; tax + marketplace would too, but it takes two causes
        figures = BillFigures(billed=D("1300"), tax=D("200"), marketplace=D("100"), purchase=D("300"))
        assert match(D("1000"), figures).causes == {"purchase": D("300.00")}

    def test_no_invoice_is_missing_and_the_whole_bill_is_open(self):
        result = match(None, BillFigures(billed=D("12.34")))
        assert (result.state, result.unexplained) == ("missing", D("12.34"))

    def test_invoices_and_batches_linked_through_each_other_form_one_group(self):
        groups = link_groups([("inv1", 1), ("inv2", 1), ("inv2", 2), ("inv3", 3)], invoices=["inv4"], batches=[4])
        assert groups == [
            (frozenset({"inv1", "inv2"}), frozenset({1, 2})),
            (frozenset({"inv3"}), frozenset({3})),
            (frozenset(), frozenset({4})),
            (frozenset({"inv4"}), frozenset()),
        ]

    def test_accrual_lines_are_rounded_once_per_account_and_balance(self):
        lines, credit = accrual_lines(
            [(1, 7, D("10.005")), (1, 7, D("0.001")), (2, None, D("5.5")), (3, None, D("0.001"))]
        )
        assert [(line.account, line.analytic, line.units) for line in lines] == [(1, 7, 1001), (2, None, 550)]
        assert credit == 1551
        assert to_units(D("-0.005")) == -1

    def test_the_reconciliation_table_adds_up(self):
        rows = [
            ReconciliationRow("AWS", D(1000), D(1100), D(1050), D(1050), D(0), "explained"),
            ReconciliationRow("Azure", D(0), D(200), D(200), D(0), D(150), "missing", open=D(50)),
        ]
        assert rows[1].posting_gap == 200
        text = format_table(rows, "EUR")
        assert "Total" in text and "1,300.00" in text and "explained" in text and "EUR" in text
        total = text.splitlines()[-2]
        assert total.split() == ["Total", "1,000.00", "1,300.00", "1,250.00", "1,050.00", "150.00", "50.00"]

    def test_the_bridge_from_billed_to_effective_cost_adds_up_to_the_cent(self):
        from ..core.commitments import bridge, prepaid_schedule

        result = bridge(
            billed=D("2433.379"),
            effective=D("2781.004"),
            purchases=D("1785.60"),
            amortized=D("2000.004"),
            unused=D("133.20"),
        )
        assert result.release == D("2133.20")
        assert sum(amount for _label, amount in result.rows()[:-1]) == result.effective == D("2781.00")
        assert result.other == D("2781.00") - (D("2433.38") - D("1785.60") + D("2133.20"))
        schedule = prepaid_schedule([("10", D(1200), D(100)), ("11", D(0), D("100.01")), ("12", D(0), D("99.99"))])
        assert [row[3] for row in schedule] == [D(1100), D("999.99"), D(900)]
