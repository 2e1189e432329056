"""A local stand-in for Stripe's HTTP API: records what the server sends and answers like Stripe.

Only what the shop calls is served: POST /v1/checkout/sessions (form-encoded, as the stripe library sends
it) and GET /pay/<session id>, a page the browser lands on in place of Stripe's hosted checkout.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


def unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (line_items[0][price_data][unit_amount]=900) back into nested dicts/lists."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


class StripeStub:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self._by_idempotency: dict[str, dict] = {}
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                params = unflatten(parse_qsl(body, keep_blank_values=True))
                with stub._lock:
                    stub.requests.append(
                        {
                            "path": self.path,
                            "params": params,
                            "authorization": self.headers.get("Authorization", ""),
                            "idempotency_key": self.headers.get("Idempotency-Key", ""),
                        }
                    )
                    if self.path != "/v1/checkout/sessions":
                        return self._json(
                            404,
                            {
                                "error": {
                                    "type": "invalid_request_error",
                                    "message": f"Unknown path {self.path}",
                                }
                            },
                        )
                    key = self.headers.get("Idempotency-Key", "")
                    if key and key in stub._by_idempotency:
                        return self._json(200, stub._by_idempotency[key])
                    session_id = f"cs_test_{len(stub.sessions) + 1:04d}"
                    session = {
                        "id": session_id,
                        "object": "checkout.session",
                        "mode": params.get("mode"),
                        "url": f"{stub.base_url}/pay/{session_id}",
                        "status": "open",
                        "payment_status": "unpaid",
                        "currency": params["line_items"][0]["price_data"]["currency"],
                        "amount_total": sum(
                            int(li["price_data"]["unit_amount"]) * int(li.get("quantity", 1))
                            for li in params["line_items"]
                        ),
                        "client_reference_id": params.get("client_reference_id"),
                        "customer_email": params.get("customer_email"),
                        "metadata": params.get("metadata", {}),
                        "expires_at": int(params.get("expires_at", 0)),
                        "created": int(time.time()),
                    }
                    stub.sessions[session_id] = session
                    if key:
                        stub._by_idempotency[key] = session
                return self._json(200, session)

            def do_GET(self):
                retrieve = re.match(r"^/v1/checkout/sessions/(cs_test_\d+)", self.path)
                if retrieve:
                    with stub._lock:
                        stub.requests.append(
                            {
                                "path": self.path,
                                "params": {},
                                "method": "GET",
                                "authorization": self.headers.get("Authorization", ""),
                            }
                        )
                        session = stub.sessions.get(retrieve.group(1))
                    if session is None:
                        return self._json(
                            404, {"error": {"type": "invalid_request_error", "message": "No such session"}}
                        )
                    return self._json(200, session)
                match = re.match(r"^/pay/(cs_test_\d+)$", self.path)
                if not match or match.group(1) not in stub.sessions:
                    return self._json(404, {"error": {"message": "not found"}})
                session = stub.sessions[match.group(1)]
                html = (
                    f"<!doctype html><title>Stripe test checkout</title><h1>Stripe test checkout</h1>"
                    f"<p id='amount'>{session['amount_total']} {session['currency']}</p>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

            def _json(self, status: int, data: dict):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-Id", "req_stub")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StripeStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def session_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/v1/checkout/sessions"]

    def pay(self, session_id: str) -> None:
        """What Stripe's hosted page does when the buyer pays: the session becomes complete and paid."""
        with self._lock:
            self.sessions[session_id].update(
                status="complete", payment_status="paid", payment_intent=f"pi_{session_id}"
            )
