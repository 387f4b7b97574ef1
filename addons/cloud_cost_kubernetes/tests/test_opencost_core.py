import pytest

from ..core.driver_csv import DriverFileError, parse_driver_csv
from ..core.opencost import UsageError, parse_allocation, parse_daily_csv, query_params
from ..core.usage_drivers import GIB, drivers_by_receiver, row_measures


def test_query_asks_one_accumulated_day_with_idle():
    from datetime import date  # noqa: PLC0415

    assert query_params("opencost", date(2026, 10, 31), "label:team") == {
        "window": "2026-10-31T00:00:00Z,2026-11-01T00:00:00Z", "aggregate": "label:team", "accumulate": "true",
        "includeIdle": "true"}
    assert query_params("kubecost", date(2026, 10, 1), "namespace")["idle"] == "true"


def test_worked_example_request_above_usage_usage_above_request_and_idle():
    day = {"minutes": 1440.0}
    # request above usage: 2 cores reserved, 1.5 used, for 24 h -> pays 48 core-hours
    reserved = row_measures({**day, "cpu_request_avg": 2.0, "cpu_usage_avg": 1.5,
                             "ram_request_avg": 4 * GIB, "ram_usage_avg": 5 * GIB, "total_cost": 3.2}, 1.5e9)
    assert reserved["cpu_core_hours"] == 48.0
    # usage above request for memory: 5 GiB used over 4 requested -> 120 GiB-hours
    assert reserved["memory_gib_hours"] == 120.0
    assert reserved["network_gb"] == 1.5
    burst = row_measures({**day, "cpu_request_avg": 0.5, "cpu_usage_avg": 1.25}, 0)
    assert burst["cpu_core_hours"] == 30.0
    idle = row_measures({**day, "cpu_core_hours": 30.0, "ram_byte_hours": 48 * GIB}, 0, is_idle=True)
    assert (idle["cpu_core_hours"], idle["memory_gib_hours"]) == (30.0, 48.0)
    drivers, idle_total, unassigned = drivers_by_receiver([
        (1, False, {**day, "cpu_request_avg": 2.0, "cpu_usage_avg": 1.5}, 0),
        (2, False, {**day, "cpu_request_avg": 0.5, "cpu_usage_avg": 1.25}, 0),
        (None, True, {**day, "cpu_core_hours": 30.0}, 0),
        (None, False, {**day, "cpu_request_avg": 0.25}, 0),
    ])
    assert drivers["cpu_core_hours"] == {1: 48.0, 2: 30.0}
    assert (idle_total["cpu_core_hours"], unassigned["cpu_core_hours"]) == (30.0, 6.0)


def test_bad_responses_are_refused_with_where():
    from datetime import date  # noqa: PLC0415

    day = date(2026, 10, 1)
    with pytest.raises(UsageError, match="not JSON"):
        parse_allocation(b"{oops", day)
    with pytest.raises(UsageError, match="cpuCost is not a number"):
        parse_allocation({"code": 200, "data": [{"a": {"cpuCost": "x"}}]}, day)
    with pytest.raises(UsageError, match="not within the day"):
        parse_allocation({"code": 200, "data": [{"a": {"start": "2026-10-01T00:00:00Z",
                                                          "end": "2026-10-02T06:00:00Z"}}]}, day)
    assert parse_allocation({"code": 200, "data": []}, day) == []


def test_daily_csv_export_and_its_errors():
    data = b"Date,Namespace,CPUCoreRequestAverage,CPUCoreUsageAverage,Minutes,TotalCost\n" \
           b"2026-10-01,retail-prod,2,1.5,1440,3.2\n2026-10-01,__idle__,0,0,1440,1\n"
    rows = parse_daily_csv(data, "opencost.csv")
    assert [(r.name, r.is_idle, r.values["cpu_request_avg"]) for r in rows] == [
        ("retail-prod", False, 2.0), ("__idle__", True, 0.0)]
    with pytest.raises(UsageError, match=r"opencost.csv, row 2, column TotalCost: not a number"):
        parse_daily_csv(data.replace(b",1\n", b",one\n"), "opencost.csv")


def test_driver_csv_refused_whole_with_row_and_column():
    keys, receivers = {"cpu": 1}, {"retail": 10}
    good = b"key,receiver,period,value\nCPU,Retail,2026-10,12.5\n"
    assert parse_driver_csv(good, "d.csv", keys, receivers)[0][:2] == (1, 10)
    with pytest.raises(DriverFileError, match=r"d.csv, row 2, column receiver: no business unit 'Nobody'"):
        parse_driver_csv(good + b"CPU,Nobody,2026-10,1\n", "d.csv", keys, receivers)
    with pytest.raises(DriverFileError, match=r"row 1, column value: -3 is negative"):
        parse_driver_csv(b"key,receiver,period,value\nCPU,Retail,2026-10,-3\n", "d.csv", keys, receivers)
