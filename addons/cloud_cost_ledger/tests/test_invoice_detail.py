import csv
import gzip
import io
import tempfile
from decimal import Decimal

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore
from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused
from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.invoice_detail import invoice_totals, is_invoice_detail, read_invoice_detail, sniff_columns
from ..core.matching import BillFigures, match, match_provider_invoice
from .common import BILLING_ACCOUNT, INVOICE, LedgerCase

COLUMNS = (
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "InvoiceDetailCreated",
    "InvoiceDetailDescription",
    "InvoiceDetailGrain",
    "InvoiceDetailId",
    "InvoiceDetailLastUpdated",
    "InvoiceId",
    "InvoiceIssueDate",
    "InvoiceIssueStatus",
    "InvoiceIssuerName",
    "PaymentCurrency",
    "PaymentDueDate",
    "PaymentTerms",
    "ReferenceInvoiceId",
)


def invoice_detail(lines, currency="USD", compress=True, columns=COLUMNS):
    """An Invoice Detail file (FOCUS 1.4): lines of (invoice, detail id, category, amount, status, updated)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for invoice, detail, category, amount, status, updated in lines:
        writer.writerow(
            {
                "BilledCost": amount,
                "BillingAccountId": BILLING_ACCOUNT,
                "BillingCurrency": currency,
                "BillingPeriodStart": "2026-10-01T00:00:00Z",
                "BillingPeriodEnd": "2026-11-01T00:00:00Z",
                "ChargeCategory": category,
                "InvoiceDetailCreated": "2026-11-02T08:00:00Z",
                "InvoiceDetailDescription": f"{category} October 2026",
                "InvoiceDetailGrain": "",
                "InvoiceDetailId": detail,
                "InvoiceDetailLastUpdated": updated,
                "InvoiceId": invoice,
                "InvoiceIssueDate": "2026-11-02",
                "InvoiceIssueStatus": status,
                "InvoiceIssuerName": "Amazon Web Services EMEA SARL",
                "PaymentCurrency": currency,
                "PaymentDueDate": "2026-12-02",
                "PaymentTerms": "Net 30",
                "ReferenceInvoiceId": invoice,
            }
        )
    data = buffer.getvalue().encode()
    return gzip.compress(data) if compress else data


# the provider's October invoice: usage 1,075.00, a credit of 40.00 (of the 50.00 the bill rows hold: 10.00
# come on a later invoice), VAT 204.25; the usage line delivered first at 1,085.00, then corrected
OCTOBER = [
    (INVOICE, "D1", "Usage", "1085.00", "Issued", "2026-11-02T08:00:00Z"),
    (INVOICE, "D1", "Usage", "1075.00", "Issued", "2026-11-03T08:00:00Z"),
    (INVOICE, "D2", "Credit", "-40.00", "Issued", "2026-11-02T08:00:00Z"),
    (INVOICE, "D3", "Tax", "204.25", "Issued", "2026-11-02T08:00:00Z"),
    ("EUINV26-OLD", "D9", "Usage", "500.00", "Voided", "2026-11-02T08:00:00Z"),
]


@tagged("post_install", "-at_install")
class TestInvoiceDetailCore(PlainCase):
    def test_an_invoice_detail_file_is_told_from_cost_rows_and_read_as_last_delivered(self):
        self.assertTrue(is_invoice_detail(COLUMNS))
        self.assertFalse(is_invoice_detail(("BilledCost", "ChargePeriodStart", "InvoiceId")))
        lines = read_invoice_detail(io.BytesIO(invoice_detail(OCTOBER)))
        self.assertEqual(len(lines), 4)
        # Voided invoices count for nothing; the usage line as corrected
        self.assertEqual(
            invoice_totals(lines), {"Usage": Decimal("1075.00"), "Credit": Decimal("-40.00"), "Tax": Decimal("204.25")}
        )

    def test_looking_at_a_file_s_columns_leaves_the_file_as_it_was(self):
        # a download spooled to a temporary file opened for writing too, as the stores keep them
        data = gzip.compress(b"BilledCost,ChargePeriodStart,InvoiceId\n1.00,2026-10-01,INV-1\n")
        with tempfile.SpooledTemporaryFile(mode="w+b") as stream:
            stream.write(data)
            stream.seek(5)
            self.assertEqual(sniff_columns(stream), ["BilledCost", "ChargePeriodStart", "InvoiceId"])
            self.assertEqual((stream.tell(), stream.read()), (0, data))

    def test_the_provider_s_invoice_turns_a_guess_into_facts(self):
        rows = BillFigures(billed=Decimal("1229.25"), tax=Decimal("204.25"), credit=Decimal("-50.00"))
        provider = {"Usage": Decimal("1075.00"), "Credit": Decimal("-40.00"), "Tax": Decimal("204.25")}
        # without the provider's invoice no set of the rows' components explains 194.25
        self.assertEqual(match(Decimal("1035.00"), rows).state, "unexplained")
        result = match_provider_invoice(Decimal("1035.00"), rows, provider)
        self.assertEqual(
            (result.state, result.causes, result.unexplained),
            ("explained", {"tax": Decimal("204.25"), "credit": Decimal("-10.00")}, Decimal(0)),
        )
        # a vendor bill booked other than the provider invoiced is a booking difference
        booked = match_provider_invoice(Decimal("1030.00"), rows, provider)
        self.assertEqual((booked.state, booked.unexplained), ("unexplained", Decimal("5.00")))
        self.assertEqual(match_provider_invoice(None, rows, provider).state, "missing")


@tagged("post_install", "-at_install")
class TestInvoiceDetailMatch(LedgerCase):
    """The October bill rows (1,075.00 usage with the invoice id) gain VAT 204.25 and a credit of 50.00; the
    export delivers the provider's Invoice Detail beside them."""

    def setUp(self):
        super().setUp()
        self.add_rows(self.batch, [("Tax", 204.25, None), ("Credit", -50.00, None)])
        self.currency = self.company.currency_id.name
        self.result = self.source._import_store(
            MemoryStore({"invoice-detail-2026-10.csv.gz": invoice_detail(OCTOBER, currency=self.currency)})
        )
        self.Detail = self.env["cloud.cost.invoice.detail"]

    def test_the_export_s_invoice_detail_is_read_and_delivered_again_replaces(self):
        details = self.Detail.search([("source_id", "=", self.source.id)])
        self.assertEqual(sorted(details.mapped("charge_category")), ["Credit", "Tax", "Usage", "Usage"])
        self.assertEqual(
            details.filtered(lambda d: d.invoice_id == INVOICE and d.charge_category == "Usage").billed_cost, 1075.0
        )
        self.assertTrue(any("Invoice Detail" in note for note in self.result.notes), self.result.notes)
        self.assertFalse(any("empty export" in note for note in self.result.notes))
        self.assertFalse(self.batch.line_ids.filtered(lambda line: line.source_file.startswith("invoice-detail")))
        self.source._import_store(
            MemoryStore(
                {"invoice-detail-2026-10-again.csv": invoice_detail(OCTOBER, currency=self.currency, compress=False)}
            )
        )
        self.assertEqual(self.Detail.search_count([("source_id", "=", self.source.id)]), 4)
        with self.assertRaisesRegex(ImportRefused, "BilledCost"):
            self.source._import_store(
                MemoryStore(
                    {"bad-detail.csv": invoice_detail(OCTOBER, columns=tuple(c for c in COLUMNS if c != "BilledCost"))}
                )
            )

    def test_the_match_takes_its_differences_from_the_provider_s_invoice(self):
        self.vendor_bill(1035.00)
        match = self.match_month()
        self.assertEqual(
            (match.state, match.provider_invoiced_amount, match.provider_tax_amount), ("explained", 1035.0, 204.25)
        )
        self.assertEqual((match.tax_amount, match.credit_amount, match.unexplained_amount), (204.25, -10.0, 0.0))
        self.assertEqual(len(match.invoice_detail_ids), 3)

    def test_a_vendor_bill_booked_other_than_the_provider_invoiced_is_unexplained(self):
        self.vendor_bill(1030.00)
        match = self.match_month()
        self.assertEqual(
            (match.state, match.provider_invoiced_amount, match.unexplained_amount), ("unexplained", 1035.0, 5.0)
        )

    def test_invoice_detail_lines_are_the_import_s_only_and_stay_in_their_company(self):
        detail = self.Detail.search([("source_id", "=", self.source.id)], limit=1)
        for user in (self.accountant, self.controller):
            with self.assertRaisesRegex(AccessError, "suite"):
                detail.with_user(user).write({"billed_cost": 0.0})
            with self.assertRaisesRegex(AccessError, "suite"):
                detail.with_user(user).unlink()
        with self.assertRaisesRegex(AccessError, "suite"):
            self.Detail.create({"company_id": self.company.id, "source_id": self.source.id, "billed_cost": 1.0})
        self.assertEqual(detail.with_user(self.auditor).read(["billed_cost"])[0]["id"], detail.id)
        with self.assertRaises(AccessError):
            detail.with_user(self.other_user).read(["billed_cost"])
