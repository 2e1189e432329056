"""gunicorn settings for the web processes (`make serve`, or `gunicorn -c gunicorn.conf.py lofi_site.wsgi`).

Every value can be overridden from the environment, so one file serves a laptop and a production host.
Workers are synchronous processes: each page costs a few milliseconds of CPU, and media downloads are
streamed from storage (FileResponse/StreamingHttpResponse), so a worker is never held by a slow reader for
longer than `timeout` allows; put a buffering proxy (nginx, a load balancer) in front for slow clients.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# (2 x cores) + 1 is gunicorn's own rule of thumb for CPU-bound synchronous workers.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT_S", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak in a library cannot grow a process without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Load the application once in the arbiter: workers fork with the imported code shared copy-on-write.
preload_app = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
