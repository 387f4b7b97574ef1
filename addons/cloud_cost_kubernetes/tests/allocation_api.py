"""A local HTTP server answering like the OpenCost (/allocation) and Kubecost (/model/allocation) APIs.

Responses have the documented shape: ``{"code": 200, "data": [{name: allocation}]}``, one
accumulated set for the day window asked, each allocation with its properties, window,
start, end, minutes, request and usage averages, hours, bytes and costs (null where OpenCost
has no number, as for efficiencies of idle).
"""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

GIB = 2**30
FIELDS = (
    "cpuCores",
    "cpuCoreRequestAverage",
    "cpuCoreLimitAverage",
    "cpuCoreUsageAverage",
    "cpuCoreHours",
    "cpuCost",
    "cpuCostAdjustment",
    "cpuCostIdle",
    "gpuCount",
    "gpuHours",
    "gpuCost",
    "gpuCostAdjustment",
    "gpuCostIdle",
    "networkTransferBytes",
    "networkReceiveBytes",
    "networkCost",
    "networkCrossZoneCost",
    "networkCrossRegionCost",
    "networkInternetCost",
    "networkCostAdjustment",
    "loadBalancerCost",
    "loadBalancerCostAdjustment",
    "pvBytes",
    "pvByteHours",
    "pvCost",
    "pvCostAdjustment",
    "ramBytes",
    "ramByteRequestAverage",
    "ramByteLimitAverage",
    "ramByteUsageAverage",
    "ramByteHours",
    "ramCost",
    "ramCostAdjustment",
    "ramCostIdle",
    "externalCost",
    "sharedCost",
    "totalCost",
)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def allocation(name, day, *, namespace=None, labels=None, start_hour=0, end_hour=24, **values):
    """One allocation of ``day`` (ISO text) as the API gives it; ``values`` are its JSON fields."""
    first = datetime.fromisoformat(day)
    running_from, running_to = first + timedelta(hours=start_hour), first + timedelta(hours=end_hour)
    record = {
        "name": name,
        "properties": {
            "cluster": "cluster-one",
            "namespace": name if namespace is None else namespace,
            **({"labels": labels} if labels else {}),
        },
        "window": {"start": stamp(first), "end": stamp(first + timedelta(days=1))},
        "start": stamp(running_from),
        "end": stamp(running_to),
        "minutes": (end_hour - start_hour) * 60.0,
        **dict.fromkeys(FIELDS, 0.0),
        "cpuEfficiency": None,
        "gpuEfficiency": None,
        "ramEfficiency": None,
        "totalEfficiency": None,
        "pvs": None,
        "lbAllocations": None,
    }
    record.update(values)
    return record


class AllocationApi:
    """The server: ``sets[(path, day)]`` answers a day; ``faults[day]`` lists what the next calls get instead.

    A fault is "500" (``error_body`` with ``error_headers``), "401", "slow" (answers after
    ``slow_seconds``), "malformed" (a cut body), "partial" (the day's set with a window ending at
    noon) or "redirect" (to ``/elsewhere`` on this server). Faults are used up one per call.
    """

    def __init__(self):
        self.sets = {}
        self.faults = {}
        self.calls = []
        self.slow_seconds = 10.5
        self.error_body = b'{"code": 500, "message": "error querying prometheus"}'
        self.error_headers = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                api.answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads, self.server.block_on_close = True, False  # a slow answer holds nothing up
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def calls_for(self, day):
        return [call for call in self.calls if call["day"] == day]

    def answer(self, handler):
        url = urlparse(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        day = query.get("window", "")[:10]
        self.calls.append(
            {"path": url.path, "day": day, "query": query, "authorization": handler.headers.get("Authorization")}
        )
        if url.path not in ("/allocation", "/model/allocation"):
            return self.send(handler, 404, b"404 page not found")
        faults = self.faults.get(day) or []
        fault = faults.pop(0) if faults else None
        answer = self.sets.get((url.path, day), {})
        if fault == "500":
            return self.send(handler, 500, self.error_body, self.error_headers)
        if fault == "redirect":
            return self.send(handler, 302, b"", {"Location": f"{self.url}/elsewhere"})
        if fault == "401":
            return self.send(handler, 401, b"Unauthorized")
        if fault == "slow":
            threading.Event().wait(self.slow_seconds)
        if fault == "malformed":
            return self.send(handler, 200, b'{"code": 200, "data": [{"retail-prod": {"cpuCost": ')
        if fault == "partial":
            noon = stamp(datetime.fromisoformat(day) + timedelta(hours=12))
            answer = {name: {**value, "window": {**value["window"], "end": noon}} for name, value in answer.items()}
        return self.send(handler, 200, json.dumps({"code": 200, "data": [answer]}).encode())

    @staticmethod
    def send(handler, status, body, headers=None):
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass


def worked_example(api, path="/allocation"):
    """Two days of a cluster: the numbers of the worked example in readme/USAGE.md.

    2026-10-01: retail-prod requests 2 cores and uses 1.5 (request above usage) and requests 4 GiB
    and uses 5 (usage above request); wholesale-prod runs from noon, requests 0.5 core and uses 1.25
    (usage above request), with a GPU for 6 hours; sandbox-dev matches no mapping rule; idle.
    2026-10-02: retail-prod uses 2.5 cores over its 2; wholesale-prod has no pods (absent); idle.
    """
    api.sets[path, "2026-10-01"] = {
        "retail-prod": allocation(
            "retail-prod",
            "2026-10-01",
            cpuCoreRequestAverage=2.0,
            cpuCoreUsageAverage=1.5,
            cpuCoreHours=48.0,
            ramByteRequestAverage=4 * GIB,
            ramByteUsageAverage=5 * GIB,
            ramByteHours=120 * GIB,
            pvBytes=10 * GIB,
            pvByteHours=240 * GIB,
            networkTransferBytes=1e9,
            networkReceiveBytes=5e8,
            cpuCost=1.2,
            ramCost=0.6,
            pvCost=0.3,
            networkCost=0.1,
            totalCost=2.2,
        ),
        "wholesale-prod": allocation(
            "wholesale-prod",
            "2026-10-01",
            start_hour=12,
            cpuCoreRequestAverage=0.5,
            cpuCoreUsageAverage=1.25,
            cpuCoreHours=15.0,
            ramByteRequestAverage=2 * GIB,
            ramByteUsageAverage=1 * GIB,
            ramByteHours=24 * GIB,
            gpuCount=0.5,
            gpuHours=6.0,
            cpuCost=0.4,
            ramCost=0.1,
            gpuCost=1.5,
            totalCost=2.0,
        ),
        "sandbox-dev": allocation(
            "sandbox-dev", "2026-10-01", cpuCoreRequestAverage=0.25, cpuCoreHours=6.0, cpuCost=0.15, totalCost=0.15
        ),
        "__idle__": allocation(
            "__idle__",
            "2026-10-01",
            namespace="",
            cpuCoreHours=30.0,
            ramByteHours=48 * GIB,
            cpuCost=0.75,
            ramCost=0.24,
            totalCost=0.99,
        ),
    }
    api.sets[path, "2026-10-02"] = {
        "retail-prod": allocation(
            "retail-prod",
            "2026-10-02",
            cpuCoreRequestAverage=2.0,
            cpuCoreUsageAverage=2.5,
            cpuCoreHours=60.0,
            ramByteRequestAverage=4 * GIB,
            ramByteUsageAverage=3 * GIB,
            ramByteHours=96 * GIB,
            cpuCost=1.5,
            ramCost=0.5,
            totalCost=2.5,
        ),
        "__idle__": allocation("__idle__", "2026-10-02", namespace="", cpuCoreHours=20.0, cpuCost=0.5, totalCost=0.5),
    }


def every_day(api, first, last, path="/allocation"):
    """A small answer for each day from ``first`` to ``last`` (dates): one namespace and idle."""
    day = first
    while day <= last:
        text = day.isoformat()
        api.sets[path, text] = {
            "retail-prod": allocation("retail-prod", text, cpuCoreRequestAverage=1.0, cpuCoreHours=24.0, totalCost=1.0),
            "__idle__": allocation("__idle__", text, namespace="", cpuCoreHours=4.0, totalCost=0.2),
        }
        day += timedelta(days=1)
