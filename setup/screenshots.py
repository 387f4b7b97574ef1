"""Screenshots of the main screens of a running demo, for the README.

    ./setup/run &                                   # the demo, on http://127.0.0.1:8069
    .venv/bin/python setup/screenshots.py [--url http://127.0.0.1:8069] [--database cloudcost] [--out docs/screenshots]

Logs in as admin / admin, opens each screen in headless Chromium (DevTools protocol) and
saves a PNG per screen.
"""

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

SCREENS = [
    (
        "month-overview",
        "cloud_cost_report.cloud_cost_month_overview_action",
        "Month overview: spend, allocated share, " "checklist",
    ),
    (
        "showback-pivot",
        "cloud_cost_allocation.cloud_cost_allocation_line_action?view_type=pivot",
        "Showback by business unit",
    ),
    ("allocation-runs", "cloud_cost_allocation.cloud_cost_allocation_run_action", "Allocation runs"),
    ("import-batches", "cloud_cost.cloud_cost_import_batch_action", "Import batches"),
    ("cluster-usage", "cloud_cost_kubernetes.cloud_cost_usage_action", "Cluster usage"),
]


def login(url, database):
    session = requests.Session()
    page = session.get(f"{url}/web/login", timeout=30)
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    session.post(
        f"{url}/web/login",
        data={"login": "admin", "password": "admin", "csrf_token": token, "db": database},
        timeout=60,
    )
    return session.cookies["session_id"]


class Browser:
    def __init__(self, port=9339):
        binary = next(filter(None, map(shutil.which, ("chromium", "google-chrome", "chromium-browser"))), None)
        if not binary:
            sys.exit("no Chromium found")
        self.profile = tempfile.mkdtemp(prefix="cloudcost-shots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "--window-size=1440,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration):
                time.sleep(0.2)
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.counter = 0

    def call(self, method, **params):
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                return message.get("result", {})

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--database", default="cloudcost")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    session_id = login(args.url.rstrip("/"), args.database)
    browser = Browser()
    try:
        browser.call("Network.enable")
        host = args.url.split("//", 1)[1].split(":")[0].split("/")[0]
        browser.call("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")
        browser.call("Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=f"{args.url.rstrip('/')}/odoo")
        time.sleep(20)  # the first load builds and caches the web client
        for name, action, title in SCREENS:
            browser.call("Page.navigate", url=f"{args.url.rstrip('/')}/odoo/action-{action}")
            time.sleep(6)  # the web client loads its data after the page
            # the server's own notices (such as a new web client version) are not part of the screen
            browser.call(
                "Runtime.evaluate",
                expression="document.querySelectorAll('.o_notification_manager').forEach(e => e.remove())",
            )
            shot = browser.call("Page.captureScreenshot", format="png")
            (args.out / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
            print(f"{name}.png  {title}")
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
