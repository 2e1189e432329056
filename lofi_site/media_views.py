"""Public media for `make run` and `make serve` (SERVE_MEDIA, local files): `static.serve` plus Range requests.

Browsers seek in audio with Range requests; without them a preview plays but cannot be scrubbed. Production
serves media from S3 or a web server, which answer ranges themselves. Private files never come through here.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join
from django.views.static import serve

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def media_serve(request, path: str):
    wanted = RANGE.match(request.headers.get("Range", "").strip())
    file_path = Path(safe_join(settings.MEDIA_ROOT, path))  # SuspiciousFileOperation (400) outside MEDIA_ROOT
    if any(len(part.encode()) > 255 for part in file_path.parts):
        raise Http404("No such file.")  # longer than any file name: the file system would refuse it (a 500)
    if wanted is None or not file_path.is_file():
        response = serve(request, path, document_root=settings.MEDIA_ROOT)  # 404s, directory refusals, 304s
        response["Accept-Ranges"] = "bytes"
        return response
    content_type = mimetypes.guess_type(file_path.name)[0] or "application/octet-stream"
    return ranged_response(request, file_path.open("rb"), file_path.stat().st_size, content_type)


def ranged_response(request, handle, size: int, content_type: str):
    """Stream an open binary file (closed when done): the bytes a Range header asks for (206), or all (200).

    For audio players: browsers seek with Range requests. `handle` must support seek (local files, and
    django-storages' S3 files, which spool the object locally).
    """
    wanted = RANGE.match(request.headers.get("Range", "").strip())
    if wanted is None:
        whole = FileResponse(handle, content_type=content_type)
        whole["Content-Length"] = str(size)
        whole["Accept-Ranges"] = "bytes"
        return whole
    first, last = wanted.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    elif last:  # "bytes=-N": the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = 0, size - 1
    if start >= size or start > end:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    handle.seek(start)
    partial = FileResponse(_limited(handle, end - start + 1), status=206, content_type=content_type)
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
