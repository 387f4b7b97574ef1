"""The allocation methods one by one, on small hand-checked cases (no database)."""

from decimal import Decimal

import pytest

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase, parametrize

from ..core.engine import Policy, Step, allocate
from ..core.errors import AllocationError
from .engine_cases import bu, cost_rows, direct_cost, pool, pool_cost, totals, unallocated_cost, values

PLATFORM, RUNTIME, BACKUP = 1, 2, 3
RETAIL, PAYMENTS, DATA = 10, 20, 30


def run(rows, steps, drivers=None, **policy):
    result = allocate(cost_rows(*rows), Policy(list(steps), **policy), drivers or {})
    result.check()
    return result


@tagged("post_install", "-at_install")
class TestEngineMethods(PlainCase):
    def test_driver_split_is_exact_to_the_cent_and_credits_the_sender_100_percent(self):
        result = run(
            [pool_cost(PLATFORM, 10000)],
            [Step(1, PLATFORM, "driver", driver_key="cpu")],
            {"cpu": values({bu(RETAIL): 1, bu(PAYMENTS): 1, bu(DATA): 1})},
        )
        assert sorted(totals(result).values()) == [3333, 3333, 3334]
        sender = result.senders[PLATFORM]
        assert (sender.own, sender.credited, sender.kept, sender.credited_percent) == (10000, 10000, 0, Decimal(100))
        lines = result.lines[result.lines["sender"] == PLATFORM]
        assert sorted(lines["driver_value"]) == [Decimal(1)] * 3
        assert sum(lines["share"]) == Decimal("0.999999999999")  # three thirds shown to twelve places

    def test_even_split_over_listed_receivers_ignores_driver_values(self):
        result = run(
            [pool_cost(PLATFORM, 1000)],
            [Step(1, PLATFORM, "even", receivers=(bu(RETAIL), bu(PAYMENTS), bu(DATA), bu(40)))],
            {"cpu": values({bu(RETAIL): 99})},
        )
        assert totals(result) == {RETAIL: 250, PAYMENTS: 250, DATA: 250, 40: 250}

    def test_even_split_defaults_to_business_units_with_direct_cost(self):
        result = run(
            [pool_cost(PLATFORM, 90), direct_cost(RETAIL, 5), direct_cost(DATA, 7)],
            [Step(1, PLATFORM, "even")],
        )
        assert totals(result) == {RETAIL: 5 + 45, DATA: 7 + 45}

    def test_fixed_percentages_must_have_two_decimals_and_add_up_to_100(self):
        with pytest.raises(AllocationError, match="add up to 99.99 %, not 100 %"):
            run(
                [pool_cost(PLATFORM, 100)],
                [Step(1, PLATFORM, "fixed", percents=values({bu(RETAIL): "60.00", bu(PAYMENTS): "39.99"}))],
            )
        with pytest.raises(AllocationError, match="at most two decimals"):
            run(
                [pool_cost(PLATFORM, 100)],
                [Step(1, PLATFORM, "fixed", percents=values({bu(RETAIL): "66.665", bu(PAYMENTS): "33.335"}))],
            )
        result = run(
            [pool_cost(PLATFORM, 10)],
            [Step(1, PLATFORM, "fixed", percents=values({bu(RETAIL): "66.67", bu(PAYMENTS): "33.33"}))],
        )
        assert totals(result) == {RETAIL: 7, PAYMENTS: 3}

    def test_direct_cost_split_can_count_only_compute(self):
        rows = [
            pool_cost(PLATFORM, 1000),
            direct_cost(RETAIL, 300, category="Compute"),
            direct_cost(RETAIL, 9000, category="Storage"),
            direct_cost(PAYMENTS, 100, category="Compute"),
        ]
        everything = run(rows, [Step(1, PLATFORM, "direct_cost")])
        assert totals(everything) == {RETAIL: 9300 + 989, PAYMENTS: 100 + 11}
        compute = run(rows, [Step(1, PLATFORM, "direct_cost", category="compute")])
        assert totals(compute) == {RETAIL: 9300 + 750, PAYMENTS: 100 + 250}

    def test_direct_attribution_follows_the_lines_and_sends_the_rest_where_asked(self):
        rows = [
            pool_cost(RUNTIME, 4000, analytic=RETAIL, service="Amazon EKS"),
            pool_cost(RUNTIME, 6000, analytic=PAYMENTS, service="Amazon RDS"),
            pool_cost(RUNTIME, 500),  # a pod nobody claims
        ]
        kept = run(rows, [Step(1, RUNTIME, "direct")])
        assert totals(kept) == {RETAIL: 4000, PAYMENTS: 6000}
        assert kept.idle == 500 and kept.senders[RUNTIME].kept == 500
        idle_line = kept.lines[kept.lines["line_type"] == "idle"]
        assert list(idle_line["receiver_kind"]) == ["none"] and list(idle_line["cents"]) == [500]
        by_service = kept.lines[kept.lines["receiver"] == RETAIL]
        assert list(by_service["service"]) == ["Amazon EKS"]
        to_data = run(rows, [Step(1, RUNTIME, "direct", remainder=bu(DATA))])
        assert totals(to_data) == {RETAIL: 4000, PAYMENTS: 6000, DATA: 500}
        assert to_data.senders[RUNTIME].credited_percent == Decimal(100)

    def test_excluded_receivers_get_nothing(self):
        result = run(
            [pool_cost(PLATFORM, 900)],
            [Step(1, PLATFORM, "driver", driver_key="cpu", excluded=frozenset({bu(DATA)}))],
            {"cpu": values({bu(RETAIL): 1, bu(PAYMENTS): 2, bu(DATA): 6})},
        )
        assert totals(result) == {RETAIL: 300, PAYMENTS: 600}

    def test_tier_rate_card_charges_units_at_the_receivers_price_and_keeps_the_rest_as_idle(self):
        # 10 GB at 1.00 (standard) and 10 GB at 1.40 (mission-critical: the premium the receiver asked for)
        step = Step(
            1,
            BACKUP,
            "tier",
            driver_key="backup_gb",
            unit_prices={bu(RETAIL): Decimal("1.00"), bu(PAYMENTS): Decimal("1.40")},
        )
        drivers = {"backup_gb": values({bu(RETAIL): 10, bu(PAYMENTS): 10})}
        result = run([pool_cost(BACKUP, 3000)], [step], drivers)
        assert totals(result) == {RETAIL: 1000, PAYMENTS: 1400}
        assert result.idle == 600
        premium = result.lines[(result.lines["receiver"] == PAYMENTS)]
        assert list(premium["unit_price"]) == [Decimal("1.40")] and list(premium["driver_value"]) == [Decimal(10)]
        # the remainder to a chosen receiver instead
        step.remainder = bu(DATA)
        result = run([pool_cost(BACKUP, 3000)], [step], drivers)
        assert totals(result) == {RETAIL: 1000, PAYMENTS: 1400, DATA: 600}
        # a rate card asking for more than the pool holds charges no more than the cost, pro rata
        result = run([pool_cost(BACKUP, 1200)], [step], drivers)
        assert totals(result) == {RETAIL: 500, PAYMENTS: 700}

    def test_tier_without_a_price_for_a_receiver_is_refused(self):
        step = Step(1, BACKUP, "tier", driver_key="gb", unit_prices={bu(RETAIL): Decimal(1)})
        with pytest.raises(AllocationError, match="no rate card price for analytic 20"):
            run([pool_cost(BACKUP, 10)], [step], {"gb": values({bu(RETAIL): 1, bu(PAYMENTS): 1})})

    def test_step_down_pools_feed_pools_and_upstream_is_traced(self):
        result = run(
            [pool_cost(PLATFORM, 1000), pool_cost(RUNTIME, 2000)],
            [
                Step(1, PLATFORM, "fixed", sequence=1, percents=values({pool(RUNTIME): 50, bu(DATA): 50})),
                Step(2, RUNTIME, "driver", sequence=2, driver_key="users"),
            ],
            {"users": values({bu(RETAIL): 3, bu(PAYMENTS): 1})},
        )
        assert totals(result) == {DATA: 500, RETAIL: 1875, PAYMENTS: 625}
        runtime = result.senders[RUNTIME]
        assert (runtime.own, runtime.received, runtime.credited) == (2000, 500, 2500)
        assert runtime.upstream == {PLATFORM}

    def test_sending_to_a_pool_after_its_last_step_is_refused(self):
        with pytest.raises(AllocationError, match="after its last step"):
            run(
                [pool_cost(PLATFORM, 1000), pool_cost(RUNTIME, 2000)],
                [
                    Step(1, RUNTIME, "even", sequence=1, receivers=(bu(RETAIL),)),
                    Step(2, PLATFORM, "even", sequence=2, receivers=(pool(RUNTIME),)),
                ],
            )

    def test_zero_driver_values_with_cost_to_split_name_the_step(self):
        with pytest.raises(AllocationError, match=r"step 7 \(Platform by CPU, pool 1\): no receiver has a weight"):
            run(
                [pool_cost(PLATFORM, 1)],
                [Step(1, PLATFORM, "driver", sequence=7, name="Platform by CPU", driver_key="cpu")],
                {"cpu": values({bu(RETAIL): 0})},
            )

    def test_reciprocal_group_that_never_reaches_a_receiver_is_refused(self):
        steps = [
            Step(1, PLATFORM, "even", receivers=(pool(RUNTIME),), reciprocal_group="svc"),
            Step(2, RUNTIME, "even", receivers=(pool(PLATFORM),), reciprocal_group="svc"),
        ]
        with pytest.raises(AllocationError, match="has no solution: pool 1, pool 2 only send cost to each other"):
            run([pool_cost(PLATFORM, 10), pool_cost(RUNTIME, 10)], steps)

    @parametrize(
        "how, receiver, expected",
        [
            ("keep", None, {RETAIL: 300, PAYMENTS: 100}),
            ("share", None, {RETAIL: 300 + 75, PAYMENTS: 100 + 25}),
            ("receiver", bu(DATA), {RETAIL: 300, PAYMENTS: 100, DATA: 100}),
        ],
    )
    def test_unallocated_cost_is_kept_visible_shared_or_charged(self, how, receiver, expected):
        result = run(
            [direct_cost(RETAIL, 300), direct_cost(PAYMENTS, 100), unallocated_cost(100, service="AWS Support")],
            [],
            unallocated=how,
            unallocated_receiver=receiver,
        )
        assert totals(result) == expected
        assert result.unallocated == 100
        assert result.allocated == 400
        if how == "keep":
            kept = result.lines[result.lines["line_type"] == "unallocated"]
            assert list(kept["service"]) == ["AWS Support"] and list(kept["receiver_kind"]) == ["none"]

    def test_idle_pool_cost_can_be_shared_so_the_pool_is_credited_100_percent(self):
        result = run(
            [pool_cost(PLATFORM, 1000), direct_cost(RETAIL, 1), direct_cost(PAYMENTS, 3)],
            [],  # no step for the pool: its cost is idle
            idle="share",
        )
        assert totals(result) == {RETAIL: 1 + 250, PAYMENTS: 3 + 750}
        assert result.senders[PLATFORM].credited_percent == Decimal(100)
        assert result.idle == 1000

    def test_credits_are_split_with_their_sign(self):
        result = run(
            [pool_cost(PLATFORM, -5)],
            [Step(1, PLATFORM, "even", receivers=(bu(RETAIL), bu(PAYMENTS)))],
        )
        assert sorted(totals(result).values()) == [-3, -2]
