"""A month of FOCUS 1.2 bill rows for the demo estate, generated the same way every time.

The estate: a shared Odoo platform on Kubernetes serving three business units (Retail,
Wholesale, Services), one dedicated regulated tenant, and the shared services around them
(platform, resilience, security), billed by two providers (AWS and Microsoft Azure).
Rows carry tags as real estates do: most are tagged, some are not. Compute on AWS is partly
covered by a Compute Savings Plan, billed as a monthly Purchase row and amortized into the
covered usage rows (BilledCost 0, EffectiveCost > 0), the way FOCUS models a commitment.
"""

import csv
import gzip
import io
import json
import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.cloud_cost.core import periods

FOCUS_COLUMNS = (
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "InvoiceIssuerName",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
)

MICRO = Decimal("0.0000000001")  # bills carry ten decimal places
SAVINGS_PLAN_ID = "arn:aws:savingsplans::111122223333:savingsplan/3f0c5d6e-demo"
SAVINGS_PLAN_HOURLY = Decimal("2.40")  # commitment per hour, in USD
SAVINGS_PLAN_RATE = Decimal("0.72")  # covered usage costs 72 % of the on-demand price
SALES_TAX_RATE = Decimal("0.0625")  # AWS charges sales tax on the month's usage, on its invoice
PROMOTIONAL_CREDIT = Decimal("40.00")  # a credit AWS sends as a credit note of its own
CENT = Decimal("0.01")


# (provider, account, account name, region, service, category, sku, unit, daily quantity, unit price, tags)
# Tags None: the resource is untagged in the bill.
def _estate():
    aws, azure = (
        ("AWS", "111122223333", "platform-prod", "eu-central-1"),
        (
            "Microsoft",
            "8f3c2d1e-demo-sub",
            "tenant-regulated",
            "westeurope",
        ),
    )
    shared = {"platform": "shared", "env": "prod"}
    resources = []

    def add(provider, service, category, sku, unit, quantity, price, name, tags):
        resources.append((provider, service, category, sku, unit, Decimal(quantity), Decimal(price), name, tags))

    # the shared Odoo platform: Kubernetes control planes, nodes, load balancers, observability
    add(
        aws, "Amazon Elastic Kubernetes Service", "Compute", "EKS-Cluster", "Hours", 24, "0.10", "eks-odoo-prod", shared
    )
    for node in range(1, 7):
        add(aws, "Amazon Elastic Compute Cloud", "Compute", "m6i.2xlarge", "Hours", 24, "0.4608",
            f"eks-node-{node}", dict(shared, role="node"))  # fmt: skip
    for node in range(1, 7):
        add(aws, "Amazon Elastic Block Store", "Storage", "gp3", "GB-Mo", 200 / 30, "0.0952",
            f"eks-node-{node}-root", dict(shared, role="node"))  # fmt: skip
    add(aws, "Amazon Virtual Private Cloud", "Networking", "NatGateway-Hours", "Hours", 48, "0.052", "nat-gw",
        shared)  # fmt: skip
    add(aws, "Elastic Load Balancing", "Networking", "LoadBalancerUsage", "Hours", 24, "0.0252", "alb-odoo", shared)
    add(aws, "Amazon CloudWatch", "Management and Governance", "MetricMonitorUsage", "Metrics", 800, "0.0100",
        "observability", shared)  # fmt: skip
    # tenant runtime: each business unit's Odoo database and storage
    for unit, size in (("retail", "db.r6g.xlarge"), ("wholesale", "db.r6g.large"), ("services", "db.r6g.large")):
        price = "0.5200" if size.endswith("xlarge") else "0.2600"
        add(aws, "Amazon Relational Database Service", "Databases", size, "Hours", 24, price,
            f"odoo-{unit}-db", {"team": unit, "env": "prod", "app": "odoo"})  # fmt: skip
        add(aws, "Amazon Simple Storage Service", "Storage", "TimedStorage-ByteHrs", "GB-Mo", 55, "0.0245",
            f"odoo-{unit}-filestore", {"team": unit, "env": "prod", "app": "odoo"})  # fmt: skip
        add(aws, "Amazon Simple Storage Service", "Storage", "Requests-Tier1", "Requests", 42000, "0.0000054",
            f"odoo-{unit}-filestore", {"team": unit, "env": "prod", "app": "odoo"})  # fmt: skip
        add(aws, "Amazon CloudFront", "Networking", "DataTransfer-Out-Bytes", "GB", 22, "0.0850",
            f"cdn-{unit}", {"team": unit, "env": "prod", "app": "odoo"})  # fmt: skip
        add(aws, "Amazon Relational Database Service", "Databases", "db.t4g.medium", "Hours", 24, "0.0680",
            f"odoo-{unit}-staging-db", {"team": unit, "env": "staging", "app": "odoo"})  # fmt: skip
    # resilience: backups and the DR standby
    add(aws, "AWS Backup", "Storage", "WarmStorage-ByteHrs", "GB-Mo", 180, "0.0570", "backup-vault",
        {"platform": "resilience", "env": "prod"})  # fmt: skip
    add(aws, "Amazon Relational Database Service", "Databases", "db.r6g.large", "Hours", 24, "0.2600",
        "dr-standby-replica", {"platform": "resilience", "env": "dr"})  # fmt: skip
    # security and compliance
    add(aws, "Amazon GuardDuty", "Security", "PaidEventsAnalyzed", "Events", 1500, "0.0010", "guardduty",
        {"platform": "security"})  # fmt: skip
    add(aws, "AWS Key Management Service", "Security", "KMS-Requests", "Requests", 9000, "0.0000030",
        "kms-odoo", {"platform": "security"})  # fmt: skip
    # the regulated tenant's dedicated estate on Azure
    add(azure, "Azure Kubernetes Service", "Compute", "D8s v5", "Hours", 72, "0.3840", "aks-regulated",
        {"tenant": "regulated", "env": "prod"})  # fmt: skip
    add(azure, "Azure Database for PostgreSQL", "Databases", "GP_Standard_D4ds_v5", "Hours", 24, "0.3560",
        "pg-regulated", {"tenant": "regulated", "env": "prod"})  # fmt: skip
    add(azure, "Storage", "Storage", "Hot LRS Data Stored", "GB-Mo", 300 / 30, "0.0208", "stregulatedfiles",
        {"tenant": "regulated", "env": "prod"})  # fmt: skip
    add(azure, "Load Balancer", "Networking", "Standard Data Processed", "GB", 40, "0.0050", "lb-regulated",
        {"tenant": "regulated", "env": "prod"})  # fmt: skip
    add(azure, "Log Analytics", "Management and Governance", "Pay-as-you-go Data Ingestion", "GB", 3, "2.7600",
        "logs-regulated", {"tenant": "regulated", "env": "prod"})  # fmt: skip
    add(azure, "Microsoft Defender for Cloud", "Security", "Standard Node", "Hours", 72, "0.0200",
        "defender-regulated", {"tenant": "regulated", "platform": "security"})  # fmt: skip
    # what nobody tagged: a forgotten sandbox, data transfer, a developer VM
    add(aws, "Amazon Elastic Compute Cloud", "Compute", "t3.large", "Hours", 24, "0.0960", "sandbox-vm", None)
    add(aws, "AWS Data Transfer", "Networking", "DataTransfer-Out-Bytes", "GB", 35, "0.0900", "", None)
    add(azure, "Virtual Machines", "Compute", "B2ms", "Hours", 24, "0.0960", "dev-vm-17", None)
    return resources


def _money(value):
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def _text(value):
    return format(value, "f")


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_month(month_start, seed=2026):
    """The rows (dicts of FOCUS columns, as text) of one billing month."""
    month_start = periods.month_start(month_start)
    month_end = periods.next_month_start(month_start)  # FOCUS periods end exclusively
    days = (month_end - month_start).days
    rng = random.Random(f"{seed}-{month_start:%Y-%m}")
    rows = []

    def row(provider, day_start, day_end, category, description, billed, effective, list_cost, **extra):
        (provider_name, account, account_name, region) = provider
        values = {
            "BillingAccountId": "111122223333" if provider_name == "AWS" else "EA-4455-demo",
            "BillingAccountName": "Northwind Odoo Hosting",
            "BillingCurrency": "USD",
            "BillingPeriodStart": _stamp(datetime.combine(month_start, datetime.min.time())),
            "BillingPeriodEnd": _stamp(datetime.combine(month_end, datetime.min.time())),
            "ChargePeriodStart": _stamp(day_start),
            "ChargePeriodEnd": _stamp(day_end),
            "ChargeCategory": category,
            "ChargeClass": "",
            "ChargeDescription": description,
            "ChargeFrequency": "Usage-Based",
            "BilledCost": _text(_money(billed)),
            "EffectiveCost": _text(_money(effective)),
            "ListCost": _text(_money(list_cost)),
            "ContractedCost": _text(_money(list_cost)),
            "PricingCategory": "Standard",
            "InvoiceIssuerName": "Amazon Web Services EMEA SARL" if provider_name == "AWS" else "Microsoft",
            "ProviderName": provider_name,
            "PublisherName": provider_name,
            "RegionId": region,
            "RegionName": region,
            "SubAccountId": account,
            "SubAccountName": account_name,
            "Tags": "{}",
        }
        values.update(extra)
        rows.append({column: values.get(column, "") for column in FOCUS_COLUMNS})

    covered_budget = SAVINGS_PLAN_HOURLY * 24  # commitment usable per day, at the on-demand price x rate
    for day_index in range(days):
        day = month_start + timedelta(days=day_index)
        start = datetime.combine(day, datetime.min.time())
        end = start + timedelta(days=1)
        commitment_left = covered_budget
        for provider, service, category, sku, unit, quantity, price, name, tags in _estate():
            # ordinary day-to-day variation; weekends a little quieter
            factor = Decimal(str(round(rng.uniform(0.93, 1.07) * (0.9 if day.weekday() >= 5 else 1.0), 4)))
            used = (quantity * factor).quantize(Decimal("0.0001"))
            list_cost = used * price
            resource_id = f"arn:aws:{service.split()[-1].lower()}:{provider[3]}:{provider[1]}:{name or 'transfer'}"
            if provider[0] == "Microsoft":
                resource_id = f"/subscriptions/{provider[1]}/resourceGroups/regulated/providers/{name}"
            common = dict(
                PricingQuantity=_text(used),
                PricingUnit=unit,
                ConsumedQuantity=_text(used),
                ConsumedUnit=unit,
                ResourceId=resource_id if name else "",
                ResourceName=name,
                ServiceCategory=category,
                ServiceName=service,
                SkuId=sku,
                Tags=json.dumps(tags, sort_keys=True) if tags else "{}",
            )
            covered = (
                provider[0] == "AWS" and service == "Amazon Elastic Compute Cloud" and commitment_left > 0 and tags
            )
            if covered:
                amortized = list_cost * SAVINGS_PLAN_RATE
                commitment_left -= amortized
                row(provider, start, end, "Usage", f"{sku} covered by Compute Savings Plan", Decimal(0), amortized,
                    list_cost, PricingCategory="Committed", CommitmentDiscountId=SAVINGS_PLAN_ID,
                    CommitmentDiscountStatus="Used", CommitmentDiscountType="Savings Plan", **common)  # fmt: skip
            else:
                row(provider, start, end, "Usage", f"{sku} in {provider[3]}", list_cost, list_cost, list_cost,
                    **common)  # fmt: skip
        if commitment_left > 0:  # the part of the day's commitment nothing used
            row(aws_provider(), start, end, "Usage", "Unused Compute Savings Plan commitment", Decimal(0),
                commitment_left, Decimal(0), PricingCategory="Committed", CommitmentDiscountId=SAVINGS_PLAN_ID,
                CommitmentDiscountStatus="Unused", CommitmentDiscountType="Savings Plan",
                ServiceName="Savings Plans for AWS Compute usage", ServiceCategory="Compute")  # fmt: skip
    # the commitment itself, billed once for the month and amortized into the rows above
    month_fee = SAVINGS_PLAN_HOURLY * 24 * days
    row(aws_provider(), datetime.combine(month_start, datetime.min.time()),
        datetime.combine(month_end, datetime.min.time()), "Purchase", "Compute Savings Plan, 1 year, no upfront",
        month_fee, Decimal(0), month_fee, ChargeFrequency="Recurring", PricingCategory="Committed",
        CommitmentDiscountId=SAVINGS_PLAN_ID, CommitmentDiscountType="Savings Plan",
        ServiceName="Savings Plans for AWS Compute usage", ServiceCategory="Compute")  # fmt: skip
    # the sales tax on the usage AWS invoices (the invoice's base: the usage rounded to the cent) and a
    # promotional credit, each a row of its own as FOCUS bills them
    first, last = (datetime.combine(day, datetime.min.time()) for day in (month_start, month_end))
    row(aws_provider(), first, last, "Credit", "AWS Promotional Credit", -PROMOTIONAL_CREDIT, -PROMOTIONAL_CREDIT,
        Decimal(0), ChargeFrequency="One-Time", ServiceName="AWS Promotional Credit",
        ServiceCategory="Other")  # fmt: skip
    tax = sales_tax(aws_usage_billed(rows))
    row(aws_provider(), first, last, "Tax", "Sales tax on AWS usage", tax, tax, tax, ChargeFrequency="Recurring",
        ServiceName="Tax", ServiceCategory="Other")  # fmt: skip
    return rows


def aws_usage_billed(rows):
    """The month's AWS usage as its invoice bills it, to the cent."""
    usage = sum(
        (
            Decimal(row["BilledCost"])
            for row in rows
            if row["ProviderName"] == "AWS" and row["ChargeCategory"] == "Usage"
        ),
        Decimal(0),
    )
    return usage.quantize(CENT, rounding=ROUND_HALF_UP)


def sales_tax(base):
    """The sales tax of an invoice base, rounded half up to the cent as the vendor bill's tax computes it."""
    return (Decimal(base) * SALES_TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def aws_provider():
    return ("AWS", "111122223333", "platform-prod", "eu-central-1")


def to_csv_gz(rows):
    """The rows as a gzip-compressed FOCUS CSV file (bytes)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FOCUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return gzip.compress(buffer.getvalue().encode("utf-8"), mtime=0)


def month_starts(today, count):
    """The first days of the ``count`` full months before ``today``'s month, oldest first."""
    return periods.month_starts(periods.previous_month_start(today), count)
