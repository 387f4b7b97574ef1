"""The aggregation query and its result, without Odoo: DuckDB over generated exports against the raw rows."""

import io
from collections import defaultdict
from decimal import Decimal

import pytest

from odoo.tests import tagged

from odoo.addons.cloud_cost.core import bill_formats
from odoo.addons.cloud_cost.tests.plain import PlainCase, parametrize

from ..core.aggregation import AggregationError, build_query, result_to_focus_csv, rows_per_file
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

    def test_sums_are_written_plainly_whatever_notation_the_engine_gives(self):
        import pyarrow as pa

        from ..core.engines import ArrowRows

        aggregation = build_query("focus", database="d", table="t", files=["x.parquet"])
        columns = ["ChargeDay", "BillingPeriodStart", "BillingPeriodEnd", *aggregation.dimensions, "x_SourceFile"]
        columns += [*aggregation.amounts, "x_SourceRows"]
        good = ["2026-10-31 00:00:00", "2026-10-01", "2026-11-01"] + ["a"] * len(aggregation.dimensions)
        given = ["1.2300000000", "-0.0000000000", "0E-10", "1.000E-7", "-007.50", "100", "1.", " 2.5", "+3", "-1E+2"]
        rows = [good + ["x.parquet"] + [text] * len(aggregation.amounts) + ["1"] for text in given]
        data, source_rows = result_to_focus_csv(aggregation, columns, rows, file="sums.csv")
        written = [line.split(",") for line in data.decode().splitlines()[1:]]
        at = 4 + len(aggregation.dimensions)
        expected = [format(Decimal(t).normalize() if Decimal(t) else Decimal(0), "f") for t in given]
        assert (
            [row[at] for row in written]
            == expected
            == ["1.23", "0", "0", "0.0000001", "-7.5", "100", "1", "2.5", "3", "-100"]
        )
        assert {row[0] for row in written} == {"2026-10-31T00:00:00Z"} and {row[1] for row in written} == {
            "2026-11-01T00:00:00Z"
        }
        assert source_rows == len(given)
        # the same result as DuckDB's columns, as text and as decimals: the same file
        as_text = pa.table(
            {name: pa.array(list(values)) for name, values in zip(columns, zip(*rows, strict=False), strict=True)}
        )
        assert result_to_focus_csv(aggregation, columns, ArrowRows(as_text), file="sums.csv") == (data, source_rows)
        decimals = [Decimal(t) for t in given]
        as_decimals = as_text
        for name in aggregation.amounts:
            as_decimals = as_decimals.set_column(
                as_decimals.column_names.index(name), name, pa.array(decimals, type=pa.decimal128(38, 12))
            )
        assert result_to_focus_csv(aggregation, columns, ArrowRows(as_decimals), file="sums.csv") == (
            data,
            source_rows,
        )

    @parametrize("layout, make", [("focus", focus_table), ("aws_cur2", cur2_table)])
    def test_duckdb_columns_make_the_same_file_as_their_rows(self, layout, make):
        files = {f"s3://bills/export/part-{n}.parquet": parquet_bytes(make(800, seed=n)) for n in (3, 4)}
        aggregation = build_query(layout, database="billing", table="export", files=sorted(files), rule_specs=RULES)
        result = run_duckdb(aggregation.sql, files, database="billing", table="export")
        rows = list(result.rows)  # text, as Athena gives it
        assert result_to_focus_csv(aggregation, result.columns, result.rows, file="s.csv") == result_to_focus_csv(
            aggregation, result.columns, rows, file="s.csv"
        )
        assert rows_per_file(result.columns, result.rows) == rows_per_file(result.columns, rows)
        assert rows_per_file(result.columns, rows) == {name: 800 for name in files}

    def test_duckdb_results_read_as_text_as_athena_writes_them(self):
        import pyarrow as pa

        from ..core.engines import ArrowRows

        table = pa.table(
            {
                "day": pa.array([0, 86_400_000_000, None], type=pa.timestamp("us", tz="UTC")),
                "cost": pa.array([Decimal("1.23"), Decimal("0.0000001"), Decimal(0)], type=pa.decimal128(38, 10)),
                "rows": pa.array([3, None, 12], type=pa.int64()),
                "name": pa.array(["a", None, "c"]),
                "on": pa.array([True, False, None]),
            }
        )
        assert list(ArrowRows(table)) == [
            ("1970-01-01T00:00:00+00:00", "1.2300000000", "3", "a", "True"),
            ("1970-01-02T00:00:00+00:00", "0.0000001000", None, None, "False"),
            (None, "0.0000000000", "12", "c", None),
        ]

    def test_a_group_whose_day_is_no_date_is_named_with_its_row_on_both_paths(self):
        import pyarrow as pa

        from ..core.engines import ArrowRows

        aggregation = build_query("focus", database="d", table="t", files=["x.parquet"])
        columns = ["ChargeDay", "BillingPeriodStart", "BillingPeriodEnd", *aggregation.dimensions, "x_SourceFile"]
        columns += [*aggregation.amounts, "x_SourceRows"]
        rest = ["2026-10-01", "2026-11-01"] + ["a"] * len(aggregation.dimensions) + ["x.parquet"]
        rest_end = ["1.5"] * len(aggregation.amounts) + ["3"]
        rows = [[day, *rest, *rest_end] for day in ("2026-10-02", "2026-10-02", "2026-13-01", "2026-10-03")]
        table = pa.table(
            {name: pa.array(list(values)) for name, values in zip(columns, zip(*rows, strict=False), strict=True)}
        )
        for given in (rows, ArrowRows(table)):
            with pytest.raises(AggregationError) as refused:
                result_to_focus_csv(aggregation, columns, given, file="athena-result.csv")
            assert (refused.value.file, refused.value.row, refused.value.column) == (
                "athena-result.csv",
                3,
                "ChargeDay",
            )
