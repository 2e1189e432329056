"""The public storefront: browse and listen, license and pay, download, verify. No personal data on public
pages; every form is CSRF-protected except Stripe's webhook, which is authenticated by its signature.

- `storefront`: home, tracks, releases, artists, licence tiers, sample packs
- `checkout`: the cart, checkout through Stripe, the Stripe webhook
- `downloads`: "My downloads" (magic-link sign-in, fresh links, channel allow lists) and the download links
- `verify`: licence verification
"""

from monetization.views.checkout import (
    cart_add_view,
    cart_remove_view,
    cart_view,
    checkout,
    checkout_cancelled,
    checkout_complete,
    checkout_status,
    stripe_webhook,
)
from monetization.views.downloads import (
    channel_add,
    channel_remove_view,
    download,
    downloads_access,
    downloads_mine,
    downloads_refresh,
    downloads_request,
    downloads_sign_out,
)
from monetization.views.storefront import (
    artist_detail,
    home,
    licence_tiers,
    pack_detail,
    pack_list,
    release_by_uuid,
    release_detail,
    track_detail,
    track_list,
)
from monetization.views.verify import licence_verify, licence_verify_form

__all__ = [
    "artist_detail",
    "cart_add_view",
    "cart_remove_view",
    "cart_view",
    "channel_add",
    "channel_remove_view",
    "checkout",
    "checkout_cancelled",
    "checkout_complete",
    "checkout_status",
    "download",
    "downloads_access",
    "downloads_mine",
    "downloads_refresh",
    "downloads_request",
    "downloads_sign_out",
    "home",
    "licence_tiers",
    "licence_verify",
    "licence_verify_form",
    "pack_detail",
    "pack_list",
    "release_by_uuid",
    "release_detail",
    "stripe_webhook",
    "track_detail",
    "track_list",
]
