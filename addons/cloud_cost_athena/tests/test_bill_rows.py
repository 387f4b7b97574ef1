"""The rows of each summed group found again in its file, without Odoo: DuckDB over generated exports."""

from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase, parametrize

from ..core.aggregation import build_query, result_to_focus_csv
from ..core.bill_rows import Grouping, aggregated_records, check_group, group_of, group_rows_query, read_group_rows
from ..core.engines import run_duckdb
from .generated_bills import cur2_table, focus_table, parquet_bytes
from .test_aggregation_sql import RULES


def rows_of(path, grouping, groups, group):
    return read_group_rows(path, grouping, [g["values"] for g in groups])[groups.index(group)]


@tagged("post_install", "-at_install")
class TestBillRows(PlainCase):
    @parametrize("layout, make", [("focus", focus_table), ("aws_cur2", cur2_table)])
    def test_every_group_is_found_again_row_by_row_and_its_rows_sum_exactly_to_it(self, layout, make):
        tmp_path = self.make_tmp_path()
        paths = {}
        for n in (1, 2):
            path = tmp_path / f"part-{n}.parquet"
            path.write_bytes(parquet_bytes(make(1200, seed=n)))
            paths[path.name] = path
        aggregation = build_query(layout, database="billing", table="export", files=sorted(paths), rule_specs=RULES)
        result = run_duckdb(aggregation.sql, paths, database="billing", table="export")
        data, source_rows = result_to_focus_csv(aggregation, result.columns, result.rows, file="sums.csv")
        grouping = Grouping(layout, aggregation.dimensions, aggregation.tag_keys)
        records = aggregated_records(data, range(1, len(result.rows) + 1))
        groups = [group_of(record, grouping) for _number, record in sorted(records.items())]
        assert len(groups) == len(result.rows) < source_rows == 2400

        seen = {name: [] for name in paths}
        for name, path in paths.items():
            mine = [group for group in groups if group["file"] == name]
            for group, rows in zip(mine, read_group_rows(path, grouping, [g["values"] for g in mine]), strict=True):
                check = check_group(group, rows)
                assert check["matches"], (group, check)
                assert check["count"] == group["rows"] >= 1
                seen[name] += [row["row"] for row in rows]
            # one group at a time (the query for one group) finds the same rows as all at once
            for group in mine[:: max(1, len(mine) // 5)]:
                (alone,) = read_group_rows(path, grouping, [group["values"]])
                assert [r["row"] for r in alone] == [r["row"] for r in rows_of(path, grouping, mine, group)]
        # every row of each file is in exactly one group, numbered from 1
        assert {name: sorted(rows) for name, rows in seen.items()} == {name: list(range(1, 1201)) for name in paths}

    def test_a_row_lists_its_own_values_and_a_null_group_value_matches_null_only(self):
        tmp_path = self.make_tmp_path()
        path = tmp_path / "bill.parquet"
        path.write_bytes(parquet_bytes(focus_table(300, seed=7)))
        aggregation = build_query("focus", database="d", table="t", files=[path.name], rule_specs=RULES)
        result = run_duckdb(aggregation.sql, {path.name: path}, database="d", table="t")
        data, _rows = result_to_focus_csv(aggregation, result.columns, result.rows, file="sums.csv")
        grouping = Grouping("focus", aggregation.dimensions, aggregation.tag_keys)
        groups = [group_of(r, grouping) for _n, r in sorted(aggregated_records(data, range(1, 400)).items())]
        group = next(g for g in groups if g["values"]["RegionId"] is None and g["values"]["tag_1"] is None)
        (rows,) = read_group_rows(path, grouping, [group["values"]])
        assert check_group(group, rows)["matches"]
        for row in rows:
            assert row["values"]["RegionId"] is None
            assert "env" not in row["values"]["Tags"]
            assert Decimal(row["values"]["EffectiveCost"]) == row["effective_cost"]
            assert row["values"]["ChargePeriodStart"].startswith(group["values"]["ChargeDay"])
        sql = group_rows_query("focus", grouping.dimensions, grouping.tag_keys, group["values"], path)
        assert "IS NOT DISTINCT FROM CAST(NULL AS VARCHAR)" in sql
        assert "file_row_number = true" in sql
