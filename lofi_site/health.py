"""`/healthz`: is the platform able to work?

Anyone (a load balancer, an uptime monitor) gets the cheap liveness answer: one `SELECT 1`, 200 or 503, nothing
written and nothing about the software. The detailed check (the database, both storages written and read back,
the task broker with its queue) is for signed-in staff or a request carrying `HEALTHZ_TOKEN` (header
`Authorization: Bearer <token>`); it names the failing part and the error's type, never hosts or credentials
(those go to the log). Plain-HTTP probes are not redirected to HTTPS (SECURE_REDIRECT_EXEMPT).
"""

from __future__ import annotations

import hmac
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_q.brokers import get_broker

logger = logging.getLogger(__name__)

PROBE_DIR = "healthz"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")
    return connection.vendor


def check_storage() -> str:
    """Write, read back and delete a probe file in the public and the private storage."""
    for alias in ("default", "private"):
        storage = storages[alias]
        payload = uuid.uuid4().hex.encode()
        name = storage.save(f"{PROBE_DIR}/{uuid.uuid4().hex}.txt", ContentFile(payload))
        try:
            with storage.open(name, "rb") as probe:
                if probe.read() != payload:
                    raise RuntimeError(f"{alias} storage returned different bytes")
        finally:
            storage.delete(name)
    return "default and private: write, read, delete"


def check_broker() -> str:
    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("broker did not answer ping")
    waiting = broker.queue_size()  # a real round trip: a query on the ORM broker, LLEN on Redis
    return f"{broker.info()}, {waiting} task(s) waiting"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "storage": check_storage,
    "broker": check_broker,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:  # any failure is the answer we report, never a 500
            logger.exception("healthz: %s check failed", name)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True, "detail": detail}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


def run_liveness() -> bool:
    try:
        check_database()
    except Exception:  # the answer is "failing", never a 500
        logger.exception("healthz: database liveness check failed")
        return False
    return True


def detailed_allowed(request) -> bool:
    """Staff signed in, or the configured token (compared in constant time)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = getattr(settings, "HEALTHZ_TOKEN", "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_GET
def healthz(request):
    if not detailed_allowed(request):
        healthy = run_liveness()
        return JsonResponse({"status": "ok" if healthy else "failing"}, status=200 if healthy else 503)
    checks = run_checks()
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)
