"""The public storefront's browsing pages: home, tracks, releases, artists, licence tiers and sample packs
(all cached for anonymous visitors by lofi_site.pagecache)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from catalog.models import Asset, Style
from catalog.selectors import artist_public, public_isrc, release_cards_public
from lofi_site.pagecache import public_page
from lofi_site.public_links import links_for_release
from monetization import cart, conf, selectors
from monetization.forms import TrackSearchForm


def _with_covers(tracks) -> list:
    """The tracks as a list, each with `cover_release` (the release whose artwork its card shows, or None)."""
    tracks = list(tracks)
    covers = selectors.track_cover_releases(tracks)
    for track in tracks:
        track.cover_release = covers.get(track.pk)
    return tracks


# Headings of the pack page's contents list, one per kind of file.
PACK_GROUP_TITLES = {"loop": "Loops", "one_shot": "One-shots", "midi": "MIDI files", "document": "Documents"}


@require_GET
@public_page
def home(request):
    return render(
        request,
        "monetization/home.html",
        {
            "releases": selectors.featured_releases(),
            "tracks": _with_covers(selectors.newest_tracks(8)),
            "packs": list(selectors.packs_on_sale()[:3]),
            "tiers": list(selectors.track_tiers()),
            "moods": selectors.moods_with_tracks()[:12],
            "suggestions": selectors.search_suggestions(),
        },
    )


@require_GET
@public_page
def track_list(request):
    moods, styles = selectors.moods_with_tracks(), list(Style.objects.all())
    form = TrackSearchForm(request.GET or None, moods=moods, styles=styles)
    tracks = selectors.track_search(form.search())
    page = Paginator(tracks, conf.storefront_page_size()).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "monetization/track_list.html",
        {
            "form": form,
            "page": page,
            "tracks": _with_covers(page.object_list),
            "query": query.urlencode(),
            "suggestions": selectors.search_suggestions(),
            "filtered": form.is_filtered,
        },
    )


@require_GET
@public_page
def track_detail(request, uuid):
    track = selectors.storefront_track(uuid)
    if track is None:
        raise Http404("This track is not available for licensing.")
    tiers = list(selectors.track_tiers())
    keys = cart.cart_keys(request.session)
    in_cart = next((t.slug for t in tiers if cart.track_key(track.uuid, t.slug) in keys), None)
    releases = list(release_cards_public().filter(release_tracks__track=track))
    [track] = _with_covers([track])
    return render(
        request,
        "monetization/track_detail.html",
        {
            "track": track,
            "isrc": public_isrc(track),
            "tiers": tiers,
            "in_cart_tier": in_cart,
            "releases": releases,
            "preview": track.asset(Asset.Kind.PREVIEW),
            "waveform": track.asset(Asset.Kind.WAVEFORM),
            "peaks": track.asset(Asset.Kind.PEAKS),
        },
    )


@require_GET
def release_by_uuid(request, uuid):
    """Earlier links named releases by UUID: send them to the page's address."""
    release = selectors.public_release_by_uuid(uuid)
    if release is None:
        raise Http404("This release is not out yet.")
    return redirect("monetization:release_detail", release.slug, permanent=True)


@require_GET
@public_page
def release_detail(request, slug):
    release = selectors.public_release(slug)
    if release is None:
        raise Http404("This release is not out yet.")
    licensable = {t.pk: t for t in selectors.storefront_tracks().filter(release_tracks__release=release)}
    rows = [(rt.position, licensable.get(rt.track_id), rt.track) for rt in release.release_tracks.all()]
    return render(
        request,
        "monetization/release_detail.html",
        {
            "release": release,
            "rows": rows,
            "tiers": list(selectors.track_tiers()),
            "platform_links": links_for_release(release),
            "more": [r for r in selectors.artist_releases(release.artist) if r.pk != release.pk][:4],
        },
    )


@require_GET
@public_page
def artist_detail(request, slug):
    artist = artist_public(slug)
    if artist is None:
        raise Http404("No such artist on the label.")
    releases = selectors.artist_releases(artist)
    on_releases = {rt.track_id for r in releases for rt in r.release_tracks.all()}
    singles = [t for t in selectors.storefront_tracks().filter(artist=artist) if t.pk not in on_releases]
    return render(
        request,
        "monetization/artist_detail.html",
        {"artist": artist, "releases": releases, "tracks": _with_covers(singles)},
    )


@require_GET
@public_page
def licence_tiers(request):
    tiers = list(selectors.all_public_tiers())
    return render(
        request,
        "monetization/licence_tiers.html",
        {
            "track_tiers": [t for t in tiers if t.scope == t.Scope.TRACK],
            "pack_tiers": [t for t in tiers if t.scope == t.Scope.PACK],
        },
    )


@require_GET
@public_page
def pack_list(request):
    return render(request, "monetization/pack_list.html", {"packs": list(selectors.packs_on_sale())})


@require_GET
@public_page
def pack_detail(request, slug):
    pack = selectors.pack_on_sale(slug)
    if pack is None:
        raise Http404("This sample pack is not on sale.")
    items = list(pack.items.all())
    groups: dict[str, list] = {title: [] for title in PACK_GROUP_TITLES.values()}  # the sounds first
    for item in items:
        groups.setdefault(PACK_GROUP_TITLES.get(item.kind, item.get_kind_display()), []).append(item)
    groups = {title: group for title, group in groups.items() if group}
    return render(
        request,
        "monetization/pack_detail.html",
        {
            "pack": pack,
            "groups": groups,
            "item_total": len(items),
            "in_cart": cart.pack_key(pack.uuid) in cart.cart_keys(request.session),
            "terms": pack.tier.current_terms(),
        },
    )
