"""A running Odoo server as its users meet it: its login page, and JSON-RPC calls of a logged-in user."""

import time

import requests


def wait_for_login_page(port, server, deadline):
    """The login page once the server answers it (None if the server stopped or the deadline passed)."""
    while time.monotonic() < deadline and server.poll() is None:
        try:
            page = requests.get(f"http://127.0.0.1:{port}/web/login", timeout=60)
            if page.status_code == 200:
                return page
        except requests.RequestException:  # not listening yet, or busy loading
            pass
        time.sleep(2)
    return None


class WebSession:
    """A user logged in through the login form, calling models as the web client does."""

    def __init__(self, port, database, login, password):
        self.url = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        page = self.session.get(f"{self.url}/web/login", timeout=30)
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = self.session.post(
            f"{self.url}/web/login",
            timeout=60,
            data={"login": login, "password": password, "csrf_token": token, "db": database},
        )
        assert response.url.rstrip("/").endswith(("/odoo", "/web")), response.url

    def call(self, model, method, *args, timeout=120, **kwargs):
        answer = self.session.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            timeout=timeout,
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            },
        ).json()
        assert "result" in answer, answer.get("error", answer)
        return answer["result"]
