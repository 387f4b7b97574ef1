"""The aggregation query and its result, without Odoo: DuckDB over generated exports against the raw rows."""

import io
from collections import defaultdict
from decimal import Decimal

import pytest

from odoo.tests import tagged

from odoo.addons.cloud_cost.core import bill_formats
from odoo.addons.cloud_cost.tests.plain import PlainCase, parametrize

from ..core.aggregation import AggregationError, build_query, result_to_focus_csv
from ..core.engines import run_duckdb
from .generated_bills import cur2_table, focus_table, parquet_bytes

RULES = [
    {"match": {"service_name": ["Amazon Relational*"]}, "set": {"analytic_account_id": 1}},
    {"tags": {"team": ["payments"]}, "set": {"analytic_account_id": 2}},
    {"match": {"namespace": ["shop-*"]}, "set": {"analytic_account_id": 3}},  # a cluster rule: no bill column
    {"set_from_tag": {"environment": "env"}},
]


def raw_lines(files, fmt):
    frames = [
        frame
        for name, data in files.items()
        for frame in bill_formats.read_bill(io.BytesIO(data), file_name=name, fmt=fmt)
    ]
    for frame in frames:
        yield from frame.to_dict("records")


def sums(records, key):
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for record in records:
        total = totals[key(record)]
        total[0] += Decimal(record["billed_cost"])
        total[1] += Decimal(record["effective_cost"])
    return dict(totals)


def aggregate(files, layout):
    aggregation = build_query(layout, database="billing", table="export", files=sorted(files), rule_specs=RULES)
    result = run_duckdb(aggregation.sql, files, database="billing", table="export")
    data, source_rows = result_to_focus_csv(aggregation, result.columns, result.rows, file="sums.csv")
    return aggregation, list(raw_lines({"sums.csv": data}, "focus")), source_rows


def receiver_key(record):
    import json

    tags = json.loads(record["tags"] or "{}")
    return (
        record["charge_period_start"][:10],
        record["sub_account"],
        record["service_name"],
        record["region"],
        record["charge_category"],
        record["billing_currency"],
        tags.get("team"),
        tags.get("env"),
    )


@tagged("post_install", "-at_install")
class TestAggregationSql(PlainCase):
    @parametrize("layout, make, fmt", [("focus", focus_table, "focus"), ("aws_cur2", cur2_table, "aws_cur2")])
    def test_duckdb_sums_are_the_raw_rows_sums_per_day_account_service_region_category_and_tag(self, layout, make, fmt):
        files = {f"s3://bills/export/part-{n}.parquet": parquet_bytes(make(1500, seed=n)) for n in (1, 2)}
        aggregation, summed, source_rows = aggregate(files, layout)
        raw = list(raw_lines(files, fmt))

        assert source_rows == len(raw) == 3000
        assert len(summed) < len(raw)
        assert aggregation.tag_keys == ("env", "team")  # "owner" is read by no rule: summed away
        assert sums(summed, receiver_key) == sums(raw, receiver_key)
        assert sums(summed, lambda r: r["charge_category"]) == sums(raw, lambda r: r["charge_category"])
        # each group names the file its rows come from
        import json

        per_file = defaultdict(int)
        for record in summed:
            extra = json.loads(record["provider_extra"])
            per_file[extra["x_SourceFile"]] += int(extra["x_SourceRows"])
        assert per_file == {name: 1500 for name in files}

    def test_the_query_keeps_apart_what_the_rules_read_and_filters_the_manifest_files(self):
        rules = RULES + [{"match": {"resource": ["arn:aws:rds:*"]}, "set": {"cost_pool_id": 4}}]
        aggregation = build_query(
            "focus", database="billing", table="export", files=["s3://b/a.parquet", "s3://b/it's"], rule_specs=rules
        )
        assert "ResourceId" in aggregation.dimensions
        assert "element_at(Tags, 'team') AS tag_2" in aggregation.sql
        assert "\"$path\" IN ('s3://b/a.parquet', 's3://b/it''s')" in aggregation.sql
        assert 'FROM "billing"."export"' in aggregation.sql

    def test_a_rule_on_a_bill_column_the_sums_cannot_keep_is_refused(self):
        rules = [{"match": {"pricing_unit": ["Hrs"]}, "set": {"environment": "prod"}}]
        with pytest.raises(AggregationError, match="pricing_unit"):
            build_query("focus", database="d", table="t", files=["x.parquet"], rule_specs=rules)

    def test_a_bad_value_in_the_result_is_named_with_its_row_and_column(self):
        aggregation = build_query("focus", database="d", table="t", files=["x.parquet"])
        columns = [
            "ChargeDay",
            "BillingPeriodStart",
            "BillingPeriodEnd",
            *aggregation.dimensions,
            "x_SourceFile",
            *aggregation.amounts,
            "x_SourceRows",
        ]
        good = ["2026-10-01", "2026-10-01", "2026-11-01"] + ["a"] * len(aggregation.dimensions) + ["x.parquet"]
        rows = [
            good + ["1.5"] * len(aggregation.amounts) + ["3"],
            good + ["1.5", "oops"] + ["1"] * (len(aggregation.amounts) - 2) + ["3"],
        ]
        with pytest.raises(AggregationError) as refused:
            result_to_focus_csv(aggregation, columns, rows, file="athena-result.csv")
        assert (refused.value.file, refused.value.row, refused.value.column) == (
            "athena-result.csv",
            2,
            "EffectiveCost",
        )
