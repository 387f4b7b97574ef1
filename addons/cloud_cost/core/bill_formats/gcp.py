"""Google Cloud billing export rows, as BigQuery exports them (JSON lines, or CSV with dotted columns).

Credits (sustained use, committed use, free tier, promotions) are folded into the net cost:
BilledCost = EffectiveCost = cost + sum(credits.amount); ListCost is the cost before credits;
the credits themselves are kept in provider_extra. Labels (and project labels) become tags.
"""

import json
from decimal import Decimal

import pandas as pd

from . import normalize as n
from . import registry

COST_TYPES = {"regular": "Usage", "tax": "Tax", "adjustment": "Adjustment", "rounding_error": "Adjustment"}
MANDATORY = ("cost", "currency", "usage_start_time", "usage_end_time")


def is_gcp(columns):
    return {"billing_account_id", "cost", "usage_start_time"} <= set(columns) or (
        {"cost", "usage_start_time", "service.description"} <= set(columns)
    )


def is_gcp_record(record):
    return isinstance(record, dict) and {"cost", "usage_start_time"} <= set(record)


def _flatten(record, prefix=""):
    flat = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def records_to_raw(frame):
    """JSON-line records -> a frame of flattened columns (lists kept as Python lists), index = line - 1."""
    records = [_flatten(record) for record in frame["__record__"]]
    raw = pd.DataFrame.from_records(records)
    raw.index = pd.Index([int(line) - 1 for line in raw.pop("__line__")])
    return raw


def _list_value(value, *, file, row, column):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in n.NULL_TEXTS:
            return []
        try:
            parsed = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise n.BillFormatError(f"not a JSON list: {error.msg}", file=file, row=row, column=column) from None
        if isinstance(parsed, list):
            return parsed
    raise n.BillFormatError("not a list", file=file, row=row, column=column)


def normalize(raw, *, file):
    n.require_columns(raw, MANDATORY, file=file)

    def col(name):
        return raw[name] if name in raw.columns else pd.Series(None, index=raw.index, dtype=object)

    def numbers(name, required=False):
        series = col(name).map(lambda v: v if isinstance(v, str) else n.decimal_from_number(v), na_action="ignore")
        return n.decimals(series, file=file, column=name, required=required)

    cost = numbers("cost", required=True)
    credit_totals, credit_texts = [], []
    for position, value in enumerate(col("credits")):
        row = int(raw.index[position]) + 1
        credits = _list_value(value, file=file, row=row, column="credits")
        total = Decimal(0)
        for credit in credits:
            try:
                total += Decimal(str(credit.get("amount", 0)))
            except (ArithmeticError, AttributeError):
                raise n.BillFormatError(
                    "a credit without a numeric amount", file=file, row=row, column="credits"
                ) from None
        credit_totals.append(total)
        credit_texts.append(json.dumps(credits, default=str, separators=(",", ":")) if credits else None)
    net = [format(Decimal(c) + t, "f") for c, t in zip(cost, credit_totals, strict=False)]
    out = pd.DataFrame(index=raw.index)
    out["billed_cost"] = net
    out["effective_cost"] = net
    out["list_cost"] = cost
    out["contracted_cost"] = None
    out["pricing_quantity"] = numbers("usage.amount_in_pricing_units")
    out["consumed_quantity"] = numbers("usage.amount")
    out["charge_period_start"] = n.timestamps(col("usage_start_time"), file=file, column="usage_start_time",
                                              required=True, formats=("ISO8601", "%Y-%m-%d %H:%M:%S %Z"))  # fmt: skip
    out["charge_period_end"] = n.timestamps(col("usage_end_time"), file=file, column="usage_end_time",
                                            required=True, formats=("ISO8601", "%Y-%m-%d %H:%M:%S %Z"))  # fmt: skip
    month = n.text(col("invoice.month").map(lambda v: None if v is None else str(v), na_action="ignore"))
    start = month.map(lambda v: f"{v[:4]}-{v[4:6]}-01" if isinstance(v, str) and len(v) == 6 else None)
    fallback = out["charge_period_start"].str.slice(0, 7) + "-01"
    out["billing_period_start"] = start.where(start.notna(), fallback)
    out["billing_period_end"] = (pd.to_datetime(out["billing_period_start"]) + pd.offsets.MonthBegin(1)).dt.strftime(
        "%Y-%m-%d"
    )
    out["billing_currency"] = n.text(col("currency"))
    cost_type = n.text(col("cost_type")).fillna("regular").str.lower()
    unknown = ~cost_type.isin(list(COST_TYPES))
    if unknown.any():
        raise n.BillFormatError(f"unknown cost type: {cost_type[unknown].iloc[0]!r}", file=file,
                                row=n.first_row(unknown), column="cost_type")  # fmt: skip
    out["charge_category"] = cost_type.map(COST_TYPES)
    out["charge_class"] = None
    out["charge_description"] = n.text(col("sku.description"))
    out["provider_name"] = "Google Cloud"
    out["billing_account"] = n.text(col("billing_account_id"))
    out["sub_account"] = n.text(col("project.id"))
    out["sub_account_name"] = n.text(col("project.name"))
    out["service_name"] = n.text(col("service.description"))
    out["service_category"] = None
    out["region"] = n.text(col("location.region")).fillna(n.text(col("location.location")))
    out["resource"] = n.text(col("resource.global_name")).fillna(n.text(col("resource.name")))
    out["resource_name"] = n.text(col("resource.name"))
    out["sku"] = n.text(col("sku.id"))
    out["pricing_unit"] = n.text(col("usage.pricing_unit"))
    out["consumed_unit"] = n.text(col("usage.unit"))
    out["commitment_discount"] = None
    out["commitment_discount_status"] = None
    out["invoice_number"] = None
    out["tags"] = _labels(raw, file=file)
    extra = raw[[]].copy()
    extra["credits"] = credit_texts
    for name in ("service.id", "cost_type", "invoice.month", "adjustment_info.type", "cost_at_list"):
        if name in raw.columns:
            extra[name] = raw[name].map(
                lambda v: v if isinstance(v, str) else n.decimal_from_number(v), na_action="ignore"
            )
    out["provider_extra"] = n.extras(extra, list(extra.columns))
    return out


def _labels(raw, *, file):
    columns = [c for c in ("project.labels", "labels", "system_labels") if c in raw.columns]
    if not columns:
        return pd.Series(None, index=raw.index, dtype=object)
    merged = []
    for position in range(len(raw)):
        row = int(raw.index[position]) + 1
        labels = {}
        for column in columns:
            for label in _list_value(raw[column].iloc[position], file=file, row=row, column=column):
                if not isinstance(label, dict) or "key" not in label:
                    raise n.BillFormatError("a label without a key", file=file, row=row, column=column)
                labels[str(label["key"])] = "" if label.get("value") is None else str(label["value"])
        merged.append(json.dumps(labels, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if labels else None)
    return pd.Series(merged, index=raw.index, dtype=object)


FORMAT = registry.register(
    registry.BillFormat(
        key="gcp",
        label="Google Cloud billing export",
        addon=registry.BASE_ADDON,
        named="Google Cloud billing export",
        sequence=50,
        detect=lambda columns: registry.CERTAIN if is_gcp(columns) else 0,
        normalize=normalize,
        detect_record=is_gcp_record,
        records_to_raw=records_to_raw,
        record_hint="cost, usage_start_time...",
    )
)
