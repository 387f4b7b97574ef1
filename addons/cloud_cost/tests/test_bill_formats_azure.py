"""Azure usage and cost files in every layout that carries cost, each read to the exact totals it holds.

The headers are those of the real exports: the legacy pay-as-you-go (MOSP) usage details, the first
EA exports of Cost Management, the EA usage details of the Consumption API, MCA in camelCase, files
whose header names changed letter case, and portal downloads with localized headers.
"""

import csv
import io
import json
from decimal import Decimal

import pandas as pd
import pytest

from odoo.tests import tagged

from ..core.bill_formats import BillFormatError, detect_format, read_bill, summarize
from .plain import PlainCase, parametrize

PAYG_HEADER = [
    "SubscriptionGuid", "ResourceGroup", "ResourceLocation", "UsageDateTime", "MeterCategory", "MeterSubcategory",
    "MeterId", "MeterName", "MeterRegion", "UsageQuantity", "ResourceRate", "PreTaxCost", "ConsumedService",
    "ResourceType", "InstanceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
    "ServiceName", "ServiceTier", "Currency", "UnitOfMeasure",
]  # fmt: skip
EA_EXPORT_HEADER = [
    "InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionGuid", "SubscriptionName", "ResourceGroup",
    "ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubcategory", "MeterId", "MeterName",
    "MeterRegion", "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "CostCenter",
    "ConsumedService", "ResourceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
    "ResourceName", "ReservationId", "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term",
    "PublisherType", "PublisherName", "ChargeType", "Frequency", "PricingModel", "AvailabilityZone",
    "BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
    "BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId", "IsAzureCreditEligible",
    "PartNumber", "PayGPrice", "PlanName", "ServiceFamily",
]  # fmt: skip
EA_USAGE_DETAILS_HEADER = [
    "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate", "BillingProfileId",
    "BillingProfileName", "AccountOwnerId", "AccountName", "SubscriptionId", "SubscriptionName", "Date", "Product",
    "PartNumber", "MeterId", "ServiceFamily", "MeterCategory", "MeterSubCategory", "MeterRegion", "MeterName",
    "Quantity", "EffectivePrice", "Cost", "UnitPrice", "BillingCurrency", "ResourceLocation", "AvailabilityZone",
    "ConsumedService", "ResourceId", "ResourceName", "ServiceInfo1", "ServiceInfo2", "AdditionalInfo", "Tags",
    "InvoiceSectionId", "InvoiceSection", "CostCenter", "UnitOfMeasure", "ResourceGroup", "ReservationId",
    "ReservationName", "ProductOrderId", "ProductOrderName", "OfferId", "IsAzureCreditEligible", "Term",
    "PublisherName", "PublisherType", "PlanName", "ChargeType", "Frequency", "PricingModel", "BenefitId",
    "BenefitName",
]  # fmt: skip
MCA_HEADER = [
    "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId",
    "billingProfileName", "invoiceSectionId", "invoiceSectionName", "resellerName", "resellerMpnId", "costCenter",
    "billingPeriodEndDate", "billingPeriodStartDate", "servicePeriodEndDate", "servicePeriodStartDate", "date",
    "serviceFamily", "productOrderId", "productOrderName", "consumedService", "meterId", "meterName", "meterCategory",
    "meterSubCategory", "meterRegion", "ProductId", "product", "subscriptionId", "subscriptionName", "publisherType",
    "publisherId", "publisherName", "resourceGroupName", "InstanceName", "resourceLocation", "Location",
    "effectivePrice", "quantity", "unitOfMeasure", "chargeType", "billingCurrency", "pricingCurrency",
    "costInBillingCurrency", "costInPricingCurrency", "costInUsd", "paygCostInBillingCurrency", "paygCostInUsd",
    "exchangeRatePricingToBilling", "exchangeRateDate", "isAzureCreditEligible", "serviceInfo1", "serviceInfo2",
    "additionalInfo", "tags", "payGPrice", "frequency", "term", "reservationId", "reservationName", "unitPrice",
]  # fmt: skip
# the portal's German download: each header names its English column in brackets
GERMAN_HEADER = {
    "SubscriptionId": "Abonnement-ID (SubscriptionId)",
    "SubscriptionName": "Abonnementname (SubscriptionName)",
    "Date": "Datum (Date)",
    "MeterCategory": "Kategorie der Verbrauchseinheit (MeterCategory)",
    "MeterSubCategory": "Unterkategorie der Verbrauchseinheit (MeterSubCategory)",
    "MeterName": "Name der Verbrauchseinheit (MeterName)",
    "Quantity": "Menge (Quantity)",
    "CostInBillingCurrency": "Kosten in Abrechnungswährung (CostInBillingCurrency)",
    "BillingCurrency": "Abrechnungswährung (BillingCurrency)",
    "ResourceId": "Ressourcen-ID (ResourceId)",
    "ResourceLocation": "Ressourcenstandort (ResourceLocation)",
    "ChargeType": "Gebührentyp (ChargeType)",
    "Tags": "Tags (Tags)",
}
VM = (
    "/subscriptions/8f3c2d1e-0000-4000-8000-000000000001/resourceGroups/rg-web/providers/Microsoft.Compute/"
    "virtualMachines/vm-web-1"
)


def to_csv(rows, header, *, bom=False, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n", extrasaction="ignore", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def frame(data, name):
    return pd.concat(list(read_bill(io.BytesIO(data), file_name=name)), ignore_index=True)


def totals(data, name):
    found = summarize(read_bill(io.BytesIO(data), file_name=name))
    return found["rows"], {key: (v["billed_cost"], v["effective_cost"]) for key, v in found["totals"].items()}


def refusal(data, name):
    with pytest.raises(BillFormatError) as caught:
        list(read_bill(io.BytesIO(data), file_name=name))
    error = caught.value
    return error.file, error.row, error.column, error.message


# ----------------------------------------------------------------------------- pay-as-you-go (MOSP), legacy


def payg_row(**values):
    row = {
        "SubscriptionGuid": "2639de71-ca37-4a17-a104-17665a50e7fc", "ResourceGroup": "COSTMGMT",
        "ResourceLocation": "US East 2", "UsageDateTime": "2026-10-07T00:00:00.0000000Z",
        "MeterCategory": "Virtual Machines", "MeterSubcategory": "Dv3/DSv3 Series",
        "MeterId": "f48cba03-db89-4cec-9536-67f7f4e5515f", "MeterName": "D4 v3/D4s v3", "MeterRegion": "US East 2",
        "UsageQuantity": "24", "ResourceRate": "0.192", "PreTaxCost": "4.608", "ConsumedService": "Microsoft.Compute",
        "ResourceType": "Microsoft.Compute/virtualMachines", "InstanceId": VM, "Tags": '{"project":"p1"}',
        "AdditionalInfo": '{  "UsageType": "ComputeHR",  "VCPUs": 4}', "ServiceName": "Virtual Machines",
        "ServiceTier": "Dv3/DSv3 Series", "Currency": "USD", "UnitOfMeasure": "1 Hour",
    }  # fmt: skip
    row.update(values)
    return row


def ea_export_row(**values):
    row = {
        "InvoiceSectionName": "My Services", "AccountName": "account-ocp", "AccountOwnerId": "owner@example.com",
        "SubscriptionGuid": "7269128e-efae-4646-a2d7-8b3fec4751fb", "SubscriptionName": "Openshift",
        "ResourceGroup": "ARO-PROD", "ResourceLocation": "usnorth", "Date": "2026-10-22",
        "ProductName": "Standard HDD Managed Disks - S4 - Disks - US North", "MeterCategory": "Storage",
        "MeterSubcategory": "Standard HDD Managed Disks", "MeterId": "289aa00b-0d22-4b37-8720-98c2d6cd9f69",
        "MeterName": "S4 Disks", "MeterRegion": "US North", "UnitOfMeasure": "1 /Month", "Quantity": "0.04004",
        "EffectivePrice": "1.5", "CostInBillingCurrency": "0.06006", "ConsumedService": "Microsoft.Compute",
        "ResourceId": "/subscriptions/7269128e/resourceGroups/ARO-PROD/providers/Microsoft.Compute/disks/d1",
        "Tags": '"env": "prod","team": "ocp"', "OfferId": "MS-AZR-0017P", "ResourceName": "d1",
        "UnitPrice": "1.5", "PublisherType": "Azure", "ChargeType": "Usage", "Frequency": "UsageBased",
        "BillingAccountId": "99999999", "BillingAccountName": "Example Enrollment", "BillingCurrencyCode": "EUR",
        "BillingPeriodStartDate": "2026-10-01", "BillingPeriodEndDate": "2026-10-31", "BillingProfileId": "99999999",
        "BillingProfileName": "Example Enrollment", "IsAzureCreditEligible": "TRUE", "PartNumber": "AAA-9999",
        "PayGPrice": "1.6", "ServiceFamily": "Compute",
    }  # fmt: skip
    row.update(values)
    return row


def ea_usage_row(**values):
    row = {
        "BillingAccountId": "12345678", "BillingAccountName": "Contoso Enrollment",
        "BillingPeriodStartDate": "10/01/2026", "BillingPeriodEndDate": "10/31/2026", "BillingProfileId": "12345678",
        "BillingProfileName": "Contoso", "AccountOwnerId": "owner@contoso.example", "AccountName": "Platform",
        "SubscriptionId": "8f3c2d1e-0000-4000-8000-000000000001", "SubscriptionName": "platform-prod",
        "Date": "10/07/2026", "Product": "Virtual Machines D Series - D2 - EU West", "PartNumber": "N7H-00015",
        "MeterId": "cd2d7ca5-2d4c-5f93-94d0-8cee0662c71c", "ServiceFamily": "Compute",
        "MeterCategory": "Virtual Machines", "MeterSubCategory": "D Series", "MeterRegion": "EU West",
        "MeterName": "D2", "Quantity": "24", "EffectivePrice": "0.1", "Cost": "2.4", "UnitPrice": "0.12",
        "BillingCurrency": "EUR", "ResourceLocation": "westeurope", "ConsumedService": "Microsoft.Compute",
        "ResourceId": VM, "ResourceName": "vm-web-1", "Tags": '{"costcenter": "4711"}', "InvoiceSection": "Platform",
        "CostCenter": "4711", "UnitOfMeasure": "1 Hour", "ResourceGroup": "rg-web", "OfferId": "MS-AZR-0017P",
        "IsAzureCreditEligible": "True", "PublisherType": "Azure", "ChargeType": "Usage", "Frequency": "UsageBased",
        "PricingModel": "OnDemand",
    }  # fmt: skip
    row.update(values)
    return row


def mca_row(**values):
    row = {
        "billingAccountId": "3c100a8a-215e-5a7e-24b2-61aa86945012", "billingAccountName": "Contoso",
        "billingProfileId": "NF5V-BI6B-BG7-PGB", "billingProfileName": "Contoso R&D, Berlin",
        "billingPeriodEndDate": "10/31/2026", "billingPeriodStartDate": "10/01/2026", "date": "10/01/2026",
        "serviceFamily": "Storage", "productOrderName": "Azure plan", "consumedService": "Microsoft.Storage",
        "meterId": "469a7d8f-36f1-4a99-a884-6eb97643be2c", "meterName": "Hot RA-GRS Data Stored",
        "meterCategory": "Storage", "meterSubCategory": "Blob Storage", "meterRegion": "US East",
        "ProductId": "DZH318Z0BNZJ005D", "product": "Blob Storage - Hot RA-GRS - US East",
        "subscriptionId": "2639de71-ca37-4a17-a104-17665a50e7fc", "subscriptionName": "Cost Management Dev/Test",
        "publisherType": "Microsoft", "publisherName": "Microsoft", "resourceGroupName": "filtered-group-demo",
        "InstanceName": "/subscriptions/2639de71/resourceGroups/filtered-group-demo/providers/Microsoft.Storage/"
                        "storageAccounts/demo",
        "resourceLocation": "eastus", "Location": "US East", "effectivePrice": "0.0589", "quantity": "0.000348",
        "unitOfMeasure": "1 GB/Month", "chargeType": "Usage", "billingCurrency": "USD", "pricingCurrency": "USD",
        "costInBillingCurrency": "0.0000204972", "costInPricingCurrency": "0.0000204972",
        "costInUsd": "0.0000204972", "exchangeRatePricingToBilling": "1.0", "exchangeRateDate": "10/01/2026",
        "isAzureCreditEligible": "True", "tags": '{"project":"p1"}', "payGPrice": "0.0589",
        "frequency": "UsageBased",
    }  # fmt: skip
    row.update(values)
    return row


def german_rows():
    rows = [
        ea_usage_row(),
        ea_usage_row(Date="10/08/2026", Cost="0.0000000123", Quantity="0.5", Tags=""),
        ea_usage_row(ChargeType="Purchase", Cost="19.99", Tags=""),
    ]
    return [
        {GERMAN_HEADER[k]: v for k, v in row.items() if k in GERMAN_HEADER}
        | {GERMAN_HEADER["CostInBillingCurrency"]: row["Cost"]}
        for row in rows
    ]


@tagged("post_install", "-at_install")
class TestBillFormatsAzure(PlainCase):
    def test_pay_as_you_go_usage_details(self):
        rows = [
            payg_row(),
            payg_row(UsageDateTime="2026-10-08 00:00:00", MeterCategory="Storage",
                     MeterSubcategory="Standard Page Blob",
                     MeterName="Disk Read Operations", UsageQuantity="0.288", PreTaxCost="0.00010368",
                     ConsumedService="Microsoft.Storage", InstanceId="/subscriptions/x/storageAccounts/diag", Tags=""),
            payg_row(UsageDateTime="2026-10-08", MeterCategory="Bandwidth", MeterName="Data Transfer Out - Free",
                     UsageQuantity="0.000004", PreTaxCost="0", Tags='"project": "p2"'),
        ]  # fmt: skip
        data = to_csv(rows, PAYG_HEADER)
        assert detect_format("usage.csv", data) == "azure"
        assert totals(data, "usage.csv") == (3, {("Usage", "USD"): (Decimal("4.60810368"), Decimal("4.60810368"))})
        lines = frame(data, "usage.csv")
        first = lines.iloc[0]
        assert (first["charge_period_start"], first["charge_period_end"]) == (
            "2026-10-07 00:00:00",
            "2026-10-08 00:00:00",
        )
        assert list(lines["charge_period_start"].str.slice(0, 10)) == ["2026-10-07", "2026-10-08", "2026-10-08"]
        assert (first["billing_period_start"], first["billing_period_end"]) == ("2026-10-01", None)
        assert first["sub_account"] == "2639de71-ca37-4a17-a104-17665a50e7fc"
        assert first["resource"] == VM
        assert (first["service_name"], first["service_category"]) == ("Microsoft.Compute", "Virtual Machines")
        assert (first["pricing_quantity"], first["pricing_unit"], first["region"]) == ("24", "1 Hour", "US East 2")
        assert (first["charge_description"], first["sku"]) == ("D4 v3/D4s v3", "f48cba03-db89-4cec-9536-67f7f4e5515f")
        assert [None if t is None else json.loads(t) for t in lines["tags"]] == [
            {"project": "p1"},
            None,
            {"project": "p2"},
        ]
        extra = json.loads(first["provider_extra"])
        assert extra["MeterSubCategory"] == "Dv3/DSv3 Series" and extra["ResourceGroup"] == "COSTMGMT"
        assert extra["ResourceType"] == "Microsoft.Compute/virtualMachines"
        assert set(lines["provider_name"]) == {"Microsoft"} and set(lines["charge_category"]) == {"Usage"}

    def test_pay_as_you_go_refusals_name_file_row_and_column(self):
        bad_cost = to_csv([payg_row(), payg_row(PreTaxCost="4,608")], PAYG_HEADER)
        assert refusal(bad_cost, "usage.csv") == ("usage.csv", 2, "PreTaxCost", "not a number: '4,608'")
        bad_day = to_csv([payg_row(), payg_row(), payg_row(UsageDateTime="2026-10-32")], PAYG_HEADER)
        file, row, column, message = refusal(bad_day, "usage.csv")
        assert (file, row, column) == ("usage.csv", 3, "UsageDateTime") and message.startswith("not a date")
        no_currency = to_csv([payg_row(), payg_row(Currency="")], PAYG_HEADER)
        assert refusal(no_currency, "usage.csv") == ("usage.csv", 2, "Currency", "a currency is required")
        bad_tags = to_csv([payg_row(Tags='{"project": ')], PAYG_HEADER)
        file, row, column, message = refusal(bad_tags, "usage.csv")
        assert (file, row, column) == ("usage.csv", 1, "Tags") and message.startswith("not a JSON object of tags")
        header = [h for h in PAYG_HEADER if h != "Currency"]
        file, row, column, message = refusal(to_csv([payg_row()], header), "usage.csv")
        assert (file, row, column) == ("usage.csv", None, "BillingCurrency")
        assert message == (
            "mandatory column missing from the header: no currency column "
            "(BillingCurrency, BillingCurrencyCode or Currency)"
        )
        header = [h for h in PAYG_HEADER if h != "UsageDateTime"]
        assert "no date column (Date, UsageDateTime or UsageDate)" in refusal(to_csv([payg_row()], header), "u.csv")[3]

    def test_first_ea_exports_of_cost_management(self):
        rows = [
            ea_export_row(),
            ea_export_row(MeterCategory="Virtual Machines", MeterSubcategory="Dv3/DSv3 Series",
                          MeterName="D4 v3/D4s v3",
                          Quantity="10", CostInBillingCurrency="3.455664", PayGPrice="0.4", Tags=""),
            ea_export_row(ResourceGroup="", ResourceId="", MeterCategory="", MeterName="", Quantity="1",
                          CostInBillingCurrency="129.99", ChargeType="Purchase", PublisherType="Marketplace",
                          PublisherName="OpenShift on Azure", Frequency="Recurring", PlanName="Bring your own VNET",
                          PayGPrice="0", Tags=""),
        ]  # fmt: skip
        data = to_csv(rows, EA_EXPORT_HEADER)
        assert detect_format("ea.csv", data) == "azure"
        assert totals(data, "ea.csv") == (3, {
            ("Usage", "EUR"): (Decimal("3.515724"), Decimal("3.515724")),
            ("Purchase", "EUR"): (Decimal("129.99"), Decimal("129.99")),  # a Marketplace plan, not a reservation
        })  # fmt: skip
        lines = frame(data, "ea.csv")
        first = lines.iloc[0]
        assert (first["billing_period_start"], first["billing_period_end"]) == ("2026-10-01", "2026-11-01")
        assert (first["sub_account"], first["sub_account_name"]) == (
            "7269128e-efae-4646-a2d7-8b3fec4751fb",
            "Openshift",
        )
        assert (first["billing_account"], first["list_cost"]) == ("99999999", "0.064064")
        assert json.loads(first["tags"]) == {"env": "prod", "team": "ocp"}
        assert json.loads(first["provider_extra"])["MeterSubCategory"] == "Standard HDD Managed Disks"
        purchase = json.loads(lines.iloc[2]["provider_extra"])
        assert (purchase["PublisherName"], purchase["ChargeType"]) == ("OpenShift on Azure", "Purchase")

    def test_ea_usage_details_of_the_consumption_api(self):
        reservation = "/providers/Microsoft.Capacity/reservationOrders/1/reservations/r1"
        rows = [
            ea_usage_row(),
            ea_usage_row(PricingModel="Reservation", ReservationId=reservation, Cost="0", EffectivePrice="0"),
            ea_usage_row(ChargeType="Purchase", PricingModel="Reservation", ReservationId=reservation, Cost="876.00",
                         Frequency="OneTime", ResourceId="", Tags=""),
            ea_usage_row(ChargeType="Refund", PricingModel="Reservation", ReservationId=reservation, Cost="-73.00",
                         Frequency="OneTime", ResourceId="", Tags=""),
        ]  # fmt: skip
        data = to_csv(rows, EA_USAGE_DETAILS_HEADER)
        assert totals(data, "ea-usage.csv") == (4, {
            ("Usage", "EUR"): (Decimal("2.4"), Decimal("2.4")),
            ("Purchase", "EUR"): (Decimal("876.00"), Decimal("0")),  # amortized into the usage it covers
            ("Credit", "EUR"): (Decimal("-73.00"), Decimal("-73.00")),
        })  # fmt: skip
        lines = frame(data, "ea-usage.csv")
        assert list(lines["commitment_discount_status"]) == [None, "Used", None, None]
        assert list(lines["charge_class"]) == [None, None, None, "Correction"]
        assert lines.iloc[1]["commitment_discount"] == reservation
        first = lines.iloc[0]
        assert (first["charge_period_start"], first["billing_period_end"]) == ("2026-10-07 00:00:00", "2026-11-01")
        assert (first["charge_description"], first["region"]) == ("D2", "westeurope")

    def test_mca_camel_case_export(self):
        rows = [mca_row(), mca_row(quantity="0.001", costInBillingCurrency="0.000000144000000000000000", tags="")]
        data = to_csv(rows, MCA_HEADER)
        assert detect_format("mca.csv", data) == "azure"
        assert totals(data, "mca.csv") == (2, {("Usage", "USD"): (Decimal("0.0000206412"), Decimal("0.0000206412"))})
        first = frame(data, "mca.csv").iloc[0]
        assert first["resource"].endswith("/storageAccounts/demo")  # MCA puts the resource in InstanceName
        assert (first["region"], first["sub_account"]) == ("eastus", "2639de71-ca37-4a17-a104-17665a50e7fc")
        assert (first["billing_period_start"], first["billing_period_end"]) == ("2026-10-01", "2026-11-01")
        extra = json.loads(first["provider_extra"])
        assert (extra["ResourceGroupName"], extra["CostInUsd"]) == ("filtered-group-demo", "0.0000204972")

    def test_header_names_in_any_letter_case_beside_legacy_ones(self):
        header = ["UsageDateTime", "subscriptionid", "metercategory", "METERNAME", "instanceid",
                  "costinbillingcurrency", "billingcurrency", "tags",
                  "Meter Sub-Category", "Consumed Quantity"]  # fmt: skip
        rows = [
            dict(zip(header, ["2026-10-03", "sub-1", "Storage", "LRS Data Stored", "/subscriptions/sub-1/sa", "1.25",
                              "chf", '"env": "prod"', "Tables", "3"], strict=True)),
            dict(zip(header, ["2026-10-04", "sub-1", "Storage", "LRS Data Stored", "/subscriptions/sub-1/sa",
                              "0.0000000001", "CHF", "", "Tables", "4"], strict=True)),
        ]  # fmt: skip
        data = to_csv(rows, header)
        assert detect_format("lower.csv", data) == "azure"
        assert totals(data, "lower.csv") == (2, {("Usage", "CHF"): (Decimal("1.2500000001"), Decimal("1.2500000001"))})
        first = frame(data, "lower.csv").iloc[0]
        assert (first["resource"], first["charge_description"], first["consumed_quantity"]) == (
            "/subscriptions/sub-1/sa",
            "LRS Data Stored",
            "3",
        )
        assert json.loads(first["provider_extra"])["MeterSubCategory"] == "Tables"
        assert json.loads(first["tags"]) == {"env": "prod"}

    @parametrize("encoding", ["utf-8", "utf-16"])
    def test_localized_headers_with_the_english_name_in_brackets_and_a_byte_order_mark(self, encoding):
        data = to_csv(german_rows(), list(GERMAN_HEADER.values()), bom=encoding == "utf-8", encoding=encoding)
        assert data.startswith(b"\xef\xbb\xbf" if encoding == "utf-8" else (b"\xff\xfe", b"\xfe\xff"))
        assert totals(data, "Nutzungsdetails.csv") == (3, {
            ("Usage", "EUR"): (Decimal("2.4000000123"), Decimal("2.4000000123")),
            ("Purchase", "EUR"): (Decimal("19.99"), Decimal("19.99")),
        })  # fmt: skip
        first = frame(data, "Nutzungsdetails.csv").iloc[0]
        assert (first["sub_account"], first["service_category"], first["resource"]) == (
            "8f3c2d1e-0000-4000-8000-000000000001",
            "Virtual Machines",
            VM,
        )
        assert json.loads(first["tags"]) == {"costcenter": "4711"}
        assert json.loads(first["provider_extra"])["MeterSubCategory"] == "D Series"

    def test_a_localized_file_is_refused_naming_its_own_header(self):
        rows = german_rows()
        rows[1][GERMAN_HEADER["Date"]] = "8.10.2026 ?"
        file, row, column, message = refusal(to_csv(rows, list(GERMAN_HEADER.values()), bom=True), "Nutzung.csv")
        assert (file, row, column) == ("Nutzung.csv", 2, "Datum (Date)") and message.startswith("not a date")

    def test_a_file_with_cost_and_date_but_nothing_of_azure_is_not_taken_for_an_azure_export(self):
        data = to_csv([{"Date": "2026-10-01", "Cost": "12", "Team": "web"}], ["Date", "Cost", "Team"])
        file, row, column, message = refusal(data, "budget.csv")
        assert (file, row, column) == ("budget.csv", None, None) and message.startswith("not a bill")

    def test_cost_management_query_results_by_day(self):
        header = ["PreTaxCost", "UsageDate", "ResourceGroup", "ServiceName", "Currency"]
        rows = [dict(zip(header, values, strict=True)) for values in (
            ("0.10254963874", "20261007", "rg-web", "Virtual Machines", "GBP"),
            ("2.0", "20261008", "rg-web", "Storage", "GBP"),
        )]  # fmt: skip
        data = to_csv(rows, header)
        assert totals(data, "query.csv") == (
            2,
            {("Usage", "GBP"): (Decimal("2.10254963874"), Decimal("2.10254963874"))},
        )
        lines = frame(data, "query.csv")
        assert list(lines["charge_period_start"]) == ["2026-10-07 00:00:00", "2026-10-08 00:00:00"]
        assert list(lines["service_name"]) == ["Virtual Machines", "Storage"]
        assert json.loads(lines.iloc[0]["provider_extra"])["ResourceGroup"] == "rg-web"
