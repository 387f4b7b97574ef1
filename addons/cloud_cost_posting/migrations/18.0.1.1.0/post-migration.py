"""A policy's single environment plan becomes one of its chargeback analytic plans."""


def migrate(cr, version):
    cr.execute("""SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'cloud_cost_allocation_policy' AND column_name = 'environment_plan_id'""")
    if not cr.fetchone():
        return
    cr.execute(
        """INSERT INTO cloud_cost_posting_dimension (policy_id, company_id, sequence, plan_id, dimension,
                                                     create_uid, create_date, write_uid, write_date)
           SELECT p.id, p.company_id, 10, p.environment_plan_id, 'environment',
                  1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
             FROM cloud_cost_allocation_policy p
            WHERE p.environment_plan_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM cloud_cost_posting_dimension d
                               WHERE d.policy_id = p.id AND d.plan_id = p.environment_plan_id)"""
    )
