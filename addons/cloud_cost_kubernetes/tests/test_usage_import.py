"""Cluster usage over real HTTP, from a local server answering like the OpenCost and Kubecost APIs."""

import base64
from datetime import date, datetime, timedelta, timezone

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .allocation_api import allocation, every_day, worked_example
from .common import ClusterCase
from .test_opencost_core import OPENCOST_EXPORT


@tagged("post_install", "-at_install")
class TestUsageImport(ClusterCase):
    def test_days_one_window_at_a_time_failed_days_store_nothing_and_are_named(self):
        worked_example(self.api)
        every_day(self.api, date(2026, 10, 4), date(2026, 10, 4))
        every_day(self.api, date(2026, 10, 6), date(2026, 10, 6))
        self.api.faults.update(
            {
                "2026-10-03": ["500", "500"],
                "2026-10-05": ["malformed", "malformed"],
                "2026-10-06": ["500"],
                "2026-10-07": ["partial", "partial"],
            }
        )
        every_day(self.api, date(2026, 10, 7), date(2026, 10, 7))

        imported, failures = self.source._import_days(date(2026, 10, 1), date(2026, 10, 7))

        # 10-06 failed once and was retried; 10-03, 10-05 and 10-07 failed twice: nothing stored for them
        self.assertEqual(imported, [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 4), date(2026, 10, 6)])
        self.assertEqual(len(failures), 3)
        self.assertRegex(failures[0], r"^2026-10-03: .*HTTP 500 for 2026-10-03.*\(after 2 attempts\)$")
        self.assertNotIn("prometheus", failures[0])  # what the server answered is not repeated
        self.assertRegex(failures[1], r"^2026-10-05: .*not JSON.*\(after 2 attempts\)$")
        self.assertRegex(failures[2], r"^2026-10-07: .*partial window.*\(after 2 attempts\)$")
        for day in ("2026-10-03", "2026-10-05", "2026-10-07"):
            self.assertFalse(self.usage(day))
        self.assertEqual(len(self.api.calls_for("2026-10-06")), 2)
        # the source says so, and is imported up to the first failed day only
        self.assertTrue(self.source.last_failed)
        self.assertIn("Not imported (nothing stored for these days", self.source.last_message)
        self.assertIn("2026-10-05", self.source.message_ids[0].body)
        self.assertEqual(self.source.last_day, date(2026, 10, 2))

        # the calls OpenCost documents: one accumulated day, by namespace, idle apart, with the secret header
        first = self.api.calls[0]
        self.assertEqual((first["path"], first["authorization"]), ("/allocation", "Bearer s3cret"))
        self.assertEqual(
            first["query"],
            {
                "window": "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z",
                "aggregate": "namespace",
                "accumulate": "true",
                "includeIdle": "true",
                "shareIdle": "false",
            },
        )

        # what is stored: per day and namespace, the numbers as given; wholesale has no pods on day 2
        day1 = self.usage("2026-10-01")
        self.assertEqual(sorted(day1.mapped("name")), ["__idle__", "retail-prod", "sandbox-dev", "wholesale-prod"])
        self.assertEqual(sorted(self.usage("2026-10-02").mapped("name")), ["__idle__", "retail-prod"])
        retail = day1.filtered(lambda u: u.name == "retail-prod")
        self.assertEqual(
            (retail.analytic_account_id, retail.environment, retail.namespace), (self.retail, "prod", "retail-prod")
        )
        self.assertEqual(
            (
                retail.minutes,
                retail.cpu_core_hours,
                retail.cpu_request_avg,
                retail.cpu_usage_avg,
                retail.ram_byte_hours,
                retail.ram_request_avg,
                retail.ram_usage_avg,
                retail.pv_byte_hours,
                retail.network_transfer_bytes,
                retail.network_receive_bytes,
                retail.network_bytes,
            ),
            (1440.0, 48.0, 2.0, 1.5, 120.0 * 2**30, 4.0 * 2**30, 5.0 * 2**30, 240.0 * 2**30, 1e9, 5e8, 1.5e9),
        )
        self.assertEqual(
            (retail.cpu_cost, retail.ram_cost, retail.pv_cost, retail.network_cost, retail.total_cost),
            (1.2, 0.6, 0.3, 0.1, 2.2),
        )
        wholesale = day1.filtered(lambda u: u.name == "wholesale-prod")
        self.assertEqual((wholesale.minutes, wholesale.gpu_hours, wholesale.gpu_cost), (720.0, 6.0, 1.5))
        idle = day1.filtered("is_idle")
        self.assertEqual(
            (idle.name, idle.cpu_core_hours, idle.analytic_account_id.id, idle.namespace),
            ("__idle__", 30.0, False, False),
        )
        self.assertFalse(day1.filtered(lambda u: u.name == "sandbox-dev").analytic_account_id)  # no rule: visible

        # a later run takes the failed days again; days imported again replace themselves
        self.api.sets.clear()
        every_day(self.api, date(2026, 10, 3), date(2026, 10, 7))
        imported, failures = self.source._import_days(date(2026, 10, 3), date(2026, 10, 7))
        self.assertEqual((len(imported), failures), (5, []))
        self.assertEqual(self.source.last_day, date(2026, 10, 7))
        self.assertFalse(self.source.last_failed)
        for day in ("2026-10-03", "2026-10-04", "2026-10-06"):
            self.assertEqual(sorted(self.usage(day).mapped("name")), ["__idle__", "retail-prod"])

    def test_a_day_without_answer_in_time_stores_nothing(self):
        every_day(self.api, date(2026, 10, 4), date(2026, 10, 4))
        self.api.faults["2026-10-04"] = ["slow"]  # 10.5 s: tests raise any timeout below 10 s to 10 s
        source = self.env["cloud.cost.usage.source"].create(
            {"name": "slow", "base_url": self.api.url, "timeout": 10.0, "attempts": 1, "backoff": 0.0}
        )
        imported, failures = source._import_days(date(2026, 10, 4), date(2026, 10, 4))
        self.assertEqual(imported, [])
        self.assertIn("no answer within 10 s for 2026-10-04", failures[0])
        self.assertFalse(self.usage("2026-10-04", source))
        self.assertFalse(source.last_day)
        self.assertIn("2026-10-04", source.message_ids[0].body)

    def test_kubecost_by_label(self):
        self.api.sets["/model/allocation", "2026-10-01"] = {
            "retail": allocation(
                "retail",
                "2026-10-01",
                namespace="",
                labels={"team": "retail"},
                cpuCoreRequestAverage=1.0,
                cpuCoreHours=24.0,
                totalCost=1.0,
            ),
            "__unallocated__": allocation(
                "__unallocated__", "2026-10-01", namespace="", cpuCoreRequestAverage=0.5, totalCost=0.5
            ),
            "__idle__": allocation("__idle__", "2026-10-01", namespace="", cpuCoreHours=12.0, totalCost=0.4),
        }
        source = self.env["cloud.cost.usage.source"].create(
            {
                "name": "kubecost",
                "kind": "kubecost",
                "base_url": self.api.url + "/",
                "aggregate": "label",
                "label_key": "team",
                "attempts": 1,
                "backoff": 0.0,
            }
        )
        imported, failures = source._import_days(date(2026, 10, 1), date(2026, 10, 1))
        self.assertEqual((imported, failures), ([date(2026, 10, 1)], []))
        call = self.api.calls[0]
        self.assertEqual(
            (
                call["path"],
                call["query"]["aggregate"],
                call["query"]["idle"],
                call["query"]["shareIdle"],
                call["authorization"],
            ),
            ("/model/allocation", "label:team", "true", "false", None),
        )
        rows = {row.name: row for row in self.usage("2026-10-01", source)}
        self.assertEqual(rows["retail"].analytic_account_id, self.retail)  # the label rule
        self.assertEqual(rows["retail"].labels, {"team": "retail"})
        self.assertFalse(rows["__unallocated__"].analytic_account_id)
        self.assertFalse(rows["__unallocated__"].is_idle)
        self.assertTrue(rows["__idle__"].is_idle)

    def test_scheduled_import_goes_on_from_the_last_day_and_takes_failed_days_again(self):
        yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
        every_day(self.api, yesterday - timedelta(days=5), yesterday)
        self.assertTrue(self.source.cron_id.active)
        self.assertEqual(self.source.cron_id.code, f"model.browse({self.source.id})._cron_import()")
        self.source._suite().last_day = yesterday - timedelta(days=3)  # as an earlier import left it
        self.api.faults[(yesterday - timedelta(days=1)).isoformat()] = ["500", "500"]

        self.source._cron_import()
        self.assertEqual(self.source.last_day, yesterday - timedelta(days=2))
        self.assertEqual(
            [call["day"] for call in self.api.calls],
            [(yesterday - timedelta(days=n)).isoformat() for n in (2, 1, 1, 0)],
        )
        self.assertTrue(self.usage(yesterday))

        self.source._cron_import()  # the failed day, then yesterday again
        self.assertEqual(self.source.last_day, yesterday)
        self.assertTrue(self.usage(yesterday - timedelta(days=1)))
        # a source without an API is fed by files: no scheduled action runs for it
        files_only = self.env["cloud.cost.usage.source"].create({"name": "files only"})
        self.assertFalse(files_only.cron_id.active)

    def test_the_secret_header_is_for_administrators_only(self):
        user = self.env["res.users"].create(
            {
                "name": "Controller",
                "login": "k8s_controller",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [self.env.ref("base.group_user").id, self.env.ref("cloud_cost.group_cloud_cost_controller").id],
                    )
                ],
            }
        )
        self.assertNotIn("auth_header", self.source.with_user(user).fields_get())
        self.assertTrue(self.source.verify_tls)  # on unless turned off
        with self.assertRaises(ValidationError):
            self.source.write({"aggregate": "label", "label_key": False})

    def test_opencost_csv_export_as_a_file(self):
        Wizard = self.env["cloud.cost.usage.import.wizard"].with_context(
            active_model="cloud.cost.usage.source", active_id=self.source.id
        )
        Wizard.create({"file": base64.b64encode(OPENCOST_EXPORT), "file_name": "export.csv"}).action_import()
        rows = self.usage("2026-10-01")
        self.assertEqual(
            {row.name: row.analytic_account_id for row in rows},
            {"retail-prod": self.retail, "wholesale-prod": self.wholesale},
        )
        self.assertEqual(rows.filtered(lambda u: u.name == "retail-prod").cpu_core_hours, 60.0)
        self.assertEqual(self.source.last_day, date(2026, 10, 2))
        # a bad file is refused whole, naming row and column: the days stay as they were
        bad = OPENCOST_EXPORT.replace(b",0.25,0.25,", b",0.25,x,")
        with self.assertRaisesRegex(UserError, r"bad.csv, row 4, column CPUCoreRequestAverage: not a number"):
            Wizard.create({"file": base64.b64encode(bad), "file_name": "bad.csv"}).action_import()
        self.assertEqual(len(self.usage("2026-10-01")), 2)
        # the same file again: replaced, not doubled
        self.source._import_csv(OPENCOST_EXPORT, "export.csv")
        self.assertEqual(len(self.usage("2026-10-01")), 2)
