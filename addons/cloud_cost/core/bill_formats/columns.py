"""The normalized cost-line columns every parser yields, named like the cloud.cost.line fields."""

AMOUNT_COLUMNS = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")
QUANTITY_COLUMNS = ("pricing_quantity", "consumed_quantity")
DATETIME_COLUMNS = ("charge_period_start", "charge_period_end")
DATE_COLUMNS = ("billing_period_start", "billing_period_end")
TEXT_COLUMNS = (
    "billing_currency",
    "charge_category",
    "charge_class",
    "charge_description",
    "provider_name",
    "billing_account",
    "sub_account",
    "sub_account_name",
    "service_name",
    "service_category",
    "region",
    "resource",
    "resource_name",
    "sku",
    "pricing_unit",
    "consumed_unit",
    "commitment_discount",
    "commitment_discount_status",
    "invoice_number",
)
JSON_COLUMNS = ("tags", "provider_extra")
PROVENANCE_COLUMNS = ("source_file", "source_row")

LINE_COLUMNS = (
    AMOUNT_COLUMNS
    + QUANTITY_COLUMNS
    + DATETIME_COLUMNS
    + DATE_COLUMNS
    + TEXT_COLUMNS
    + JSON_COLUMNS
    + PROVENANCE_COLUMNS
)

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
