"""Bill parsers on small real-shaped files: every format, the quirks of real exports, and clear refusals."""

import csv
import gzip
import io
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from odoo.tests import tagged

from ..core.bill_formats import (
    LINE_COLUMNS,
    BillFormatError,
    detect_format,
    parse_manifest,
    read_bill,
    summarize,
)
from .plain import PlainCase, parametrize

FOCUS_HEADER = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "BillingAccountId",
    "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ProviderName", "ServiceName", "ServiceCategory", "SubAccountId",
    "RegionId", "ResourceId", "SkuId", "PricingQuantity", "PricingUnit", "CommitmentDiscountId", "Tags",
    "x_UsageType",
]  # fmt: skip


def focus_row(**values):
    row = {
        "BilledCost": "1.0000000000",
        "EffectiveCost": "1.0000000000",
        "ListCost": "1.2",
        "ContractedCost": "1.1",
        "BillingCurrency": "EUR",
        "BillingAccountId": "999999999999",
        "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "BillingPeriodEnd": "2026-11-01T00:00:00Z",
        "ChargePeriodStart": "2026-10-05T00:00:00Z",
        "ChargePeriodEnd": "2026-10-05T01:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeDescription": "db.r6g.large running hours",
        "ProviderName": "AWS",
        "ServiceName": "Amazon Relational Database Service",
        "ServiceCategory": "Databases",
        "SubAccountId": "111111111111",
        "RegionId": "eu-west-1",
        "ResourceId": "arn:aws:rds:eu-west-1:111111111111:db:odoo",
        "SkuId": "ABC123",
        "PricingQuantity": "1",
        "PricingUnit": "Hours",
        "CommitmentDiscountId": "",
        "Tags": '{"team": "retail", "env": "prod"}',
        "x_UsageType": "EU-InstanceUsage:db.r6g.large",
    }
    row.update(values)
    return row


def to_csv(rows, header=None, bom=False, encoding="utf-8"):
    header = FOCUS_HEADER if header is None else header
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def parse(data, name="bill.csv", **kwargs):
    chunks = list(read_bill(io.BytesIO(data), file_name=name, **kwargs))
    return chunks


def one_frame(data, name="bill.csv", **kwargs):
    import pandas as pd

    return pd.concat(parse(data, name, **kwargs), ignore_index=True)


# ----------------------------------------------------------------------------- FOCUS


FOCUS_1_4_HEADER = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId", "CapacityReservationStatus",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit",
    "CommitmentProgramEligibilityDetails", "ConsumedQuantity", "ConsumedUnit", "ContractApplied", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "HostProviderName", "InvoiceDetailId", "InvoiceId", "InvoiceIssuerName",
    "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
    "ServiceProviderName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
    "SubAccountId", "SubAccountName", "SubAccountType", "Tags", "x_UsageType",
]  # fmt: skip


CONTRACT_APPLIED = (
    '{"Elements":[{"ContractId":"c-2026","ContractCommitmentId":"cc-1","ContractCommitmentAppliedCost":12.3456789012}]}'
)


ELIGIBILITY = '{"Elements":[{"CommitmentProgramCategory":"Spend","CommitmentProgramType":"Savings Plan"}]}'


def focus_1_4_row(**values):
    """A FOCUS 1.4 row: the provider as ServiceProviderName and HostProviderName, no ProviderName/PublisherName."""
    row = dict(
        focus_row(),
        ServiceProviderName="AWS",
        HostProviderName="AWS",
        InvoiceIssuerName="AWS EMEA SARL",
        InvoiceId="EUINDE26-123",
        InvoiceDetailId="EUINDE26-123-0042",
        ContractApplied=CONTRACT_APPLIED,
        CommitmentProgramEligibilityDetails=ELIGIBILITY,
        ServiceSubcategory="Relational Databases",
        BillingAccountType="Billing Account",
        SubAccountType="Account",
        ChargeFrequency="Usage-Based",
    )
    del row["ProviderName"]
    row.update(values)
    return row


CUR2_HEADER = [
    "bill_billing_period_start_date", "bill_billing_period_end_date", "bill_payer_account_id", "bill_invoice_id",
    "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_product_code", "line_item_usage_type", "line_item_resource_id",
    "line_item_usage_amount", "line_item_currency_code", "line_item_unblended_cost",
    "line_item_line_item_description", "product_product_name", "product_region_code", "pricing_unit",
    "pricing_public_on_demand_cost", "savings_plan_savings_plan_effective_cost", "savings_plan_savings_plan_a_r_n",
    "savings_plan_total_commitment_to_date", "savings_plan_used_commitment", "reservation_effective_cost",
    "reservation_reservation_a_r_n", "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee", "resource_tags",
]  # fmt: skip


def cur2_row(kind, unblended, **values):
    row = {
        "bill_billing_period_start_date": "2026-10-01T00:00:00.000Z",
        "bill_billing_period_end_date": "2026-11-01T00:00:00.000Z",
        "bill_payer_account_id": "999999999999",
        "bill_invoice_id": "EUINDE26-123",
        "line_item_usage_account_id": "111111111111",
        "line_item_line_item_type": kind,
        "line_item_usage_start_date": "2026-10-03T00:00:00.000Z",
        "line_item_usage_end_date": "2026-10-03T01:00:00.000Z",
        "line_item_product_code": "AmazonEC2",
        "line_item_usage_amount": "1",
        "line_item_currency_code": "USD",
        "line_item_unblended_cost": unblended,
        "product_product_name": "Amazon Elastic Compute Cloud",
        "product_region_code": "eu-central-1",
        "pricing_unit": "Hrs",
        "resource_tags": '{"user_team": "retail"}',
    }
    row.update(values)
    return row


AZURE_HEADER = [
    "BillingAccountId", "BillingPeriodStartDate", "BillingPeriodEndDate", "Date", "SubscriptionId",
    "SubscriptionName", "MeterCategory", "MeterName", "ResourceLocation", "ResourceId", "ConsumedService",
    "Quantity", "UnitOfMeasure", "CostInBillingCurrency", "BillingCurrency", "ChargeType", "PricingModel",
    "BenefitId", "Tags", "CostAllocationRuleName", "PayGPrice",
]  # fmt: skip


def azure_row(**values):
    row = {
        "BillingAccountId": "EA-1",
        "BillingPeriodStartDate": "10/01/2026",
        "BillingPeriodEndDate": "10/31/2026",
        "Date": "10/07/2026",
        "SubscriptionId": "8f3c2d1e",
        "SubscriptionName": "tenant-regulated",
        "MeterCategory": "Virtual Machines",
        "MeterName": "D8s v5",
        "ResourceLocation": "westeurope",
        "ResourceId": "/subscriptions/8f3c2d1e/resourceGroups/rg/providers/vm1",
        "ConsumedService": "Microsoft.Compute",
        "Quantity": "24",
        "UnitOfMeasure": "1 Hour",
        "CostInBillingCurrency": "9.216",
        "BillingCurrency": "EUR",
        "ChargeType": "Usage",
        "PricingModel": "OnDemand",
        "BenefitId": "",
        "Tags": '"tenant": "regulated","env": "prod"',
        "CostAllocationRuleName": "",
        "PayGPrice": "0.384",
    }
    row.update(values)
    return row


def gcp_line(**values):
    record = {
        "billing_account_id": "01ABCD-234567-89EFGH",
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": "CP-COMPUTEENGINE-VMIMAGE-N2", "description": "N2 Instance Core running in Belgium"},
        "usage_start_time": "2026-10-04T10:00:00Z",
        "usage_end_time": "2026-10-04T11:00:00Z",
        "project": {"id": "odoo-prod", "name": "Odoo prod", "labels": [{"key": "team", "value": "services"}]},
        "labels": [{"key": "env", "value": "prod"}],
        "location": {"region": "europe-west1"},
        "cost": 0.0316,
        "currency": "EUR",
        "usage": {"amount": 3600, "unit": "seconds", "amount_in_pricing_units": 1, "pricing_unit": "hour"},
        "credits": [
            {"name": "Sustained usage discount", "amount": -0.00632, "type": "SUSTAINED_USAGE_DISCOUNT"},
            {"name": "Free tier", "amount": -0.001, "type": "FREE_TIER"},
        ],
        "invoice": {"month": "202610"},
        "cost_type": "regular",
    }
    record.update(values)
    return json.dumps(record)


@tagged("post_install", "-at_install")
class TestBillFormats(PlainCase):
    def test_focus_csv_normalized_with_exact_amounts_and_provenance(self):
        rows = [
            focus_row(BilledCost="0.0000001234567891", EffectiveCost="0.0000001234567891"),
            focus_row(BilledCost="12.3456789012", EffectiveCost="10.0000000001", ChargeCategory="usage"),
            focus_row(BilledCost="-3.5", EffectiveCost="-3.5", ChargeCategory="Credit", Tags="NULL"),
        ]
        frame = one_frame(to_csv(rows))
        assert list(frame.columns) == list(LINE_COLUMNS)
        assert list(frame["billed_cost"]) == ["0.0000001234567891", "12.3456789012", "-3.5"]
        assert list(frame["charge_category"]) == ["Usage", "Usage", "Credit"]
        assert list(frame["source_row"]) == [1, 2, 3] and set(frame["source_file"]) == {"bill.csv"}
        first = frame.iloc[0]
        assert first["charge_period_start"] == "2026-10-05 00:00:00"
        assert (first["billing_period_start"], first["billing_period_end"]) == ("2026-10-01", "2026-11-01")
        assert json.loads(first["tags"]) == {"team": "retail", "env": "prod"}
        assert frame.iloc[2]["tags"] is None  # the literal NULL of real exports
        assert first["charge_class"] is None
        assert json.loads(first["provider_extra"]) == {"x_UsageType": "EU-InstanceUsage:db.r6g.large"}
        totals = summarize(parse(to_csv(rows)))["totals"]
        assert totals[("Usage", "EUR")]["billed_cost"] == Decimal("12.3456790246567891")
        assert totals[("Credit", "EUR")]["effective_cost"] == Decimal("-3.5")

    def test_focus_gzip_parquet_and_plain_csv_give_the_same_lines(self):
        rows = [focus_row(BilledCost=f"{i}.0123456789", EffectiveCost=f"{i}.5") for i in range(1, 6)]
        plain = one_frame(to_csv(rows))
        gzipped = one_frame(gzip.compress(to_csv(rows)), name="bill.csv.gz")
        table = pa.Table.from_pylist(rows)
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        parquet = one_frame(buffer.getvalue(), name="bill.parquet")
        for other in (gzipped, parquet):
            assert other.drop(columns="source_file").equals(plain.drop(columns="source_file"))

    def test_focus_chunks_keep_counting_rows(self):
        rows = [focus_row(BilledCost=str(i)) for i in range(7)]
        chunks = parse(to_csv(rows), chunk_rows=3)
        assert [len(c) for c in chunks] == [3, 3, 1]
        assert list(chunks[2]["source_row"]) == [7]

    def test_focus_quirks_bom_doubled_quotes_exponent_and_other_currencies(self):
        data = to_csv(
            [
                focus_row(BillingCurrency="JPY", BilledCost="1.5E-7", EffectiveCost="2e3", Tags='{"a": "b, c"}'),
                focus_row(BillingCurrency="CHF", ChargeDescription='Line with "quotes", commas\nand a newline'),
            ],
            bom=True,
        )
        assert b'"{""a"": ""b, c""}"' in data  # JSON tags inside CSV, quotes doubled
        frame = one_frame(data)
        assert list(frame["billed_cost"]) == ["0.00000015", "1.0000000000"]
        assert frame.iloc[0]["effective_cost"] == "2000"
        assert json.loads(frame.iloc[0]["tags"]) == {"a": "b, c"}
        assert list(frame["billing_currency"]) == ["JPY", "CHF"]
        assert frame.iloc[1]["charge_description"] == 'Line with "quotes", commas\nand a newline'

    def test_focus_1_3_provider_columns_and_unknown_columns_kept_as_extras(self):
        header = [h if h != "ProviderName" else "ServiceProviderName" for h in FOCUS_HEADER] + ["HostProviderName"]
        rows = [dict(focus_row(), ServiceProviderName="Snowflake", HostProviderName="AWS")]
        frame = one_frame(to_csv(rows, header=header))
        assert frame.iloc[0]["provider_name"] == "Snowflake"
        assert json.loads(frame.iloc[0]["provider_extra"])["HostProviderName"] == "AWS"

    def test_focus_1_4_reads_like_1_2_and_keeps_its_new_columns(self):
        rows = [
            focus_1_4_row(BilledCost="12.3456789012", EffectiveCost="10.0000000001"),
            focus_1_4_row(BilledCost="0.0000000001", EffectiveCost="0.0000000001", ContractApplied="",
                          CommitmentProgramEligibilityDetails="", InvoiceDetailId="EUINDE26-123-0043"),
            focus_1_4_row(BilledCost="30", EffectiveCost="30", ChargeCategory="Purchase",
                          ServiceProviderName="Snowflake",
                          ServiceName="Snowflake Data Cloud", ContractApplied=""),
            focus_1_4_row(BilledCost="-2.5", EffectiveCost="-2.5", ChargeCategory="Credit", ChargeClass="Correction"),
        ]  # fmt: skip
        data = to_csv(rows, header=FOCUS_1_4_HEADER)
        assert detect_format("focus-1.4.csv", data) == "focus"
        totals = summarize(parse(data, "focus-1.4.csv"))
        assert totals["rows"] == 4
        assert {key: (v["billed_cost"], v["effective_cost"]) for key, v in totals["totals"].items()} == {
            ("Usage", "EUR"): (Decimal("12.3456789013"), Decimal("10.0000000002")),
            ("Purchase", "EUR"): (Decimal("30"), Decimal("30")),
            ("Credit", "EUR"): (Decimal("-2.5"), Decimal("-2.5")),
        }
        frame = one_frame(data, "focus-1.4.csv")
        assert list(frame["provider_name"]) == ["AWS", "AWS", "Snowflake", "AWS"]
        assert frame.iloc[0]["invoice_number"] == "EUINDE26-123"
        assert frame.iloc[3]["charge_class"] == "Correction"
        extra = json.loads(frame.iloc[0]["provider_extra"])
        assert extra["InvoiceDetailId"] == "EUINDE26-123-0042"
        assert extra["HostProviderName"] == "AWS" and "ServiceProviderName" not in extra
        assert extra["ContractApplied"] == CONTRACT_APPLIED  # as it came, its amounts exact
        assert extra["CommitmentProgramEligibilityDetails"] == ELIGIBILITY
        assert extra["ServiceSubcategory"] == "Relational Databases"
        assert "ContractApplied" not in json.loads(frame.iloc[1]["provider_extra"])

        # the same charges as a FOCUS 1.2 file give the same cost lines, but for the columns 1.2 does not have
        header_1_2 = [*FOCUS_HEADER, "InvoiceId"]
        as_1_2 = [dict({k: v for k, v in row.items() if k in header_1_2}, ProviderName=row["ServiceProviderName"])
                  for row in rows]  # fmt: skip
        older = one_frame(to_csv(as_1_2, header=header_1_2), "focus-1.2.csv")
        assert older.drop(columns=["provider_extra", "source_file"]).equals(
            frame.drop(columns=["provider_extra", "source_file"])
        )

    def test_focus_header_names_in_another_letter_case_and_the_host_provider_as_last_resort(self):
        header = [h.lower() if h not in ("ProviderName",) else "HostProviderName" for h in FOCUS_HEADER]
        rows = [{(k.lower() if k != "ProviderName" else "HostProviderName"): v for k, v in focus_row().items()}]
        frame = one_frame(to_csv(rows, header=header))
        assert frame.iloc[0]["billed_cost"] == "1.0000000000" and frame.iloc[0]["provider_name"] == "AWS"
        assert json.loads(frame.iloc[0]["provider_extra"]) == {"x_usagetype": "EU-InstanceUsage:db.r6g.large"}

    @parametrize(
        ("change", "row", "column", "message"),
        [
            ({"BilledCost": "12,50"}, 2, "BilledCost", "not a number: '12,50'"),
            ({"EffectiveCost": ""}, 2, "EffectiveCost", "a value is required"),
            ({"ChargePeriodStart": "05/10/2026 25:00"}, 2, "ChargePeriodStart", "not a date"),
            ({"ChargeCategory": "Marketplace"}, 2, "ChargeCategory", "not a FOCUS charge category"),
            ({"Tags": "{team: retail"}, 2, "Tags", "not a JSON object of tags"),
            ({"PricingQuantity": "1.2.3"}, 2, "PricingQuantity", "not a number"),
        ],
    )
    def test_focus_bad_values_are_refused_naming_file_row_and_column(self, change, row, column, message):
        data = to_csv([focus_row(), focus_row(**change), focus_row()])
        with pytest.raises(BillFormatError) as caught:
            parse(data, name="october.csv")
        error = caught.value
        assert (error.file, error.row, error.column) == ("october.csv", row, column)
        assert message in str(error)
        assert str(error).startswith(f"october.csv, row {row}, column {column}: ")

    def test_missing_mandatory_column_wrong_encoding_truncated_gzip_and_short_rows_are_refused(self):
        header = [h for h in FOCUS_HEADER if h != "EffectiveCost"]
        with pytest.raises(BillFormatError, match=r"bill.csv, column EffectiveCost: mandatory column missing"):
            parse(to_csv([focus_row()], header=header))
        latin = to_csv([focus_row(), focus_row(ChargeDescription="Zürich égress")], encoding="latin-1")
        with pytest.raises(BillFormatError, match=r"bill.csv, row 2: not UTF-8 text"):
            parse(latin)
        complete = gzip.compress(to_csv([focus_row()] * 200))
        with pytest.raises(BillFormatError, match="gzip file is truncated or damaged"):
            parse(complete[: len(complete) // 2], name="bill.csv.gz")
        lines = to_csv([focus_row()] * 3).decode().split("\n")
        lines[2] = lines[2].rsplit(",", 1)[0]  # the second data row loses its last field
        with pytest.raises(BillFormatError, match=r"row 2: this row has 24 fields, the header 25"):
            parse("\n".join(lines).encode())
        with pytest.raises(BillFormatError, match="empty"):
            parse(b"")

    def test_aws_cur2_line_item_types_become_focus_categories_and_amortized_costs(self):
        sp = "arn:aws:savingsplans::999999999999:savingsplan/abc"
        ri = "arn:aws:ec2:eu-central-1:999999999999:reserved-instances/xyz"
        rows = [
            cur2_row("Usage", "0.384", pricing_public_on_demand_cost="0.384"),
            cur2_row("SavingsPlanCoveredUsage", "0.384", savings_plan_savings_plan_effective_cost="0.27",
                     savings_plan_savings_plan_a_r_n=sp),
            cur2_row("SavingsPlanNegation", "-0.384", savings_plan_savings_plan_a_r_n=sp),
            cur2_row("SavingsPlanRecurringFee", "1.00", savings_plan_total_commitment_to_date="1.00",
                     savings_plan_used_commitment="0.27", savings_plan_savings_plan_a_r_n=sp),
            cur2_row("DiscountedUsage", "0", reservation_effective_cost="0.21", reservation_reservation_a_r_n=ri),
            cur2_row("RIFee", "0.10", reservation_unused_amortized_upfront_fee_for_billing_period="0.02",
                     reservation_unused_recurring_fee="0.03", reservation_reservation_a_r_n=ri),
            cur2_row("Fee", "876.00", reservation_reservation_a_r_n=ri),
            cur2_row("Credit", "-5.00"),
            cur2_row("Refund", "-1.25"),
            cur2_row("Tax", "19.00", resource_tags=""),
        ]  # fmt: skip
        data = to_csv(rows, header=CUR2_HEADER)
        assert detect_format("x.csv", data) == "aws_cur2"
        frame = one_frame(data)
        assert list(frame["charge_category"]) == [
            "Usage", "Usage", "Usage", "Purchase", "Usage", "Purchase", "Purchase", "Credit", "Credit", "Tax",
        ]  # fmt: skip
        assert list(frame["billed_cost"]) == [r["line_item_unblended_cost"] for r in rows]
        assert list(frame["effective_cost"]) == [
            "0.384",
            "0.27",
            "0",
            "0.73",
            "0.21",
            "0.05",
            "0",
            "-5.00",
            "-1.25",
            "19.00",
        ]
        assert frame.iloc[8]["charge_class"] == "Correction"
        assert frame.iloc[1]["commitment_discount"] == sp and frame.iloc[1]["commitment_discount_status"] == "Used"
        assert json.loads(frame.iloc[0]["tags"]) == {"user_team": "retail"}
        assert (
            frame.iloc[0]["provider_name"] == "AWS" and frame.iloc[0]["service_name"] == "Amazon Elastic Compute Cloud"
        )
        assert json.loads(frame.iloc[0]["provider_extra"])["line_item_line_item_type"] == "Usage"

    def test_aws_legacy_cur_headers_and_resource_tag_columns(self):
        header = [
            "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId",
            "lineItem/LineItemType",
            "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/UnblendedCost", "lineItem/CurrencyCode",
            "product/ProductName", "resourceTags/user:team", "resourceTags/user:env",
        ]  # fmt: skip
        row = dict(
            zip(
                header,
                ["2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "111111111111", "Usage", "2026-10-02T00:00:00Z",
                 "2026-10-02T01:00:00Z", "0.1234567890123", "USD", "Amazon Simple Storage Service", "wholesale", ""],
                strict=True,
            )
        )  # fmt: skip
        data = to_csv([row], header=header)
        assert detect_format("x.csv", data) == "aws_cur_legacy"
        line = one_frame(data).iloc[0]
        assert (line["billed_cost"], line["effective_cost"]) == ("0.1234567890123", "0.1234567890123")
        assert json.loads(line["tags"]) == {"user:team": "wholesale"}
        assert line["sub_account"] == "111111111111"

    def test_aws_unknown_line_item_type_is_refused(self):
        with pytest.raises(BillFormatError, match=r"row 1, column line_item_line_item_type: unknown line item type"):
            parse(to_csv([cur2_row("Mystery", "1")], header=CUR2_HEADER))

    def test_azure_actual_cost_export(self):
        rows = [
            azure_row(),
            azure_row(ChargeType="Purchase", PricingModel="Reservation", CostInBillingCurrency="700", BenefitId="r1"),
            azure_row(CostAllocationRuleName="Share networking", CostInBillingCurrency="-2.5"),
        ]
        data = to_csv(rows, header=AZURE_HEADER)
        assert detect_format("export.csv", data) == "azure"
        frame = one_frame(data)
        assert list(frame["billed_cost"]) == ["9.216", "700", "-2.5"]
        assert list(frame["effective_cost"]) == ["9.216", "0", "-2.5"]  # the purchase is amortized elsewhere
        first = frame.iloc[0]
        assert (first["charge_period_start"], first["charge_period_end"]) == (
            "2026-10-07 00:00:00",
            "2026-10-08 00:00:00",
        )
        assert (first["billing_period_start"], first["billing_period_end"]) == ("2026-10-01", "2026-11-01")
        assert json.loads(first["tags"]) == {"tenant": "regulated", "env": "prod"}
        assert first["list_cost"] == "9.216"
        assert json.loads(frame.iloc[2]["provider_extra"])["CostAllocationRuleName"] == "Share networking"
        assert json.loads(first["provider_extra"])["x_CostType"] == "actual"

    def test_azure_amortized_cost_export(self):
        rows = [
            azure_row(PricingModel="Reservation", BenefitId="r1", CostInBillingCurrency="6.10"),
            azure_row(ChargeType="UnusedReservation", PricingModel="Reservation", BenefitId="r1",
                      CostInBillingCurrency="1.20"),
            azure_row(),
        ]  # fmt: skip
        frame = one_frame(to_csv(rows, header=AZURE_HEADER), name="amortized-2026-10.csv")
        assert list(frame["effective_cost"]) == ["6.10", "1.20", "9.216"]
        assert list(frame["billed_cost"]) == ["0", "0", "9.216"]
        assert list(frame["commitment_discount_status"]) == ["Used", "Unused", None]

    def test_gcp_json_lines_fold_credits_into_net_cost(self):
        lines = [gcp_line(), "", gcp_line(cost=1.5, credits=[], cost_type="tax", labels=[])]
        data = "\n".join(lines).encode()
        assert detect_format("billing.jsonl", data) == "gcp"
        frame = one_frame(data, name="billing.jsonl")
        first = frame.iloc[0]
        assert first["list_cost"] == "0.0316"
        assert first["billed_cost"] == first["effective_cost"] == "0.02428"  # 0.0316 - 0.00632 - 0.001
        assert json.loads(first["tags"]) == {"env": "prod", "team": "services"}
        assert json.loads(json.loads(first["provider_extra"])["credits"])[0]["type"] == "SUSTAINED_USAGE_DISCOUNT"
        assert (first["sub_account"], first["region"], first["billing_period_start"]) == (
            "odoo-prod",
            "europe-west1",
            "2026-10-01",
        )
        assert list(frame["source_row"]) == [1, 3]  # the line numbers of the file
        assert frame.iloc[1]["charge_category"] == "Tax"

    def test_gcp_bad_line_is_refused_with_its_line_number(self):
        data = "\n".join([gcp_line(), '{"cost": 1.0, "usage_start_time": ']).encode()
        with pytest.raises(BillFormatError, match=r"billing.jsonl, row 2: not a JSON object"):
            parse(data, name="billing.jsonl")

    def test_cur2_and_legacy_manifests(self):
        cur2 = parse_manifest(
            json.dumps(
                {
                    "exportArn": "arn:aws:bcm-data-exports:us-east-1:1:export/x",
                    "billingPeriod": {"start": "2026-10-01T00:00:00.000Z", "end": "2026-11-01T00:00:00.000Z"},
                    "dataFiles": ["s3://b/p/data/BILLING_PERIOD=2026-10/x-00001.csv.gz"],
                    "columns": [{"name": "line_item_unblended_cost", "type": "string"}],
                    "executionId": "e1",
                }
            ).encode(),
            file_name="x-Manifest.json",
        )
        assert (cur2.kind, cur2.billing_period, cur2.complete, cur2.assembly_id) == ("aws_cur2", "2026-10", True, "e1")
        legacy = parse_manifest(
            json.dumps(
                {
                    "assemblyId": "a1",
                    "reportKeys": ["p/20261001-20261101/a1/r-1.csv.gz"],
                    "billingPeriod": {"start": "20261001T000000.000Z"},
                }
            ).encode(),
            file_name="r-Manifest.json",
        )
        assert (legacy.kind, legacy.billing_period, legacy.data_files) == (
            "aws_cur_legacy",
            "2026-10",
            ["p/20261001-20261101/a1/r-1.csv.gz"],
        )
        empty = parse_manifest(b'{"reportKeys": [], "billingPeriod": {"start": "20261101T000000.000Z"}}', file_name="m")
        assert not empty.complete
        with pytest.raises(BillFormatError, match="m.json: not a JSON manifest"):
            parse_manifest(b"{oops", file_name="m.json")
        with pytest.raises(BillFormatError, match="neither dataFiles nor reportKeys"):
            parse_manifest(b"{}", file_name="m.json")
