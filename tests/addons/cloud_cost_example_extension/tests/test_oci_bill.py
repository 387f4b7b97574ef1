"""A bill format added by an addon of its own: an Oracle Cloud cost report, told by its header among the
database's formats and imported like any bill, to exact totals."""

import csv
import gzip
import io
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost.core import bill_formats
from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused
from odoo.addons.cloud_cost.tests.common_import import ImportCase

# the columns of an OCI cost report (reports/cost-csv), with two tag columns
HEADER = [
    "lineItem/referenceNo",
    "lineItem/tenantId",
    "lineItem/intervalUsageStart",
    "lineItem/intervalUsageEnd",
    "product/service",
    "product/resource",
    "product/compartmentId",
    "product/compartmentName",
    "product/region",
    "product/availabilityDomain",
    "product/resourceId",
    "usage/billedQuantity",
    "usage/billedQuantityOverage",
    "cost/subscriptionId",
    "cost/productSku",
    "product/Description",
    "cost/unitPrice",
    "cost/unitPriceOverage",
    "cost/myCost",
    "cost/myCostOverage",
    "cost/currencyCode",
    "cost/billingUnitReadable",
    "cost/skuUnitDescription",
    "cost/overageFlag",
    "lineItem/isCorrection",
    "lineItem/backreferenceNo",
    "tags/Oracle-Tags.CreatedBy",
    "tags/Finance.CostCenter",
]
TENANCY = "ocid1.tenancy.oc1..aaaaaaaa3kbhd6zd"
WEB = "ocid1.compartment.oc1..aaaaaaaaweb"


def oci_row(**values):
    row = {
        "lineItem/referenceNo": "CBE4LtbyzSYQj8eSv9qHPw",
        "lineItem/tenantId": TENANCY,
        "lineItem/intervalUsageStart": "2026-10-01T00:00Z",
        "lineItem/intervalUsageEnd": "2026-10-01T01:00Z",
        "product/service": "COMPUTE",
        "product/resource": "PIC_COMPUTE_STANDARD_E4_FLEX",
        "product/compartmentId": WEB,
        "product/compartmentName": "web",
        "product/region": "eu-frankfurt-1",
        "product/availabilityDomain": "EU-FRANKFURT-1-AD-1",
        "product/resourceId": "ocid1.instance.oc1.eu-frankfurt-1.antheljt",
        "usage/billedQuantity": "2",
        "usage/billedQuantityOverage": "",
        "cost/subscriptionId": "7316093",
        "cost/productSku": "B93113",
        "product/Description": "Compute - Standard - E4 - OCPU",
        "cost/unitPrice": "0.025",
        "cost/unitPriceOverage": "",
        "cost/myCost": "0.05",
        "cost/myCostOverage": "",
        "cost/currencyCode": "EUR",
        "cost/billingUnitReadable": "",
        "cost/skuUnitDescription": "OCPU Per Hour",
        "cost/overageFlag": "",
        "lineItem/isCorrection": "false",
        "lineItem/backreferenceNo": "",
        "tags/Oracle-Tags.CreatedBy": "oracleidentitycloudservice/alice",
        "tags/Finance.CostCenter": "CC-100",
    }
    row.update(values)
    return row


def oci_report(rows, gzipped=True):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = out.getvalue().encode()
    return gzip.compress(data, mtime=0) if gzipped else data


ROWS = [
    oci_row(),
    oci_row(
        **{
            "lineItem/referenceNo": "Q2VvZ3JhcGh5",
            "product/service": "OBJECTSTORE",
            "product/resource": "PIC_OBJECT_STORAGE_TB",
            "product/resourceId": "ocid1.bucket.oc1.eu-frankfurt-1.logs",
            "usage/billedQuantity": "0.000123456",
            "cost/productSku": "B91628",
            "cost/unitPrice": "0.0255",
            "cost/myCost": "0.0000031481280",
            "cost/skuUnitDescription": "Gigabyte Storage Capacity Per Month",
            "tags/Finance.CostCenter": "",
        }
    ),
    oci_row(
        **{
            "lineItem/referenceNo": "bG9hZGJhbGFuY2Vy",
            "lineItem/isCorrection": "true",
            "lineItem/backreferenceNo": "CBE4LtbyzSYQj8eSv9qHPw",
            "cost/myCost": "-0.01",
            "usage/billedQuantity": "-0.4",
        }
    ),
    oci_row(
        **{
            "lineItem/referenceNo": "c2VwdGVtYmVy",
            "lineItem/intervalUsageStart": "2026-09-30T23:00Z",
            "lineItem/intervalUsageEnd": "2026-10-01T00:00Z",
            "cost/myCost": "1.2345678901",
        }
    ),
]


@tagged("post_install", "-at_install")
class TestOciBill(ImportCase):
    def setUp(self):
        super().setUp()
        self.source.bill_format = "auto"

    def lines(self, batch, *names):
        return self.sql(
            f"SELECT {', '.join(names)} FROM cloud_cost_line WHERE batch_id = %s ORDER BY source_row", batch.id
        )

    def test_an_oci_cost_report_is_detected_and_imported_to_its_exact_totals(self):
        self.write("reports/cost-csv/0001000001437292.csv.gz", oci_report(ROWS))
        result = self.source._run_import()

        september, october = sorted(result.batches, key=lambda batch: batch.billing_period_start)
        self.assertEqual(
            (str(september.billing_period_start), str(september.billing_period_end), september.row_count),
            ("2026-09-01", "2026-09-30", 1),
        )
        self.assertEqual(
            (str(october.billing_period_start), str(october.billing_period_end), october.row_count),
            ("2026-10-01", "2026-10-31", 3),
        )
        self.assertEqual(
            self.totals(september), {("Usage", "EUR"): (1, Decimal("1.2345678901"), Decimal("1.2345678901"))}
        )
        # 0.05 + 0.000003148128 - 0.01, to the last decimal the report gives
        self.assertEqual(
            self.totals(october), {("Usage", "EUR"): (3, Decimal("0.040003148128"), Decimal("0.040003148128"))}
        )
        self.assertEqual(
            self.lines(
                october,
                "source_row",
                "provider_name",
                "service_name",
                "sub_account",
                "sub_account_name",
                "region",
                "billing_account",
                "charge_class",
                "tags::text",
            ),
            [
                (
                    1,
                    "Oracle",
                    "COMPUTE",
                    WEB,
                    "web",
                    "eu-frankfurt-1",
                    "7316093",
                    None,
                    '{"Finance.CostCenter": "CC-100", "Oracle-Tags.CreatedBy": "oracleidentitycloudservice/alice"}',
                ),
                (
                    2,
                    "Oracle",
                    "OBJECTSTORE",
                    WEB,
                    "web",
                    "eu-frankfurt-1",
                    "7316093",
                    None,
                    '{"Oracle-Tags.CreatedBy": "oracleidentitycloudservice/alice"}',
                ),
                (
                    3,
                    "Oracle",
                    "COMPUTE",
                    WEB,
                    "web",
                    "eu-frankfurt-1",
                    "7316093",
                    "Correction",
                    '{"Finance.CostCenter": "CC-100", "Oracle-Tags.CreatedBy": "oracleidentitycloudservice/alice"}',
                ),
            ],
        )
        extra = self.lines(october, "provider_extra")[2][0]
        self.assertEqual(
            (extra["lineItem/backreferenceNo"], extra["lineItem/tenantId"]), ("CBE4LtbyzSYQj8eSv9qHPw", TENANCY)
        )

    def test_a_bad_row_is_refused_naming_file_row_and_column_and_nothing_is_written(self):
        rows = [oci_row(), oci_row(), oci_row(**{"cost/myCost": "0,05"})]
        self.write("0001000001437293.csv", oci_report(rows, gzipped=False))
        with self.assertRaises(ImportRefused) as refusal:
            self.source._run_import()
        self.assertEqual(
            refusal.exception.args[0], "0001000001437293.csv, row 3, column cost/myCost: not a number: '0,05'"
        )
        self.assertEqual(self.line_count(), 0)
        self.assertFalse(self.source.batch_ids)

    def test_the_format_is_the_databases_own_choice_not_the_base_addons(self):
        labels = dict(self.source._fields["bill_format"]._description_selection(self.env))
        self.assertEqual(labels["oci"], "Oracle Cloud (OCI) cost report")
        self.assertIn("oci", self.source._bill_format_keys())
        data = oci_report(ROWS[:1], gzipped=False)
        # the base addon's parser alone does not know the format; the database that installed it does
        with self.assertRaises(bill_formats.NotABill):
            bill_formats.sniff("0001.csv", data)
        self.assertEqual(self.source._sniff_bill("0001.csv", data), "oci")
        # chosen on the source, it is read as such
        self.source.bill_format = "oci"
        self.write("0001000001437294.csv", data)
        (batch,) = self.source._run_import().batches
        self.assertEqual(self.totals(batch), {("Usage", "EUR"): (1, Decimal("0.05"), Decimal("0.05"))})
