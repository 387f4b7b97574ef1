"""The plain-Python core: allocation responses, the HTTP client, the daily CSV export, driver values."""

from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import requests

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase, parametrize

from ..core.driver_csv import AMBIGUOUS, DriverFileError, parse_driver_csv
from ..core.opencost import UsageError, fetch_day, parse_allocation, parse_daily_csv, query_params
from ..core.usage_drivers import drivers_by_receiver, row_measures
from .allocation_api import GIB, AllocationApi, allocation, worked_example

DAY = date(2026, 10, 1)
LATER = datetime(2026, 11, 1, tzinfo=timezone.utc)
D = Decimal


@contextmanager
def api_fixture():
    server = AllocationApi().start()
    yield server
    server.stop()


OPENCOST_EXPORT = (
    b"Date,Namespace,ControllerKind,ControllerName,Pod,Container,CPUCoreUsageAverage,CPUCoreRequestAverage,"
    b"RAMBytesUsageAverage,RAMBytesRequestAverage,NetworkReceiveBytes,NetworkTransferBytes,GPUs,PVBytes,"
    b"CPUCost,RAMCost,NetworkCost,PVCost,GPUCost,TotalCost\n"
    b"2026-10-01,retail-prod,deployment,shop,shop-7d9f-a,web,1.5,1,1073741824,2147483648,100,200,0,10737418240,"
    b"0.7,0.2,0.01,0.05,0,0.96\n"
    b"2026-10-01,retail-prod,deployment,shop,shop-7d9f-a,worker,0.2,0.5,0,0,0,0,0,0,0.15,0,0,0,0,0.15\n"
    b"2026-10-01,retail-prod,statefulset,db,db-0,postgres,0.5,0.5,0,0,0,0,1,0,0.1,0,0,0,2,2.1\n"
    b"2026-10-01,wholesale-prod,deployment,erp,erp-1,web,0.25,0.25,0,0,0,0,0,0,0.05,0,0,0,0,0.05\n"
    b"2026-10-02,retail-prod,deployment,shop,shop-7d9f-b,web,2,1,0,0,0,0,0,0,1,0,0,0,0,-0.1\n"
)


@tagged("post_install", "-at_install")
class TestOpencostCore(PlainCase):
    def test_query_asks_one_accumulated_day_with_idle_apart(self):
        assert query_params("opencost", date(2026, 10, 31), "label:team") == {
            "window": "2026-10-31T00:00:00Z,2026-11-01T00:00:00Z",
            "aggregate": "label:team",
            "accumulate": "true",
            "includeIdle": "true",
            "shareIdle": "false",
        }
        kubecost = query_params("kubecost", DAY, "namespace")
        assert (kubecost["idle"], kubecost["shareIdle"]) == ("true", "false")
        assert "includeIdle" not in kubecost

    def test_a_response_is_read_to_the_digit(self):
        payload = {
            "code": 200,
            "data": [
                {
                    "retail-prod": allocation(
                        "retail-prod",
                        "2026-10-01",
                        labels={"team": "retail"},
                        cpuCoreRequestAverage=0.1,
                        cpuCost=0.30000000000000004,
                        ramByteUsageAverage=None,
                    ),
                    "cluster-one/__idle__": allocation(
                        "cluster-one/__idle__", "2026-10-01", namespace="", cpuCoreHours=3
                    ),
                }
            ],
        }
        import json  # noqa: PLC0415

        rows = {row.name: row for row in parse_allocation(json.dumps(payload).encode(), DAY)}
        retail = rows["retail-prod"]
        assert (retail.values["cpu_request_avg"], retail.values["cpu_cost"]) == (D("0.1"), D("0.30000000000000004"))
        assert retail.values["ram_usage_avg"] == 0  # null: OpenCost had no number
        assert (retail.namespace, retail.labels, retail.is_idle) == ("retail-prod", {"team": "retail"}, False)
        assert rows["cluster-one/__idle__"].is_idle  # idle per cluster is idle too

    @parametrize(
        ("payload", "message"),
        [
            (b"{oops", "not JSON"),
            (b'{"code": 200, "data": [{"a": {"cpuCost": NaN}}]}', "not JSON"),
            (b'{"code": 500, "message": "boom", "data": null}', "answered code 500$"),  # its message is not repeated
            (b'{"code": 200, "data": [{"a": {"cpuCost": "x"}}]}', "cpuCost is not a number"),
            (b'{"code": 200, "data": [{"a": {"cpuCoreHours": -2}}]}', "cpuCoreHours is -2"),
            (b'{"code": 200, "data": [{}, {}]}', "2 allocation sets"),
            (b'{"code": 200, "data": [{}]}', "no allocation at all for 2026-10-01"),
            (b'{"code": 200, "data": []}', "no allocation at all"),
            (b'{"code": 200, "data": {"a": {}}}', "not a list"),
            (
                b'{"code": 200, "data": [{"a": {"window": {"start": "2026-10-01T00:00:00Z", '
                b'"end": "2026-10-01T12:00:00Z"}}}]}',
                r"not the whole day \(partial window\)",
            ),
            (
                b'{"code": 200, "data": [{"a": {"start": "2026-09-30T22:00:00Z", "end": "2026-10-01T06:00:00Z"}}]}',
                "outside the day",
            ),
        ],
    )
    def test_bad_responses_are_refused_with_where(self, payload, message):
        with pytest.raises(UsageError, match=message):
            parse_allocation(payload, DAY, origin="http://opencost:9003/allocation")

    def test_a_cost_may_be_a_credit_but_a_quantity_may_not_be_negative(self):
        rows = parse_allocation({"code": 200, "data": [{"a": {"totalCost": D("-0.5")}}]}, DAY)
        assert rows[0].values["total_cost"] == D("-0.5")

    def test_fetch_retries_server_errors_with_backoff_over_http(self):
        api = self.enterContext(api_fixture())
        worked_example(api)
        api.faults["2026-10-01"] = ["500", "malformed"]
        waits = []
        with requests.Session() as session:
            rows = fetch_day(
                session,
                api.url + "/",
                "opencost",
                DAY,
                "namespace",
                headers={"Authorization": "Bearer t"},
                attempts=3,
                backoff=0.5,
                sleep=waits.append,
                now=LATER,
            )
        assert sorted(row.name for row in rows) == ["__idle__", "retail-prod", "sandbox-dev", "wholesale-prod"]
        assert waits == [0.5, 1.0]  # doubled each time
        assert [call["path"] for call in api.calls] == ["/allocation"] * 3
        assert api.calls[0]["authorization"] == "Bearer t"

    def test_fetch_gives_up_and_says_why(self):
        api = self.enterContext(api_fixture())
        api.faults["2026-10-01"] = ["500", "500"]
        api.faults["2026-10-02"] = ["401"]
        with requests.Session() as session:
            with pytest.raises(
                UsageError, match=r"HTTP 500 for 2026-10-01 \(Internal Server Error\) \(after 2 attempts\)$"
            ):
                fetch_day(session, api.url, "opencost", DAY, "namespace", attempts=2, backoff=0, now=LATER)
            with pytest.raises(UsageError, match=r"HTTP 401 for 2026-10-02 \(Unauthorized\) \(not retried\)$"):
                fetch_day(
                    session, api.url, "kubecost", date(2026, 10, 2), "namespace", attempts=3, backoff=0, now=LATER
                )
        assert len(api.calls_for("2026-10-02")) == 1
        assert api.calls_for("2026-10-02")[0]["path"] == "/model/allocation"

    def test_fetch_timeout_over_http(self):
        api = self.enterContext(api_fixture())
        api.slow_seconds = 1.0
        api.faults["2026-10-01"] = ["slow"]
        with requests.Session() as session, pytest.raises(UsageError, match=r"no answer within 0.2 s for 2026-10-01"):
            fetch_day(session, api.url, "opencost", DAY, "namespace", timeout=0.2, attempts=1, now=LATER)

    def test_a_day_not_over_is_not_asked_for(self):
        api = self.enterContext(api_fixture())
        with requests.Session() as session, pytest.raises(UsageError, match="not over yet"):
            fetch_day(
                session, api.url, "opencost", DAY, "namespace", now=datetime(2026, 10, 1, 23, tzinfo=timezone.utc)
            )
        assert api.calls == []

    def test_worked_example_by_hand(self):
        """CPU: max(request, usage) x hours; memory likewise in GiB; idle counts what was reported."""
        day = {"minutes": D(1440)}
        # request above usage: 2 cores reserved, 1.5 used, 24 h -> pays 48 core-hours;
        # memory usage above request: 5 GiB used over 4 requested -> 120 GiB-hours
        reserved = row_measures(
            {
                **day,
                "cpu_request_avg": D(2),
                "cpu_usage_avg": D("1.5"),
                "ram_request_avg": 4 * GIB,
                "ram_usage_avg": 5 * GIB,
                "pv_byte_hours": 240 * GIB,
                "network_transfer_bytes": D(10**9),
                "network_receive_bytes": D(5 * 10**8),
                "cpu_cost": D("1.2"),
                "ram_cost": D("0.6"),
                "total_cost": D("2.2"),
            }
        )
        assert (reserved["cpu_core_hours"], reserved["memory_gib_hours"]) == (48, 120)
        assert (reserved["pv_gib_hours"], reserved["network_gb"]) == (240, D("1.5"))
        assert (reserved["cost_weighted"], reserved["compute_cost"]) == (D("2.2"), D("1.8"))
        # usage above request, half a day: 1.25 cores used over 0.5 requested for 12 h -> 15 core-hours
        burst = row_measures(
            {
                "minutes": D(720),
                "cpu_request_avg": D("0.5"),
                "cpu_usage_avg": D("1.25"),
                "gpu_hours": D(6),
                "gpu_cost": D("1.5"),
                "cpu_cost": D("0.4"),
            }
        )
        assert (burst["cpu_core_hours"], burst["gpu_hours"], burst["compute_cost"]) == (15, 6, D("1.9"))
        idle = row_measures(
            {**day, "cpu_core_hours": D(30), "ram_byte_hours": 48 * GIB, "total_cost": D("0.99")}, is_idle=True
        )
        assert (idle["cpu_core_hours"], idle["memory_gib_hours"], idle["cost_weighted"]) == (30, 48, D("0.99"))

        totals = drivers_by_receiver(
            [
                (1, False, {**day, "cpu_request_avg": D(2), "cpu_usage_avg": D("1.5")}),
                (1, False, {**day, "cpu_request_avg": D(2), "cpu_usage_avg": D("2.5")}),
                (2, False, {"minutes": D(720), "cpu_request_avg": D("0.5"), "cpu_usage_avg": D("1.25")}),
                (None, True, {**day, "cpu_core_hours": D(30)}),
                (None, False, {**day, "cpu_request_avg": D("0.25")}),
            ]
        )["cpu_core_hours"]
        assert totals.receivers == {1: 108, 2: 15}  # 48 + 60, and 15
        assert (totals.idle, totals.unassigned) == (30, 6)
        assert totals.positive() == {1: D("108.000000"), 2: D("15.000000")}

    def test_opencost_daily_export_summed_per_namespace(self):
        rows = {(row.day.isoformat(), row.name): row for row in parse_daily_csv(OPENCOST_EXPORT, "export.csv")}
        assert sorted(rows) == [
            ("2026-10-01", "retail-prod"),
            ("2026-10-01", "wholesale-prod"),
            ("2026-10-02", "retail-prod"),
        ]
        retail = rows["2026-10-01", "retail-prod"].values
        # a row per container and no Minutes: each counts the whole day; averages add up
        assert (retail["minutes"], retail["cpu_request_avg"], retail["cpu_usage_avg"]) == (1440, 2, D("2.2"))
        # OpenCost's allocation per container, max(request, usage) x 24: 1.5 + 0.5 + 0.5 cores -> 60 core-hours
        assert retail["cpu_core_hours"] == 60
        assert retail["ram_byte_hours"] == 2 * GIB * 24  # the web container requests 2 GiB and uses 1
        assert (retail["pv_byte_hours"], retail["gpu_hours"]) == (10 * GIB * 24, 24)  # PVBytes and GPUs x hours
        assert (retail["network_receive_bytes"], retail["network_transfer_bytes"]) == (100, 200)
        assert (retail["total_cost"], retail["gpu_cost"]) == (D("3.21"), 2)
        assert rows["2026-10-01", "retail-prod"].namespace == "retail-prod"
        assert rows["2026-10-02", "retail-prod"].values["total_cost"] == D("-0.1")  # a credit stays a credit

    def test_daily_export_by_controller_and_pod_and_with_minutes(self):
        by_controller = {row.name for row in parse_daily_csv(OPENCOST_EXPORT, "export.csv", "controller")}
        assert by_controller == {"deployment:shop", "statefulset:db", "deployment:erp"}
        by_pod = {row.name for row in parse_daily_csv(OPENCOST_EXPORT, "export.csv", "pod")}
        assert by_pod == {"shop-7d9f-a", "db-0", "erp-1", "shop-7d9f-b"}
        # Minutes and hours columns, when the file has them, are read as they are
        data = (
            b"Date,Namespace,Minutes,CPUCoreRequestAverage,CPUCoreUsageAverage,CPUCoreHours\n"
            b"2026-10-01,a,720,1,0,12\n2026-10-01,a,1440,1,3,72\n2026-10-01,__idle__,1440,0,0,30\n"
        )
        rows = {row.name: row for row in parse_daily_csv(data, "d.csv")}
        assert rows["a"].values["minutes"] == 1440
        assert rows["a"].values["cpu_request_avg"] == D("1.5")  # (1 x 720 + 1 x 1440) / 1440
        assert rows["a"].values["cpu_core_hours"] == 84
        assert rows["__idle__"].is_idle and rows["__idle__"].values["cpu_core_hours"] == 30

    @parametrize(
        ("data", "message"),
        [
            (b"Day,Namespace\n", "needs Date and Namespace"),
            (
                b"Date,Namespace,CPUCost\n2026-10-01,a,1\n2026-13-01,a,1\n",
                r"export.csv, row 2, column Date: not a date",
            ),
            (
                b"Date,Namespace,CPUCoreUsageAverage\n2026-10-01,a,x\n",
                r"row 1, column CPUCoreUsageAverage: not a number",
            ),
            (b"Date,Namespace,PVBytes\n2026-10-01,a,-5\n", r"row 1, column PVBytes: -5 is not allowed"),
            (b"Date,Namespace,GPUs\n2026-10-01,a,NaN\n", r"row 1, column GPUs: NaN is not allowed"),
            ("Date,Namespace\n2026-10-01,caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ],
    )
    def test_daily_export_errors_name_file_row_and_column(self, data, message):
        with pytest.raises(UsageError, match=message):
            parse_daily_csv(data, "export.csv")

    def test_driver_csv_refused_whole_with_row_and_column(self):
        keys, receivers = {"cpu": 1}, {"retail": 10, "ret": 10, "shared": AMBIGUOUS}
        good = b"key,receiver,period,value\nCPU,Retail,2026-10,12.5\n"
        assert parse_driver_csv(good, "d.csv", keys, receivers) == [
            (1, 10, date(2026, 10, 1), date(2026, 10, 31), D("12.5"), 1)
        ]
        for extra, message in [
            (b"CPU,Nobody,2026-10,1\n", r"d.csv, row 2, column receiver: no business unit 'Nobody'"),
            (b"RAM,Retail,2026-10,1\n", r"row 2, column key: no allocation key 'RAM'"),
            (b"CPU,Shared,2026-10,1\n", r"row 2, column receiver: several business units are named 'Shared'"),
            (b"CPU,Retail,2026-10-01,1\n", r"row 2, column period: not a month"),
            (b"CPU,Retail,2026-11,-3\n", r"row 2, column value: -3 is negative"),
            (b"CPU,Retail,2026-11,lots\n", r"row 2, column value: not a number"),
            (b"CPU,RET,2026-10,1\n", r"row 2, column receiver: 'RET' has a value for 'CPU' in 2026-10 on row 1"),
        ]:
            with pytest.raises(DriverFileError, match=message):
                parse_driver_csv(good + extra, "d.csv", keys, receivers)
        with pytest.raises(DriverFileError, match="column value missing"):
            parse_driver_csv(b"key,receiver,period\n", "d.csv", keys, receivers)
