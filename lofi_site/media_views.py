"""Public media for `make run` (DEBUG): Django's `static.serve` plus HTTP Range requests.

Browsers seek in audio with Range requests; without them a preview plays but cannot be scrubbed. Production
serves media from S3 or a web server, which answer ranges themselves. Private files never come through here.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.views.static import serve

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def media_serve(request, path: str):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)  # 404s, directory refusals, 304s
    response["Accept-Ranges"] = "bytes"
    wanted = RANGE.match(request.headers.get("Range", "").strip())
    if response.status_code != 200 or wanted is None:
        return response
    response.close()
    file_path = Path(settings.MEDIA_ROOT) / path  # serve() has checked it stays inside MEDIA_ROOT
    size = file_path.stat().st_size
    first, last = wanted.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    elif last:  # "bytes=-N": the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = 0, size - 1
    if start >= size or start > end:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    handle = file_path.open("rb")
    handle.seek(start)
    partial = FileResponse(_limited(handle, end - start + 1), status=206, content_type=response["Content-Type"])
    partial["Content-Length"] = str(end - start + 1)
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Accept-Ranges"] = "bytes"
    return partial


def _limited(handle, length: int, chunk: int = 64 * 1024):
    with handle:
        while length > 0:
            data = handle.read(min(chunk, length))
            if not data:
                return
            length -= len(data)
            yield data
