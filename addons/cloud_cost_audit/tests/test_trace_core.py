import gzip
import io
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase
from odoo.addons.cloud_cost_allocation.models.cloud_cost_allocation_line import cost_view_conditions

from ..core.source_rows import read_rows
from ..core.trace import combine_file_groups, cost_lines_shared, driver_shares, rule_items, step_rule, whole_units


@tagged("post_install", "-at_install")
class TestTraceCore(PlainCase):
    def test_driver_shares_are_exact_and_flag_the_receiver(self):
        rows, total = driver_shares([["a", 7, "30.000000"], ["a", 9, "10"], ["p", 3, "0"]], ("a", "9"))
        assert total == Decimal(40)
        assert [(row["kind"], row["id"], row["share"], row["is_receiver"]) for row in rows] == [
            ("a", 7, Decimal("0.75"), False),
            ("a", 9, Decimal("0.25"), True),
            ("p", 3, Decimal(0), False),
        ]
        assert sum(row["share"] for row in rows) == 1

    def test_driver_shares_of_nothing(self):
        assert driver_shares([], None) == ([], Decimal(0))
        rows, _total = driver_shares([["a", 1, "0"]], ("a", 1))
        assert rows[0]["share"] == 0

    def test_the_cost_lines_behind_a_line_share_its_unit_and_dimensions_only_when_they_follow_it(self):
        unit_and_env = [7, "prod", "", "", "", ""]
        assert cost_view_conditions(5, [], "direct", False, unit_and_env) == (
            [("run_id", "=", 5), ("cost_pool_id", "=", False)],
            ["analytic_account_id", "environment"],
        )
        assert cost_view_conditions(5, [], "unallocated", False, [False, "", "t1", "", "", ""]) == (
            [("run_id", "=", 5), ("cost_pool_id", "=", False), ("analytic_account_id", "=", False)],
            ["tenant"],
        )
        assert cost_view_conditions(5, [3, 4], "allocation", "driver", unit_and_env) == (
            [("run_id", "=", 5), ("cost_pool_id", "in", [3, 4])],
            [],
        ), "a pool's share takes the whole pool, whoever receives it"
        assert cost_view_conditions(5, [3], "allocation", "direct", unit_and_env) == (
            [("run_id", "=", 5), ("cost_pool_id", "in", [3])],
            ["analytic_account_id", "environment"],
        ), "the direct method: the receiver's own lines of the pool"

    def test_cost_lines_follow_the_pool_or_the_receiver(self):
        assert cost_lines_shared(3, "allocation", "driver")
        assert cost_lines_shared(3, "remainder", "even")
        assert not cost_lines_shared(3, "allocation", "direct"), "the direct method takes the receiver's own"
        assert not cost_lines_shared(False, "direct", False)
        assert not cost_lines_shared(False, "unallocated", False)

    def test_direct_lines_are_found_by_unit_only_when_they_are_all_of_their_units(self):
        assert whole_units(3, 3)
        assert not whole_units(2, 3), "a part of the units' direct lines: matched line by line"
        assert not whole_units(1, 1), "one line reads its own cost lines"

    def test_the_files_of_several_pools_add_up_exactly_file_by_file(self):
        platform = [(4, "b.csv", 2, "10.005", "10.005", 7, 9), (4, None, 1, "0.10", "0.10", None, None)]
        runtime = [
            (4, "b.csv", 3, "0.001", "0.002", 2, 8),
            (4, "a.csv", 1, "5", "5", 1, 1),
            (3, "z.csv", 1, "1", "1", 4, 4),
        ]
        combined = combine_file_groups([platform, runtime])
        assert combined == [
            (3, "z.csv", 1, "1", "1", 4, 4),
            (4, "a.csv", 1, "5", "5", 1, 1),
            (4, "b.csv", 5, "10.006", "10.007", 2, 9),
            (4, None, 1, "0.10", "0.10", None, None),
        ]
        assert combine_file_groups([platform]) == [platform[0], platform[1]]
        assert combine_file_groups([]) == []

    def test_step_rule_by_id_then_by_sequence_and_its_items_named(self):
        snapshot = {
            "rules": {
                "steps": [
                    {
                        "id": 4,
                        "sequence": 1,
                        "name": "Platform",
                        "sender_pool": [2, "[PLAT] Platform"],
                        "method": "fixed",
                        "key": None,
                        "cost_category": "all",
                        "receivers": [],
                        "excluded": [["a", 5, "Lab"]],
                        "percents": [["a", 7, "60.00"], ["a", 9, "40.00"]],
                        "remainder": ["p", 3],
                        "reciprocal_group": "",
                    },
                    {"id": 6, "sequence": 2, "name": "Runtime", "method": "direct"},
                ]
            }
        }
        assert step_rule(snapshot, 6, 99)["name"] == "Runtime"
        assert step_rule(snapshot, 77, 1)["id"] == 4, "a deleted step is found by its sequence"
        assert step_rule(snapshot, None, 3) is None
        assert step_rule({}, 4, 1) is None
        items = dict(rule_items(step_rule(snapshot, 4, 1), lambda kind, ident: f"{kind}-{ident}"))
        assert items["Sender pool"] == "[PLAT] Platform"
        assert items["Percentages"] == "a-7: 60.00 %, a-9: 40.00 %"
        assert items["Remainder to"] == "p-3"
        assert items["Excluded"] == "Lab"
        assert items["Receivers"] == "the method's receivers"

    def test_rows_of_a_gzip_csv_stop_at_the_last_wanted_row(self):
        body = b"A,B\n" + b"".join(b"%d,x\n" % n for n in range(1, 1001)) + b'1001,"broken\n'
        data = gzip.compress(body)
        assert read_rows(data, "bill.csv.gz", {2, 999}) == {2: {"A": "2", "B": "x"}, 999: {"A": "999", "B": "x"}}

    def test_rows_of_json_lines_keep_numbers_exact(self):
        data = gzip.compress(b'{"cost": 0.1000000001, "n": 1}\n\n{"cost": 2.50, "n": 3}\n')
        rows = read_rows(data, "export.jsonl.gz", {1, 3})
        assert rows == {1: {"cost": Decimal("0.1000000001"), "n": 1}, 3: {"cost": Decimal("2.50"), "n": 3}}

    def test_rows_of_a_parquet_file_from_the_row_groups_holding_them(self):
        table = pa.table(
            {
                "EffectiveCost": pa.array([Decimal(n) / 4 for n in range(1, 101)], pa.decimal128(12, 4)),
                "ServiceName": [f"service {n}" for n in range(1, 101)],
            }
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer, row_group_size=30)
        rows = read_rows(buffer.getvalue(), "part-0.snappy.parquet", {1, 31, 100, 101})
        assert rows == {
            1: {"EffectiveCost": "0.25", "ServiceName": "service 1"},
            31: {"EffectiveCost": "7.75", "ServiceName": "service 31"},
            100: {"EffectiveCost": "25", "ServiceName": "service 100"},
        }
