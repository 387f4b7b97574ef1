from .models.cloud_cost_allocation_run import SEALED_STATES


def post_init_hook(env):
    """Seal the runs already approved, posted or reversed: their content from now on is verifiable."""
    env["cloud.cost.allocation.run"].with_context(active_test=False).search([("state", "in", SEALED_STATES)])._seal()
