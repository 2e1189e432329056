"""Public pages of the storefront, the download and verification pages and Stripe's webhook."""

from django.urls import path

from monetization import views

app_name = "monetization"

urlpatterns = [
    path("", views.home, name="home"),
    path("tracks/", views.track_list, name="track_list"),
    path("tracks/<uuid:uuid>/", views.track_detail, name="track_detail"),
    # One name, two addresses: reverse() with a UUID gives the redirecting one, with a slug the page itself.
    path("releases/<uuid:uuid>/", views.release_by_uuid, name="release_detail"),
    path("releases/<slug:slug>/", views.release_detail, name="release_detail"),
    path("artists/<slug:slug>/", views.artist_detail, name="artist_detail"),
    path("licences/", views.licence_tiers, name="licence_tiers"),
    path("licences/verify/", views.licence_verify_form, name="licence_verify_form"),
    path("licences/verify/<str:code>/", views.licence_verify, name="licence_verify"),
    path("packs/", views.pack_list, name="pack_list"),
    path("packs/<slug:slug>/", views.pack_detail, name="pack_detail"),
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/", views.cart_add_view, name="cart_add"),
    path("cart/remove/", views.cart_remove_view, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/complete/", views.checkout_complete, name="checkout_complete"),
    path("checkout/complete/status/", views.checkout_status, name="checkout_status"),
    path("checkout/cancelled/", views.checkout_cancelled, name="checkout_cancelled"),
    path("downloads/", views.downloads_request, name="downloads"),
    path("downloads/access/<str:token>/", views.downloads_access, name="downloads_access"),
    path("downloads/mine/", views.downloads_mine, name="downloads_mine"),
    path("downloads/mine/orders/<uuid:uuid>/refresh/", views.downloads_refresh, name="downloads_refresh"),
    path("downloads/mine/licences/<uuid:uuid>/channels/", views.channel_add, name="channel_add"),
    path("downloads/mine/channels/<int:pk>/remove/", views.channel_remove_view, name="channel_remove"),
    path("downloads/mine/sign-out/", views.downloads_sign_out, name="downloads_sign_out"),
    path("downloads/file/<str:token>/", views.download, name="download"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
