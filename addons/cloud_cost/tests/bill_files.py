"""Small real-shaped bill files for the import tests."""

import csv
import gzip
import io
import json

FOCUS_COLUMNS = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost",
    "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit",
    "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
]


def focus_row(period="2026-10", day=1, **values):
    """One FOCUS 1.0 row of an AWS bill; keyword arguments override columns."""
    year, month = (int(p) for p in period.split("-"))
    following = f"{year + month // 12}-{month % 12 + 1:02d}"
    row = {
        "AvailabilityZone": "eu-west-1a",
        "BilledCost": "1.0000000000",
        "BillingAccountId": "999999999999",
        "BillingAccountName": "Example Payer",
        "BillingCurrency": "EUR",
        "BillingPeriodEnd": f"{following}-01T00:00:00Z",
        "BillingPeriodStart": f"{period}-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeDescription": "db.r6g.large running hours",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodEnd": f"{period}-{day:02d}T01:00:00Z",
        "ChargePeriodStart": f"{period}-{day:02d}T00:00:00Z",
        "CommitmentDiscountCategory": "",
        "CommitmentDiscountId": "",
        "CommitmentDiscountName": "",
        "CommitmentDiscountStatus": "",
        "CommitmentDiscountType": "",
        "ConsumedQuantity": "1",
        "ConsumedUnit": "Hrs",
        "ContractedCost": "1.0000000000",
        "ContractedUnitPrice": "1.0000000000",
        "EffectiveCost": "1.0000000000",
        "InvoiceIssuerName": "Amazon Web Services EMEA SARL",
        "ListCost": "1.2000000000",
        "ListUnitPrice": "1.2000000000",
        "PricingCategory": "Standard",
        "PricingQuantity": "1",
        "PricingUnit": "Hrs",
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "RegionId": "eu-west-1",
        "RegionName": "Europe (Ireland)",
        "ResourceId": "arn:aws:rds:eu-west-1:111111111111:db:odoo-prod",
        "ResourceName": "odoo-prod",
        "ResourceType": "DB Instance",
        "ServiceCategory": "Databases",
        "ServiceName": "Amazon Relational Database Service",
        "SkuId": "SKU-RDS-1",
        "SkuPriceId": "PRICE-RDS-1",
        "SubAccountId": "111111111111",
        "SubAccountName": "production",
        "Tags": json.dumps({"team": "payments", "env": "prod"}),
    }
    row.update(values)
    return row


def focus_csv(rows, gzip_it=False):
    """FOCUS CSV bytes (gzip compressed if asked), quoted as exports quote them."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FOCUS_COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = text.getvalue().encode()
    return gzip.compress(data, mtime=0) if gzip_it else data


CUR2_COLUMNS = [
    "bill_billing_period_start_date", "bill_billing_period_end_date", "bill_payer_account_id", "bill_invoice_id",
    "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_product_code", "line_item_resource_id", "line_item_usage_amount",
    "line_item_currency_code", "line_item_unblended_cost", "line_item_line_item_description",
    "product_product_name", "product_region_code", "pricing_unit", "pricing_public_on_demand_cost",
    "savings_plan_savings_plan_effective_cost", "savings_plan_savings_plan_a_r_n", "resource_tags",
]


def cur2_row(kind, unblended, day=3, **values):
    """One AWS CUR 2.0 (Data Exports) row of October 2026."""
    row = {
        "bill_billing_period_start_date": "2026-10-01T00:00:00.000Z",
        "bill_billing_period_end_date": "2026-11-01T00:00:00.000Z",
        "bill_payer_account_id": "999999999999",
        "bill_invoice_id": "EUINDE26-123",
        "line_item_usage_account_id": "111111111111",
        "line_item_line_item_type": kind,
        "line_item_usage_start_date": f"2026-10-{day:02d}T00:00:00.000Z",
        "line_item_usage_end_date": f"2026-10-{day:02d}T01:00:00.000Z",
        "line_item_product_code": "AmazonEC2",
        "line_item_resource_id": "i-0123456789abcdef0",
        "line_item_usage_amount": "1",
        "line_item_currency_code": "EUR",
        "line_item_unblended_cost": unblended,
        "line_item_line_item_description": f"{kind} line",
        "product_product_name": "Amazon Elastic Compute Cloud",
        "product_region_code": "eu-central-1",
        "pricing_unit": "Hrs",
        "resource_tags": '{"user_team": "retail"}',
    }
    row.update(values)
    return row


def cur2_csv(rows, gzip_it=True):
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CUR2_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = text.getvalue().encode()
    return gzip.compress(data, mtime=0) if gzip_it else data
