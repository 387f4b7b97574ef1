"""Cluster usage over real HTTP, from a local server answering like the OpenCost and Kubecost APIs."""

import base64
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

GIB = 2**30


def allocation(name, day, namespace=None, **values):
    start = f"{day}T00:00:00Z"
    end = f"{date.fromisoformat(day).replace(day=date.fromisoformat(day).day + 1)}T00:00:00Z"
    record = {"name": name, "properties": {"cluster": "prod-eu", "namespace": namespace or name},
              "window": {"start": start, "end": end}, "start": start, "end": end, "minutes": 1440.0}
    record.update(values)
    return record


DAYS = {
    "2026-10-01": {
        "retail-prod": allocation("retail-prod", "2026-10-01", cpuCoreRequestAverage=2.0, cpuCoreUsageAverage=1.5,
                                  cpuCoreHours=48.0, ramByteRequestAverage=4 * GIB, ramByteUsageAverage=5 * GIB,
                                  ramByteHours=120 * GIB, pvByteHours=240 * GIB, networkTransferBytes=1e9,
                                  networkReceiveBytes=5e8, cpuCost=1.2, ramCost=1.0, pvCost=0.5, networkCost=0.5,
                                  totalCost=3.2),
        "wholesale-prod": allocation("wholesale-prod", "2026-10-01", cpuCoreRequestAverage=0.5,
                                     cpuCoreUsageAverage=1.25, ramByteRequestAverage=2 * GIB,
                                     ramByteUsageAverage=1 * GIB, totalCost=1.1),
        "__idle__": allocation("__idle__", "2026-10-01", namespace="", cpuCoreHours=30.0, ramByteHours=48 * GIB,
                               totalCost=2.5),
    },
    # wholesale has no pods this day: it is simply absent
    "2026-10-02": {
        "retail-prod": allocation("retail-prod", "2026-10-02", cpuCoreRequestAverage=2.0, cpuCoreUsageAverage=2.5,
                                  totalCost=3.5),
        "__idle__": allocation("__idle__", "2026-10-02", namespace="", cpuCoreHours=20.0, totalCost=2.0),
    },
}


class FakeCostApi(BaseHTTPRequestHandler):
    """Answers /allocation (OpenCost) and /model/allocation (Kubecost) by the window's day."""

    calls = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        day = query.get("window", "")[:10]
        type(self).calls.append((url.path, day, query, self.headers.get("Authorization")))
        if url.path not in ("/allocation", "/model/allocation"):
            return self._send(404, b"not found")
        if day == "2026-10-03":
            return self._send(500, b"prometheus query failed")
        if day == "2026-10-04":
            # slower than the source's timeout (the test framework raises timeouts below 10 s to 10 s)
            threading.Event().wait(10.5)
            return self._send(200, json.dumps({"code": 200, "data": [{}]}).encode())
        if day == "2026-10-05":
            return self._send(200, b'{"code": 200, "data": [{"retail-prod": {"cpuCost": ')
        return self._send(200, json.dumps({"code": 200, "data": [DAYS.get(day, {})]}).encode())

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestUsageImport(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCostApi)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.shutdown)
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        # a company of its own: usage and drivers are per company, and demo data may hold others
        cls.company = cls.env["res.company"].create({"name": "Cluster Co"})
        cls.env = env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        plan = env["account.analytic.plan"].create({"name": "Units"})
        cls.retail, cls.wholesale = (env["account.analytic.account"].create(
            {"name": name, "code": code, "plan_id": plan.id, "company_id": cls.company.id})
            for name, code in (("Retail k8s", "RK8S"), ("Wholesale k8s", "WK8S")))
        env["cloud.cost.mapping.rule"].create([
            {"name": "retail namespaces", "company_id": cls.company.id, "match_tag_key": "namespace", "match_tag_value": "retail-*",
             "analytic_account_id": cls.retail.id, "environment": "prod"},
            {"name": "wholesale namespaces", "company_id": cls.company.id, "match_tag_key": "namespace", "match_tag_value": "wholesale-*",
             "analytic_account_id": cls.wholesale.id},
        ])
        cls.cpu = env["cloud.cost.allocation.key"].create({
            "name": "CPU (cluster)", "code": "KCPU", "company_id": cls.company.id, "driver_source": "cluster_usage", "measure": "cpu_core_hours",
            "unit": "core-hours"})
        cls.memory = env["cloud.cost.allocation.key"].create({
            "name": "Memory (cluster)", "code": "KMEM", "company_id": cls.company.id, "driver_source": "cluster_usage",
            "measure": "memory_gib_hours", "unit": "GiB-hours"})
        cls.source = env["cloud.cost.usage.source"].create({
            "name": "prod-eu", "base_url": cls.url, "auth_header": "Bearer s3cret", "timeout": 5.0,
            "attempts": 2, "backoff": 0.0})

    def setUp(self):
        super().setUp()
        FakeCostApi.calls = []

    def usage(self, day):
        return self.env["cloud.cost.usage"].search([("source_id", "=", self.source.id), ("day", "=", day)])

    def test_days_are_imported_one_window_at_a_time_and_failed_days_store_nothing(self):
        imported, failures = self.source._import_days(date(2026, 10, 1), date(2026, 10, 3))
        more, malformed = self.source._import_days(date(2026, 10, 5), date(2026, 10, 5))
        failures += malformed

        self.assertEqual(imported + more, [date(2026, 10, 1), date(2026, 10, 2)])
        self.assertEqual(len(failures), 2)
        self.assertIn("HTTP 500", failures[0])
        self.assertIn("not JSON", failures[1])
        for failure in failures:
            self.assertIn("after 2 attempts", failure)
        self.assertIn("Not imported (nothing stored for these days)", self.source.last_message)
        self.assertEqual(self.source.last_day, date(2026, 10, 2))
        for day in ("2026-10-03", "2026-10-05"):
            self.assertFalse(self.usage(day))
        # the calls OpenCost documents: one accumulated day, by namespace, idle included, with the secret header
        path, day, query, auth = FakeCostApi.calls[0]
        self.assertEqual((path, day, auth), ("/allocation", "2026-10-01", "Bearer s3cret"))
        self.assertEqual(query, {"window": "2026-10-01T00:00:00Z,2026-10-02T00:00:00Z", "aggregate": "namespace",
                                 "accumulate": "true", "includeIdle": "true"})
        self.assertEqual(sum(1 for call in FakeCostApi.calls if call[1] == "2026-10-03"), 2)  # retried once

        first = self.usage("2026-10-01")
        self.assertEqual(sorted(first.mapped("name")), ["__idle__", "retail-prod", "wholesale-prod"])
        retail = first.filtered(lambda u: u.name == "retail-prod")
        self.assertEqual((retail.analytic_account_id, retail.environment), (self.retail, "prod"))
        self.assertEqual((retail.cpu_request_avg, retail.cpu_usage_avg, retail.network_bytes, retail.total_cost),
                         (2.0, 1.5, 1.5e9, 3.2))
        idle = first.filtered("is_idle")
        self.assertFalse(idle.analytic_account_id)
        self.assertEqual(sorted(self.usage("2026-10-02").mapped("name")), ["__idle__", "retail-prod"])

        # the same day again replaces it: still one set of rows
        self.source._import_days(date(2026, 10, 1), date(2026, 10, 1))
        self.assertEqual(len(self.usage("2026-10-01")), 3)

    def test_driver_values_from_the_worked_example(self):
        self.source._import_days(date(2026, 10, 1), date(2026, 10, 2))
        result = self.env["cloud.cost.usage.source"]._compute_cluster_drivers(
            self.company, date(2026, 10, 1), date(2026, 10, 31))
        # Retail: day 1 max(2, 1.5) x 24 = 48, day 2 max(2, 2.5) x 24 = 60; Wholesale: max(0.5, 1.25) x 24 = 30
        receivers, idle, unassigned = result["cpu_core_hours"]
        self.assertEqual(receivers, {self.retail.id: 108.0, self.wholesale.id: 30.0})
        self.assertEqual((idle, unassigned), (50.0, 0.0))  # idle core-hours as reported: 30 + 20
        self.assertEqual(result["memory_gib_hours"][0], {self.retail.id: 120.0, self.wholesale.id: 48.0})
        values = self.env["cloud.cost.driver.value"].search([("key_id", "=", self.cpu.id)])
        self.assertEqual({(v.analytic_account_id, v.value, v.origin) for v in values},
                         {(self.retail, 108.0, "cluster_usage"), (self.wholesale, 30.0, "cluster_usage")})
        self.assertIn("prod-eu", values[0].origin_ref)
        # computed again: replaced, not added
        self.env["cloud.cost.usage.source"]._compute_cluster_drivers(self.company, date(2026, 10, 1),
                                                                      date(2026, 10, 31))
        self.assertEqual(self.env["cloud.cost.driver.value"].search_count([("key_id", "=", self.cpu.id)]), 2)

    def test_a_day_without_answer_in_time_stores_nothing(self):
        source = self.env["cloud.cost.usage.source"].create({
            "name": "slow", "base_url": self.url, "timeout": 10.0, "attempts": 1, "backoff": 0.0})
        imported, failures = source._import_days(date(2026, 10, 4), date(2026, 10, 4))
        self.assertEqual(imported, [])
        self.assertIn("no answer within 10 s for 2026-10-04", failures[0])
        self.assertFalse(self.usage("2026-10-04"))
        self.assertIn("2026-10-04", source.message_ids[0].body)

    def test_kubecost_path_and_label_aggregation(self):
        source = self.env["cloud.cost.usage.source"].create({
            "name": "kubecost", "kind": "kubecost", "base_url": self.url + "/", "aggregate": "label",
            "label_key": "team", "attempts": 1, "backoff": 0.0})
        imported, failures = source._import_days(date(2026, 10, 2), date(2026, 10, 2))
        self.assertEqual((imported, failures), ([date(2026, 10, 2)], []))
        path, _day, query, auth = FakeCostApi.calls[0]
        self.assertEqual((path, query["aggregate"], query["idle"], auth), ("/model/allocation", "label:team",
                                                                          "true", None))

    def test_the_secret_header_is_for_administrators_only(self):
        user = self.env["res.users"].create({
            "name": "Controller", "login": "k8s_controller",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id,
                                  self.env.ref("cloud_cost.group_cloud_cost_controller").id])]})
        self.assertNotIn("auth_header", self.source.with_user(user).fields_get())

    def test_opencost_csv_export_as_a_file(self):
        data = (b"Date,Namespace,CPUCoreRequestAverage,CPUCoreUsageAverage,Minutes,TotalCost\n"
                b"2026-10-07,retail-prod,1,3,1440,2.0\n2026-10-07,__idle__,0,0,1440,1.0\n")
        days = self.source._import_csv(data, "opencost-2026-10-07.csv")
        self.assertEqual(days, [date(2026, 10, 7)])
        rows = self.usage("2026-10-07")
        self.assertEqual(rows.filtered(lambda u: u.name == "retail-prod").analytic_account_id, self.retail)
        with self.assertRaisesRegex(UserError, "row 1, column CPUCoreUsageAverage"):
            self.source._import_csv(data.replace(b",3,", b",x,"), "bad.csv")
        self.assertEqual(len(self.usage("2026-10-07")), 2)

    def test_drivers_from_odoo_data(self):
        other = self.env["res.company"].create({"name": "Served shop"})
        self.retail.cloud_cost_served_company_id = other
        for n in range(3):
            self.env["res.users"].create({"name": f"shop user {n}", "login": f"shop{n}", "company_id": other.id,
                                          "company_ids": [(6, 0, other.ids)]})
        self.env["ir.attachment"].create({"name": "scan.pdf", "raw": b"x" * 2000, "company_id": other.id})
        Key = self.env["cloud.cost.allocation.key"]
        users = Key.create({"name": "Users", "code": "OU", "driver_source": "odoo_data", "measure": "active_users"})
        storage = Key.create({"name": "Files", "code": "OF", "driver_source": "odoo_data",
                              "measure": "attachment_gb"})
        items = Key.create({"name": "Items", "code": "OI", "driver_source": "odoo_data",
                            "measure": "posted_move_lines"})
        journal = self.env["account.journal"].create({"name": "Misc", "code": "KMSC", "type": "general",
                                                      "company_id": self.company.id})
        account = self.env["account.account"].create({"name": "Hosting", "code": "626000", "account_type": "expense",
                                                      "company_ids": [(6, 0, self.company.ids)]})
        move = self.env["account.move"].create({"journal_id": journal.id, "date": "2026-10-15", "line_ids": [
            (0, 0, {"account_id": account.id, "debit": 10.0, "analytic_distribution": {str(self.wholesale.id): 100}}),
            (0, 0, {"account_id": account.id, "debit": 5.0, "analytic_distribution": {str(self.wholesale.id): 100}}),
            (0, 0, {"account_id": account.id, "credit": 15.0}),
        ]})
        move.action_post()
        (users | storage | items)._compute_odoo_drivers(self.company, date(2026, 10, 1), date(2026, 10, 31))
        value = {key: {v.analytic_account_id: v.value for v in self.env["cloud.cost.driver.value"].search(
            [("key_id", "=", key.id)])} for key in (users, storage, items)}
        self.assertEqual(value[users], {self.retail: 3.0})
        self.assertGreaterEqual(value[storage][self.retail], 2000 / 1e9)
        self.assertEqual(value[items], {self.wholesale: 2.0})

    def test_driver_values_from_a_csv_file_all_or_nothing(self):
        Wizard = self.env["cloud.cost.driver.import.wizard"]
        bad = b"key,receiver,period,value\nKCPU,RK8S,2026-10,10\nKCPU,Nowhere,2026-10,5\n"
        with self.assertRaisesRegex(UserError, r"drivers.csv, row 2, column receiver: no business unit 'Nowhere'"):
            Wizard.create({"file": base64.b64encode(bad), "file_name": "drivers.csv"}).action_import()
        self.assertFalse(self.env["cloud.cost.driver.value"].search([("key_id", "=", self.cpu.id)]))
        good = b"key,receiver,period,value\nKCPU,RK8S,2026-10,10\nKCPU,wholesale k8s,2026-10,5\n"
        Wizard.create({"file": base64.b64encode(good), "file_name": "drivers.csv"}).action_import()
        values = self.env["cloud.cost.driver.value"].search([("key_id", "=", self.cpu.id)])
        self.assertEqual({(v.analytic_account_id, v.value, v.origin) for v in values},
                         {(self.retail, 10.0, "import"), (self.wholesale, 5.0, "import")})

    def test_import_usage_command(self):
        import argparse  # noqa: PLC0415
        import contextlib  # noqa: PLC0415
        import io  # noqa: PLC0415

        from ..cli import register  # noqa: PLC0415

        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        out, err = io.StringIO(), io.StringIO()
        args = parser.parse_args(["import-usage", "--source", "prod-eu", "--from", "2026-10-01", "--to", "2026-10-03"])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = args.handler(self.env, args)
        self.assertEqual(status, 2)  # one day failed
        self.assertIn("prod-eu: 2 day(s) imported, 5 usage rows", out.getvalue())
        self.assertIn("not imported: 2026-10-03", err.getvalue())
