"""Direct, step-down and reciprocal allocation on the published textbook example.

Source: C. T. Horngren, S. M. Datar, M. V. Rajan, *Cost Accounting: A Managerial
Emphasis*, 14th edition (Pearson, 2012), chapter 15, "Allocation of Support-Department
Costs, Common Costs, and Revenues", the Robinson Company example (exhibits 15-2 to 15-5).

Two support departments, Plant Maintenance (PM, budgeted overhead $6,300,000) and
Information Systems (IS, $1,452,000), serve two operating departments, Machining
($10,550,000) and Assembly ($6,400,000); total $24,702,000. Usage shares:

    PM (labour-hours): IS 20 %, Machining 30 %, Assembly 50 %
    IS (computer hours): PM 10 %, Machining 80 %, Assembly 10 %

Published results (whole dollars):

    direct method        Machining $14,203,167  Assembly $10,498,833
                         (PM: 2,362,500 / 3,937,500; IS: 1,290,667 / 161,333)
    step-down, PM first  Machining $14,850,667  Assembly $9,851,333
                         (PM to IS 1,260,000; IS then 2,712,000: 2,410,667 / 301,333)
    reciprocal           PM fully loaded $6,576,735, IS $2,767,347;
                         Machining $14,736,898  Assembly $9,965,102

Here the support departments are cost pools, the operating departments business
units with their own direct cost, and the usage shares a driver.
"""

from decimal import Decimal

import numpy as np

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core import reciprocal
from ..core.engine import Policy, Step, allocate
from .engine_cases import bu, cost_rows, direct_cost, pool, pool_cost, totals, values

PM, IS = 1, 2
MACHINING, ASSEMBLY = 10, 20
DRIVERS = {
    "labour_hours": values({pool(IS): 20, bu(MACHINING): 30, bu(ASSEMBLY): 50}),
    "computer_hours": values({pool(PM): 10, bu(MACHINING): 80, bu(ASSEMBLY): 10}),
}


def robinson(*steps):
    costs = cost_rows(
        pool_cost(PM, 6_300_000_00),
        pool_cost(IS, 1_452_000_00),
        direct_cost(MACHINING, 10_550_000_00),
        direct_cost(ASSEMBLY, 6_400_000_00),
    )
    result = allocate(costs, Policy(list(steps)), DRIVERS)
    result.check()
    assert result.total == 24_702_000_00
    return result


def dollars(cents):
    return int((Decimal(cents) / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def received(result, sender, receiver):
    lines = result.lines
    mask = (lines["sender"] == sender) & (lines["receiver"] == receiver)
    return int(lines.loc[mask, "cents"].sum())


@tagged("post_install", "-at_install")
class TestEngineTextbook(PlainCase):
    def test_direct_method(self):
        result = robinson(
            Step(1, PM, "driver", sequence=1, driver_key="labour_hours", excluded=frozenset({pool(IS)})),
            Step(2, IS, "driver", sequence=2, driver_key="computer_hours", excluded=frozenset({pool(PM)})),
        )
        assert received(result, PM, MACHINING) == 2_362_500_00
        assert received(result, PM, ASSEMBLY) == 3_937_500_00
        assert dollars(received(result, IS, MACHINING)) == 1_290_667
        assert dollars(received(result, IS, ASSEMBLY)) == 161_333
        assert totals(result) == {MACHINING: 14_203_166_67, ASSEMBLY: 10_498_833_33}
        assert {k: dollars(v) for k, v in totals(result).items()} == {MACHINING: 14_203_167, ASSEMBLY: 10_498_833}

    def test_step_down_method_plant_maintenance_first(self):
        result = robinson(
            Step(1, PM, "driver", sequence=1, driver_key="labour_hours"),
            Step(2, IS, "driver", sequence=2, driver_key="computer_hours", excluded=frozenset({pool(PM)})),
        )
        assert received(result, PM, IS) == 1_260_000_00
        assert result.senders[IS].total == 2_712_000_00
        assert dollars(received(result, IS, MACHINING)) == 2_410_667
        assert dollars(received(result, IS, ASSEMBLY)) == 301_333
        assert {k: dollars(v) for k, v in totals(result).items()} == {MACHINING: 14_850_667, ASSEMBLY: 9_851_333}
        for sender in (PM, IS):
            assert result.senders[sender].credited_percent == Decimal(100)

    def test_reciprocal_method(self):
        result = robinson(
            Step(1, PM, "driver", sequence=1, driver_key="labour_hours", reciprocal_group="support"),
            Step(2, IS, "driver", sequence=2, driver_key="computer_hours", reciprocal_group="support"),
        )
        # fully loaded (reciprocal) costs: each pool is credited its own cost plus what it received
        assert dollars(result.senders[PM].credited) == 6_576_735
        assert dollars(result.senders[IS].credited) == 2_767_347
        machining, assembly = totals(result)[MACHINING], totals(result)[ASSEMBLY]
        assert (dollars(machining), dollars(assembly)) == (14_736_898, 9_965_102)
        # exact values are 14,736,897.959... and 9,965,102.040...: within a cent each, and to the cent in total
        assert abs(machining - 14_736_897_96) <= 1 and abs(assembly - 9_965_102_04) <= 1
        assert machining + assembly == 24_702_000_00
        for sender in (PM, IS):
            assert result.senders[sender].credited_percent == Decimal(100)

    def test_reciprocal_solution_equals_repeated_iterations(self):
        """Horngren's 'repeated iterations' presentation converges to the same loaded costs."""
        shares = [[0, 0.2], [0.1, 0]]
        outside = [0.8, 0.9]
        exact = reciprocal.solve([6_300_000, 1_452_000], shares, outside)
        iterated, _left, rounds = reciprocal.iterate([6_300_000, 1_452_000], shares, outside, tolerance=1e-9)
        assert np.allclose(exact, [6_576_734.69, 2_767_346.94], atol=0.01)
        assert np.allclose(exact, iterated, atol=1e-6) and rounds > 5
