"""Mix pages: every long-mix release that is out has a shareable page with one continuous player (the mix's
public MP3 stream, never the lossless master), the tracklist with timestamps (click to seek), the cover,
licence links per track, and ratings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from listeners import selectors, services, session
from listeners.forms import FeedbackForm
from listeners.views import release_by_uuid, safe_next, signed_in
from monetization import selectors as shop_selectors


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
    if mix.stream is None:  # published since the last hourly run: have it made now
        services.mix_stream_request(render=mix.render)
    return render(
        request,
        "listeners/mix_detail.html",
        {
            "release": mix.release,
            "mix": mix.render,
            "stream": mix.stream,
            "tracklist": tracklist,
            "ratings": selectors.rating_summary(mix.release),
            "own_feedback": selectors.own_feedback(listener, mix.release),
            "feedback_form": FeedbackForm(),
            "listener": listener,
            "release_is_favourite": f"release:{mix.release.uuid}" in selectors.favourite_keys(listener),
            "next": request.get_full_path(),
        },
    )


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
