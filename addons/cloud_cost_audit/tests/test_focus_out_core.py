"""Allocated results as FOCUS 1.3 rows, on small hand-checked cases (no database)."""

import json
from decimal import Decimal
from fractions import Fraction

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.focus_out import Line, Receiver, dumps, origins, period_end, ratios, split_charge, split_exact

D = Decimal
BU1, BU2, BU3 = ("a", 1), ("a", 2), ("a", 3)
P, Q = 10, 20
RECEIVERS = {
    bu: Receiver(f"cloudcost/business-unit/{bu[1]}", f"Unit {bu[1]}", {"cloudcost/business-unit": f"Unit {bu[1]}"})
    for bu in (BU1, BU2, BU3)
}


def by_receiver(parts):
    shares = {}
    for part in parts:
        key = part.line.receiver if part.line else None
        shares[key] = shares.get(key, 0) + part.fraction
    return shares


def charge(effective, billed=None, **values):
    return {
        "EffectiveCost": D(effective),
        "BilledCost": D(billed or effective),
        "BillingCurrency": "USD",
        "Tags": None,
        **values,
    }


@tagged("post_install", "-at_install")
class TestFocusOutCore(PlainCase):
    def test_a_pool_split_by_a_driver_splits_each_of_its_charges_and_each_adds_up_exactly(self):
        lines = [
            Line(i, P, bu, D(amount), "driver", "allocation", (1, 1))
            for i, (bu, amount) in enumerate([(BU1, "33.34"), (BU2, "33.33"), (BU3, "33.33")], start=1)
        ]
        parts = origins(lines, {P: [101, 102]}, {P: D("100.00")})
        assert by_receiver(parts[101]) == {
            BU1: Fraction(3334, 10000),
            BU2: Fraction(3333, 10000),
            BU3: Fraction(3333, 10000),
        }
        rows = split_charge(charge("0.0000054", "0.01"), parts[101], RECEIVERS, 2, "MONTH", "MONTH 2026-10")
        assert [row["AllocatedResourceId"] for row in rows] == [f"cloudcost/business-unit/{n}" for n in (1, 2, 3)]
        assert sum(row["EffectiveCost"] for row in rows) == D("0.0000054")  # the value's own places: exact
        assert [row["BilledCost"] for row in rows] == [D("0.01"), D("0.00"), D("0.00")]  # cents: the largest remainder
        assert {row["AllocatedMethodId"] for row in rows} == {"MONTH/driver"}
        details = [json.loads(row["AllocatedMethodDetails"]) for row in rows]
        assert sum(D(str(d["Elements"][0]["AllocatedRatio"])) for d in details) == 1
        assert '"AllocatedRatio":0.333400000000' in rows[0]["AllocatedMethodDetails"]  # an exact JSON number
        assert json.loads(rows[1]["AllocatedTags"]) == {"cloudcost/business-unit": "Unit 2"}

    def test_step_down_a_pools_charges_follow_the_share_it_sent_to_the_next_pool(self):
        # P holds 100 (60 + 40): 40 to BU1, 60 to Q; Q holds 50 of its own and the 60: 55 to BU2 and BU3 each
        lines = [
            Line(1, P, BU1, D("40"), "driver", "allocation", (1, 1)),
            Line(2, P, ("p", Q), D("60"), "driver", "allocation", (1, 1)),
            Line(3, Q, BU2, D("55"), "even", "allocation", (2, 2)),
            Line(4, Q, BU3, D("55"), "even", "allocation", (2, 2)),
        ]
        parts = origins(lines, {P: [101, 102], Q: [201]}, {P: D("100"), Q: D("50")})
        assert by_receiver(parts[101]) == {BU1: Fraction(2, 5), BU2: Fraction(3, 10), BU3: Fraction(3, 10)}
        assert by_receiver(parts[201]) == {BU2: Fraction(1, 2), BU3: Fraction(1, 2)}
        # each receiver gets what its allocation lines say: BU2 = 0.3 x 100 + 0.5 x 50
        received = {}
        for cost, amount in ((101, 60), (102, 40), (201, 50)):
            for bu, fraction in by_receiver(parts[cost]).items():
                received[bu] = received.get(bu, 0) + fraction * amount
        assert received == {BU1: 40, BU2: 55, BU3: 55}
        rows = split_charge(charge("60"), parts[101], RECEIVERS, 2, "MONTH", "run")
        assert [row["EffectiveCost"] for row in rows] == [D("24.00"), D("18.00"), D("18.00")]
        assert rows[1]["AllocatedMethodId"] == "MONTH/even"  # the method of the line that reached the unit

    def test_direct_attribution_takes_its_charges_whole_and_what_is_kept_stays_one_plain_row(self):
        lines = [
            Line(1, P, BU1, D("200"), "direct", "allocation", (1, 1), cost_ids=frozenset({101})),
            Line(2, P, None, D("100"), "idle", "idle", (0, 0)),
        ]
        parts = origins(lines, {P: [101, 102]}, {P: D("300")})
        assert by_receiver(parts[101]) == {BU1: 1}
        assert by_receiver(parts[102]) == {None: 1}
        rows = split_charge(charge("100", Tags='{"team":"a"}'), parts[102], RECEIVERS, 2, "MONTH", "run")
        assert rows == [charge("100", Tags='{"team":"a"}')]  # not split: no allocation columns
        (row,) = split_charge(charge("200"), parts[101], RECEIVERS, 2, "MONTH", "run")
        assert (row["EffectiveCost"], row["AllocatedResourceName"], row["AllocatedMethodId"]) == (
            D("200"),
            "Unit 1",
            "MONTH/direct",
        )

    def test_direct_attribution_after_a_receipt_attributes_its_own_charges_and_passes_the_receipt_on(self):
        # P sends all of its 100 to Q; Q attributes its own charge 201 (its business unit BU1) and passes the rest
        # (P's 100) to BU2; the trace also finds P's charge 101 behind the direct line when it carries BU1 too
        lines = [
            Line(1, P, ("p", Q), D("100"), "even", "allocation", (1, 1)),
            Line(2, Q, BU1, D("50"), "direct", "allocation", (2, 2), cost_ids=frozenset({101, 201})),
            Line(3, Q, BU2, D("100"), "direct", "remainder", (2, 2)),
        ]
        parts = origins(lines, {P: [101], Q: [201]}, {P: D("100"), Q: D("50")})
        assert by_receiver(parts[201]) == {BU1: 1}
        assert by_receiver(parts[101]) == {BU2: 1}

    def test_a_partly_kept_charge_shows_its_unallocated_portion_without_a_resource(self):
        lines = [
            Line(1, P, BU1, D("70"), "tier", "allocation", (1, 1)),
            Line(2, P, None, D("30"), "idle", "idle", (0, 0)),
        ]
        parts = origins(lines, {P: [101]}, {P: D("100")})
        rows = split_charge(charge("100"), parts[101], RECEIVERS, 2, "MONTH", "run")
        assert [(row["AllocatedResourceId"], row["EffectiveCost"]) for row in rows] == [
            ("cloudcost/business-unit/1", D("70.00")),
            (None, D("30.00")),
        ]
        assert rows[1]["AllocatedMethodId"] == "MONTH/idle"
        assert rows[1]["AllocatedTags"] is None

    def test_direct_and_unallocated_cost_go_to_the_most_specific_line_the_trace_finds(self):
        lines = [
            # two direct lines of one business unit and set of dimensions (two tiers): they share its charges
            Line(1, 0, BU1, D("30"), "direct", "direct", cost_ids=frozenset({1, 2})),
            Line(2, 0, BU1, D("10"), "direct", "direct", cost_ids=frozenset({1, 2})),
            # unallocated cost shared over business units: all unallocated lines are behind each
            Line(3, 0, BU2, D("5"), "unallocated", "unallocated", cost_ids=frozenset({3, 4})),
            Line(4, 0, BU3, D("15"), "unallocated", "unallocated", cost_ids=frozenset({3, 4})),
            # kept with its environment: the trace also finds it behind the lines without one
            Line(5, 0, None, D("7"), "unallocated", "unallocated", cost_ids=frozenset({4})),
        ]
        parts = origins(lines, {}, {})
        assert by_receiver(parts[1]) == {BU1: 1}
        assert [part.fraction for part in parts[1]] == [Fraction(3, 4), Fraction(1, 4)]
        assert by_receiver(parts[3]) == {BU2: Fraction(1, 4), BU3: Fraction(3, 4)}
        assert by_receiver(parts[4]) == {None: 1}

    def test_a_reciprocal_group_is_one_holding_and_its_lines_inside_it_move_nothing(self):
        lines = [
            Line(1, P, ("p", Q), D("20"), "driver", "allocation", (1, 1), group="G"),
            Line(2, Q, ("p", P), D("10"), "driver", "allocation", (2, 2), group="G"),
            Line(3, P, BU1, D("90"), "driver", "allocation", (1, 1), group="G"),
            Line(4, Q, BU2, D("60"), "driver", "allocation", (2, 2), group="G"),
        ]
        parts = origins(lines, {P: [101], Q: [201]}, {P: D("100"), Q: D("50")})
        assert by_receiver(parts[101]) == by_receiver(parts[201]) == {BU1: Fraction(3, 5), BU2: Fraction(2, 5)}

    def test_exact_splits_in_yen_dinars_and_of_credits(self):
        thirds = [Fraction(1, 3)] * 3
        assert split_exact("1000", thirds, 0) == [D(334), D(333), D(333)]
        assert split_exact("1.000", thirds, 3) == [D("0.334"), D("0.333"), D("0.333")]
        assert split_exact("-0.05", [Fraction(1, 2)] * 2, 2) == [D("-0.03"), D("-0.02")]
        assert sum(split_exact("12.3456789", thirds, 2)) == D("12.3456789")
        assert sum(ratios(thirds)) == 1

    def test_values_as_focus_writes_them(self):
        assert dumps({"b": D("0.50"), "a": [D("1E-7"), "x"]}) == '{"a":[0.0000001,"x"],"b":0.50}'
        assert dumps({}) is None
        from datetime import date  # noqa: PLC0415

        assert period_end(date(2026, 10, 1), date(2026, 10, 31)) == date(2026, 11, 1)
        assert period_end(date(2026, 10, 1), date(2026, 11, 1)) == date(2026, 11, 1)
