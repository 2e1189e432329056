"""Mix pages: every long-mix release that is out has a shareable page with one continuous player, the
tracklist with timestamps (click to seek), the cover, licence links per track, and ratings."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from listeners import selectors, services, session
from listeners.forms import FeedbackForm
from listeners.views import release_by_uuid, safe_next, signed_in
from monetization import selectors as shop_selectors

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_GET
def mix_list(request):
    return render(request, "listeners/mix_list.html", {"mixes": selectors.mix_releases()})


@require_GET
def mix_detail(request, uuid):
    mix = selectors.mix_page(uuid)
    if mix is None:
        raise Http404("This mix is not out yet.")
    rows = list(mix.render.tracklist)
    licensable = {
        str(t.uuid): t for t in shop_selectors.storefront_tracks().filter(uuid__in=[r["track_uuid"] for r in rows])
    }
    tracklist = [{**row, "licensable": licensable.get(row["track_uuid"])} for row in rows]
    listener = session.current_listener(request)
    return render(
        request,
        "listeners/mix_detail.html",
        {
            "release": mix.release,
            "mix": mix.render,
            "tracklist": tracklist,
            "ratings": selectors.rating_summary(mix.release),
            "own_feedback": selectors.own_feedback(listener, mix.release),
            "feedback_form": FeedbackForm(),
            "listener": listener,
            "release_is_favourite": f"release:{mix.release.uuid}" in selectors.favourite_keys(listener),
            "next": request.get_full_path(),
        },
    )


@require_GET
def mix_audio(request, uuid):
    """The mix master, with HTTP Range requests so the player can seek anywhere in an hour of audio."""
    mix = selectors.mix_page(uuid)
    if mix is None:
        raise Http404("This mix is not out yet.")
    storage = storages["private"]
    if not isinstance(storage, FileSystemStorage):  # object storage: a short-lived presigned URL
        return redirect(storage.url(mix.render.path))
    size = storage.size(mix.render.path)
    content_type = "audio/flac" if mix.render.path.endswith(".flac") else "application/octet-stream"
    wanted = RANGE.match(request.headers.get("Range", "").strip())
    if wanted is None:
        response = FileResponse(storage.open(mix.render.path, "rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = wanted.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    elif last:
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = 0, size - 1
    if start >= size or start > end:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    handle = storage.open(mix.render.path, "rb")
    handle.seek(start)
    partial = FileResponse(_limited(handle, end - start + 1), status=206, content_type=content_type)
    partial["Content-Length"] = str(end - start + 1)
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Accept-Ranges"] = "bytes"
    return partial


def _limited(handle, length: int, chunk: int = 256 * 1024):
    with handle:
        while length > 0:
            data = handle.read(min(chunk, length))
            if not data:
                return
            length -= len(data)
            yield data


@require_POST
@signed_in
def feedback_submit(request, listener, uuid):
    release = release_by_uuid(uuid)
    if release is None:
        raise Http404("This release is not out.")
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback = services.feedback_submit(listener=listener, release=release, **form.cleaned_data)
            text = "Thanks for rating it."
            if feedback.text:
                text += " Your words appear once we have read them."
            messages.success(request, text)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose a rating from 1 to 5 stars; keep the text under 500 characters.")
    return redirect(safe_next(request, release.get_absolute_url()))
