from odoo.tests.common import TransactionCase, new_test_user


class AllocationCase(TransactionCase):
    """A company with one October bill, two pools, three business units, drivers and a policy.

    October 2026 cost lines (company currency), 1,075.00 in all:
      shared platform pool  300.00  (prod, Compute)
      tenant runtime pool   200.00 Retail (prod), 300.00 Payments (prod), 100.00 no business unit (staging)
      direct cost           100.00 Retail (prod, Compute), 50.00 Payments (dev, Storage)
      unallocated            25.00
    Policy MONTH: 1) platform by CPU core-hours (Retail 30, Payments 10); 2) runtime by direct attribution,
    the rest kept in the pool (idle). Users driver: Retail 40, Payments 10.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env["res.company"].create({"name": "Allocation Co"})
        cls.other_company = env["res.company"].create({"name": "Other Co"})
        company = cls.company
        plan = env["account.analytic.plan"].create({"name": "Business units"})
        Account = env["account.analytic.account"]
        cls.retail, cls.payments, cls.data = (
            Account.create({"name": name, "plan_id": plan.id, "company_id": company.id})
            for name in ("Retail", "Payments", "Data")
        )
        Pool = env["cloud.cost.pool"]
        cls.platform = Pool.create({"name": "Shared platform", "code": "PLAT", "company_id": company.id})
        cls.runtime = Pool.create(
            {"name": "Tenant runtime", "code": "RUNT", "company_id": company.id, "pool_type": "tenant_runtime"}
        )
        Key = env["cloud.cost.allocation.key"]
        cls.cpu = Key.create({"name": "CPU core-hours", "code": "CPU", "unit": "core-hours", "company_id": company.id})
        cls.users_key = Key.create(
            {
                "name": "Active users",
                "code": "USERS",
                "unit": "users",
                "company_id": company.id,
                "measure": "active_users",
            }
        )
        cls.source = env["cloud.cost.source"].create({"name": "FOCUS export", "company_id": company.id})
        cls.batch = cls.make_batch(
            [
                (cls.platform, None, "300.00", "prod", "Compute"),
                (cls.runtime, cls.retail, "200.00", "prod", "Compute"),
                (cls.runtime, cls.payments, "300.00", "prod", "Compute"),
                (cls.runtime, None, "100.00", "staging", "Compute"),
                (None, cls.retail, "100.00", "prod", "Compute"),
                (None, cls.payments, "50.00", "dev", "Storage"),
                (None, None, "25.00", None, "Other"),
            ]
        )
        cls.set_driver(cls.cpu, {cls.retail: 30, cls.payments: 10})
        cls.set_driver(cls.users_key, {cls.retail: 40, cls.payments: 10})
        cls.policy = env["cloud.cost.allocation.policy"].create(
            {
                "name": "Month-end",
                "code": "MONTH",
                "company_id": company.id,
                "user_key_id": cls.users_key.id,
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 1,
                            "name": "Platform by CPU",
                            "sender_pool_id": cls.platform.id,
                            "method": "driver",
                            "key_id": cls.cpu.id,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "sequence": 2,
                            "name": "Runtime as tagged",
                            "sender_pool_id": cls.runtime.id,
                            "method": "direct",
                        },
                    ),
                ],
            }
        )

        def user(login, group):
            return new_test_user(
                env,
                login=login,
                groups=f"base.group_user,cloud_cost.{group}",
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.cost_user = user("alloc_user", "group_cloud_cost_user")
        cls.accountant = user("alloc_accountant", "group_cloud_cost_accountant")
        cls.controller = user("alloc_controller", "group_cloud_cost_controller")
        cls.controller_2 = user("alloc_controller_2", "group_cloud_cost_controller")
        cls.auditor = user("alloc_auditor", "group_cloud_cost_auditor")
        cls.other_user = new_test_user(
            env,
            login="alloc_other",
            groups="base.group_user,cloud_cost.group_cloud_cost_controller",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )

    @classmethod
    def make_batch(cls, rows, state="imported", period=("2026-10-01", "2026-10-31")):
        batch = cls.env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": cls.source.id,
                "company_id": cls.company.id,
                "billing_period_start": period[0],
                "billing_period_end": period[1],
                "state": state,
            }
        )
        cls.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": cls.company.id,
                    "charge_description": f"Row {row}",
                    "charge_category": "Usage",
                    "billing_period_start": period[0],
                    "charge_period_start": f"{period[0]} 00:00:00",
                    "provider_name": "AWS",
                    "service_name": "Amazon EKS" if category == "Compute" else "Amazon S3",
                    "service_category": category,
                    "effective_cost_company": float(amount),
                    "billed_cost_company": float(amount),
                    "effective_cost": float(amount),
                    "billed_cost": float(amount),
                    "cost_pool_id": pool.id if pool else False,
                    "analytic_account_id": account.id if account else False,
                    "environment": environment or False,
                    "source_file": "focus.csv",
                    "source_row": row,
                }
                for row, (pool, account, amount, environment, category) in enumerate(rows, start=1)
            ]
        )
        return batch

    @classmethod
    def set_driver(cls, key, values, period=("2026-10-01", "2026-10-31")):
        Value = cls.env["cloud.cost.driver.value"]
        Value.search([("key_id", "=", key.id), ("date_from", "=", period[0])]).unlink()
        Value.create(
            [
                {
                    "key_id": key.id,
                    "company_id": cls.company.id,
                    "date_from": period[0],
                    "date_to": period[1],
                    "analytic_account_id": account.id,
                    "value": value,
                }
                for account, value in values.items()
            ]
        )

    def new_run(self, user=None, **values):
        env = self.env(user=user) if user else self.env
        return (
            env["cloud.cost.allocation.run"]
            .with_company(self.company)
            .create(
                {
                    "policy_id": self.policy.id,
                    "company_id": self.company.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    **values,
                }
            )
        )

    def receiver_totals(self, run):
        totals = {}
        for line in run.line_ids.filtered("is_final"):
            key = line.analytic_account_id.name or line.line_type
            totals[key] = round(totals.get(key, 0.0) + line.amount, 2)
        return totals
