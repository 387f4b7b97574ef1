"""Small real-shaped bill files for the import tests."""

import csv
import gzip
import io
import json

FOCUS_COLUMNS = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
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


def gzip_bomb(megabytes, padding=20_000, jsonl=False):
    """A small gzip file that expands to about ``megabytes`` MB of valid FOCUS CSV rows (or JSON lines),
    compressed piece by piece so that the test itself never holds the content."""
    import zlib  # noqa: PLC0415

    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    row = focus_row(ChargeDescription="x" * padding)
    if jsonl:
        header = b""
        line = (
            json.dumps({"cost": "1.0", "currency": "EUR", "service": {"description": row["ChargeDescription"]}}) + "\n"
        ).encode()
    else:
        header, _sep, line = focus_csv([row]).partition(b"\n")
        header += b"\n"
    block = line * max(1, (1 << 20) // len(line))
    parts = [compressor.compress(header)]
    for _ in range(max(1, megabytes * (1 << 20) // len(block))):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts)
