"""The allocation method registry: a method is one class, read by the engine (no database)."""

from decimal import Decimal

from odoo.tests.common import BaseCase

from ..core import methods
from ..core.engine import Policy, Step, allocate
from ..core.errors import AllocationError
from .engine_cases import bu, cost_rows, pool, pool_cost, totals

PLATFORM, SHARED = 1, 2
RETAIL, PAYMENTS, DATA = 10, 20, 30


class SquareMethod(methods.AllocationMethod):
    """Weights are the squares of a driver's values (a method of another addon, for these tests)."""

    key = "test_square"
    label = "Squares of a driver"
    uses_driver = True
    reciprocal = True

    def default_receivers(self, run, step):
        return sorted(run.drivers.get(step.driver_key, {}))

    def weights(self, run, step, receivers):
        values = run.drivers.get(step.driver_key, {})
        return [values.get(receiver, Decimal(0)) ** 2 for receiver in receivers]


class CapMethod(methods.AllocationMethod):
    """Gives each listed receiver at most ``options["cap"]`` and keeps the rest (a computation of its own)."""

    key = "test_cap"
    label = "Capped"

    def allocate(self, run, step):
        for receiver in run.receivers(step):
            run.credit(step, receiver, min(step.options["cap"], run.balances[step.sender]), "allocation")
        run.remainder(step)


class TestMethodRegistry(BaseCase):
    def setUp(self):
        super().setUp()
        for cls in (SquareMethod, CapMethod):
            methods.register(cls)
            self.addCleanup(methods._REGISTRY.pop, cls.key)

    def test_the_suites_methods_are_registered_in_selection_order(self):
        self.assertEqual(
            [key for key, _label in methods.selection(methods.BUILTIN)],
            ["direct", "driver", "even", "fixed", "direct_cost", "tier"],
        )
        self.assertEqual(methods.reciprocal_keys()[:4], ["driver", "even", "fixed", "direct_cost"])
        self.assertNotIn("tier", methods.reciprocal_keys())

    def test_a_registered_class_splits_exactly_by_its_weights_over_its_default_receivers(self):
        drivers = {"cpu": {bu(RETAIL): Decimal(1), bu(PAYMENTS): Decimal(2), bu(DATA): Decimal(3)}}
        result = allocate(
            cost_rows(pool_cost(PLATFORM, 10000)), Policy([Step(1, PLATFORM, "test_square", driver_key="cpu")]), drivers
        )
        result.check()
        # 1 : 4 : 9 of 100.00, largest remainder: 714.28.. -> 714, 2857.14.. -> 2857, 6428.57.. -> 6429
        self.assertEqual(totals(result), {RETAIL: 714, PAYMENTS: 2857, DATA: 6429})
        lines = result.lines.set_index("receiver")
        self.assertEqual(lines.at[DATA, "driver_value"], Decimal(9))
        self.assertEqual(lines.at[DATA, "method"], "test_square")

    def test_a_weight_method_may_sit_in_a_reciprocal_group_a_computation_may_not(self):
        drivers = {
            "cpu": {bu(RETAIL): Decimal(1), pool(SHARED): Decimal(1)},
            "mem": {bu(PAYMENTS): Decimal(1), pool(PLATFORM): Decimal(1)},
        }
        steps = [
            Step(1, PLATFORM, "test_square", driver_key="cpu", reciprocal_group="G"),
            Step(2, SHARED, "test_square", driver_key="mem", reciprocal_group="G"),
        ]
        result = allocate(cost_rows(pool_cost(PLATFORM, 3000), pool_cost(SHARED, 0)), Policy(steps), drivers)
        result.check()
        self.assertEqual(sum(totals(result).values()), 3000)
        steps[1] = Step(2, SHARED, "test_cap", reciprocal_group="G", options={"cap": 1})
        with self.assertRaisesRegex(AllocationError, r"a reciprocal group splits by weights \(.*test_square"):
            allocate(cost_rows(pool_cost(PLATFORM, 3000), pool_cost(SHARED, 10)), Policy(steps), drivers)

    def test_a_method_of_its_own_computation_reads_its_options_and_leaves_the_rest_idle(self):
        step = Step(1, PLATFORM, "test_cap", receivers=(bu(RETAIL), bu(PAYMENTS)), options={"cap": 4000})
        result = allocate(cost_rows(pool_cost(PLATFORM, 10001)), Policy([step]), {})
        result.check()
        self.assertEqual(totals(result), {RETAIL: 4000, PAYMENTS: 4000})
        self.assertEqual((result.idle, result.senders[PLATFORM].kept), (2001, 2001))

    def test_an_unregistered_method_is_refused_by_name(self):
        with self.assertRaisesRegex(AllocationError, "unknown method 'nowhere'"):
            allocate(cost_rows(pool_cost(PLATFORM, 100)), Policy([Step(1, PLATFORM, "nowhere")]), {})
        with self.assertRaisesRegex(AllocationError, "unknown method"):
            methods.get("nowhere")

    def test_validation_reads_the_steps_frozen_rule(self):
        fixed, driver, tier = methods.get("fixed"), methods.get("driver"), methods.get("tier")
        rule = {"key": None, "percents": [["a", 1, "33.33"], ["a", 2, "66.66"]], "reciprocal_group": ""}
        self.assertEqual(fixed.validate(rule), ["the percentages add up to 99.99 %, not 100 %."])
        self.assertEqual(fixed.validate({**rule, "percents": [["a", 1, "33.34"], ["a", 2, "66.66"]]}), [])
        self.assertEqual(driver.validate(rule), ["choose the allocation key whose values split the pool."])
        self.assertEqual(driver.validate({**rule, "key": [7, "CPU"]}), [])
        self.assertEqual(len(tier.validate({**rule, "key": [7, "CPU"], "reciprocal_group": "G"})), 1)
        self.assertIn("squares of a driver", tier.validate({"key": [7, "CPU"], "reciprocal_group": "G"})[0])
