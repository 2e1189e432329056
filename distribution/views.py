"""Cockpit pages of distribution that are not plain model screens: the release calendar, connecting a
YouTube channel or a SoundCloud account, and downloads of private files (delivery packages, release videos).
The admin classes route to them from `get_urls`, wrapped in `admin_site.admin_view` (staff login, CSRF)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from distribution import release_calendar, selectors
from distribution.forms import OAuthCodeForm
from distribution.models import DeliveryPackage, Platform, PlatformAccount, ReleaseMedia
from distribution.services import soundcloud as soundcloud_services
from distribution.services import youtube as youtube_services
from lofi_site.actors import Actor
from lofi_site.files import PRIVATE

SESSION_OAUTH = "distribution_youtube_oauth"


def _anchor(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


def release_calendar_view(request, model_admin):
    """Month or week view of what goes out when, optionally for one platform."""
    if not request.user.has_perm("distribution.view_publication"):
        raise PermissionDenied
    view = request.GET.get("view") if request.GET.get("view") in release_calendar.VIEWS else "month"
    anchor = _anchor(request.GET.get("date"))
    platform = request.GET.get("platform") if request.GET.get("platform") in Platform.values else ""
    period = release_calendar.period_for(view, anchor)
    start, end = period.bounds()
    publications = list(selectors.publications_between(start, end, platform=platform))
    planned = [] if platform else list(selectors.releases_planned_between(period.first_day, period.last_day))
    weeks = release_calendar.calendar_weeks(period, publications, planned, anchor=anchor, today=timezone.localdate())
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Release calendar: {period.title}",
        "period": period,
        "weeks": weeks,
        "view": view,
        "anchor": anchor,
        "platform": platform,
        "platforms": Platform.choices,
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "count": len(publications) + len(planned),
    }
    return TemplateResponse(request, "admin/distribution/publication/calendar.html", context)


# --- Connecting YouTube and SoundCloud accounts ------------------------------------------------------------
#
# Both use the OAuth authorization-code flow with PKCE: the connect page sends the editor to the platform's
# consent screen (state and verifier kept in the session), the platform sends the browser back to the callback
# with ?code&state, and the tokens are stored encrypted. When the browser cannot come back (the cockpit runs
# where the platform cannot redirect), the editor pastes the code or the whole address into the connect page.


@dataclass(frozen=True)
class _Provider:
    platform: str
    name: str  # who shows the consent screen
    session_key: str
    setting: str  # a fixed redirect URI registered with the platform, when the cockpit's own is not usable
    start: Callable
    finish: Callable  # (account, actor, code, redirect_uri, state, code_verifier)
    grant: str  # what the editor allows, for the steps on the page


def _youtube_finish(*, account, actor: Actor, code, redirect_uri, state, code_verifier):
    return youtube_services.youtube_connect_finish(
        account=account,
        actor=actor,
        code=code,
        redirect_uri=redirect_uri,
        state=state,
        code_verifier=code_verifier,
    )


def _soundcloud_finish(*, account, actor: Actor, code, redirect_uri, state, code_verifier):
    return soundcloud_services.soundcloud_connect_finish(
        account=account, actor=actor, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
    )


PROVIDERS = {
    Platform.YOUTUBE: _Provider(
        Platform.YOUTUBE,
        "Google",
        SESSION_OAUTH,
        "YOUTUBE_OAUTH_REDIRECT_URI",
        youtube_services.youtube_connect_start,
        _youtube_finish,
        "sign in with the account that owns the channel and allow the label's app to upload and manage videos",
    ),
    Platform.SOUNDCLOUD: _Provider(
        Platform.SOUNDCLOUD,
        "SoundCloud",
        "distribution_soundcloud_oauth",
        "SOUNDCLOUD_OAUTH_REDIRECT_URI",
        soundcloud_services.soundcloud_connect_start,
        _soundcloud_finish,
        "sign in with the label's SoundCloud account and allow the app to upload tracks for it",
    ),
}


def _redirect_uri(request, provider: _Provider) -> str:
    configured = getattr(settings, provider.setting, "")
    return configured or request.build_absolute_uri(
        reverse(f"admin:distribution_platformaccount_{provider.platform}_callback")
    )


def account_connect_view(request, model_admin, object_id, platform: str):
    """Start page: a link to the platform's consent screen (state and PKCE verifier kept in the session), and
    a form to paste the code when the browser cannot come back to the cockpit by itself."""
    provider = PROVIDERS[platform]
    account = get_object_or_404(PlatformAccount, pk=object_id, platform=platform)
    if not model_admin.has_change_permission(request, account):
        raise PermissionDenied
    redirect_uri = _redirect_uri(request, provider)
    oauth = request.session.get(provider.session_key) or {}
    form = OAuthCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and oauth.get("account") == account.pk:
        try:
            provider.finish(
                account=account,
                actor=request.user,
                code=form.cleaned_data["code"],
                redirect_uri=oauth["redirect_uri"],
                state=oauth.get("state"),
                code_verifier=oauth.get("verifier"),
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session.pop(provider.session_key, None)
            return _connected(request, account)
    consent_url, error = "", ""
    try:
        consent_url, state, verifier = provider.start(account=account, redirect_uri=redirect_uri)
        request.session[provider.session_key] = {
            "account": account.pk,
            "state": state,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
        }
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Connect {account.name} to {account.get_platform_display()}",
        "account": account,
        "provider": provider,
        "consent_url": consent_url,
        "redirect_uri": redirect_uri,
        "error": error,
        "form": form,
    }
    return TemplateResponse(request, "admin/distribution/platformaccount/connect.html", context)


def account_callback_view(request, model_admin, platform: str):
    """Where the platform sends the browser back with ?code and ?state."""
    provider = PROVIDERS[platform]
    oauth = request.session.get(provider.session_key) or {}
    account = get_object_or_404(PlatformAccount, pk=oauth.get("account"), platform=platform)
    if not model_admin.has_change_permission(request, account):
        raise PermissionDenied
    connect_url = reverse(f"admin:distribution_platformaccount_{platform}_connect", args=[account.pk])
    if request.GET.get("error"):
        messages.error(request, f"{provider.name} did not grant access: {request.GET['error']}.")
        return HttpResponseRedirect(connect_url)
    if request.GET.get("state") != oauth.get("state"):
        messages.error(
            request,
            f"The answer from {provider.name} does not belong to this connection attempt; start again.",
        )
        return HttpResponseRedirect(connect_url)
    try:
        provider.finish(
            account=account,
            actor=request.user,
            code=request.GET.get("code", ""),
            redirect_uri=oauth["redirect_uri"],
            state=oauth.get("state"),
            code_verifier=oauth.get("verifier"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(connect_url)
    request.session.pop(provider.session_key, None)
    return _connected(request, account)


@require_POST
def account_disconnect_view(request, model_admin, object_id):
    account = get_object_or_404(PlatformAccount, pk=object_id)
    if not model_admin.has_change_permission(request, account):
        raise PermissionDenied
    youtube_services.account_disconnect(account=account, actor=request.user)
    messages.success(request, f"{account.name} is disconnected; its tokens are deleted.")
    return HttpResponseRedirect(reverse("admin:distribution_platformaccount_change", args=[account.pk]))


def _connected(request, account: PlatformAccount):
    account.refresh_from_db()
    messages.success(request, f"{account.name} is {account.connected_as}.")
    return HttpResponseRedirect(reverse("admin:distribution_platformaccount_change", args=[account.pk]))


# --- Private downloads ------------------------------------------------------------------------------------


def _private_file(name: str, filename: str, content_type: str) -> FileResponse:
    if not name or not storages[PRIVATE].exists(name):
        raise Http404("The file is not there (any more).")
    return FileResponse(
        storages[PRIVATE].open(name, "rb"), as_attachment=True, filename=filename, content_type=content_type
    )


def delivery_package_download_view(request, model_admin, object_id):
    """The zip, streamed from private storage to staff who may view packages (VAs upload from it)."""
    if not request.user.has_perm("distribution.view_deliverypackage"):
        raise PermissionDenied
    package = get_object_or_404(
        DeliveryPackage.objects.select_related("release", "account"),
        pk=object_id,
        status=DeliveryPackage.Status.READY,
    )
    return _private_file(package.path, package.filename, "application/zip")


def release_video_download_view(request, model_admin, object_id):
    if not request.user.has_perm("distribution.view_releasemedia"):
        raise PermissionDenied
    media = get_object_or_404(ReleaseMedia.objects.select_related("release"), pk=object_id)
    return _private_file(media.video_path, f"{media.release.uuid}.mp4", "video/mp4")


@require_POST
def release_action_view(request, model_admin, object_id, action):
    """One workflow button of the release page: the list action of that name, on this release only, with
    the same permission checks as on the list."""
    release = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    change_url = reverse("admin:catalog_release_change", args=[release.pk])
    if action == "restore_cover":
        return _restore_cover(request, model_admin, release, change_url)
    actions = model_admin.get_actions(request)
    if action not in model_admin.PAGE_ACTIONS or action not in actions:
        raise PermissionDenied
    if action == "generate_artwork" and release.artwork and request.POST.get("confirm") != "yes":
        # Replacing a cover is asked first; the current one is kept among the earlier covers.
        return TemplateResponse(
            request,
            "distribution/artwork_confirm.html",
            {
                **model_admin.admin_site.each_context(request),
                "title": f"Generate a new cover for “{release.title}”?",
                "release": release,
                "change_url": change_url,
                "action_url": request.path,
                "opts": model_admin.model._meta,
            },
        )
    func = actions[action][0]
    func(model_admin, request, model_admin.get_queryset(request).filter(pk=release.pk))
    return HttpResponseRedirect(reverse("admin:catalog_release_change", args=[release.pk]))


def _restore_cover(request, model_admin, release, change_url):
    from distribution.services.release_media import release_artwork_restore

    if request.method != "POST" or not model_admin.has_change_permission(request, release):
        raise PermissionDenied
    try:
        release_artwork_restore(release=release, path=request.POST.get("cover_path", ""), actor=request.user)
        messages.success(request, "The earlier cover is the cover again; the one it replaced is kept below.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return HttpResponseRedirect(change_url)


def calendar_url(*, view: str = "month", day: date | None = None, platform: str = "") -> str:
    query = {"view": view}
    if day:
        query["date"] = day.isoformat()
    if platform:
        query["platform"] = platform
    return reverse("admin:distribution_publication_calendar") + "?" + urlencode(query)
