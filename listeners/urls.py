"""Listeners' public pages: sign-in, My library, playlists and their share links, profiles, mixes, events."""

from django.urls import path

from listeners import views, views_events, views_mixes, views_playlists

app_name = "listeners"

urlpatterns = [
    path("account/sign-in/", views.sign_in_request, name="sign_in"),
    path("account/access/<str:token>/", views.access, name="access"),
    path("account/from-downloads/", views.from_downloads, name="from_downloads"),
    path("account/sign-out/", views.sign_out, name="sign_out"),
    path("account/alerts-off/<str:token>/", views.alerts_off, name="alerts_off"),
    path("library/", views.library, name="library"),
    path("library/profile/", views.profile_update, name="profile_update"),
    path("library/my-data.json", views.data_export, name="data_export"),
    path("library/delete-account/", views.account_delete, name="account_delete"),
    path("library/favourites/", views.favourite_toggle, name="favourite_toggle"),
    path("library/follow/<slug:slug>/", views.follow_toggle, name="follow_toggle"),
    path("listeners/<uuid:uuid>/", views.profile_public, name="profile"),
    path("playlists/new/", views_playlists.playlist_create, name="playlist_create"),
    path("playlists/add/", views_playlists.playlist_add, name="playlist_add"),
    path("playlists/<uuid:uuid>/", views_playlists.playlist_manage, name="playlist"),
    path("playlists/<uuid:uuid>/move/", views_playlists.playlist_move, name="playlist_move"),
    path("playlists/<uuid:uuid>/remove/", views_playlists.playlist_remove, name="playlist_remove"),
    path("playlists/<uuid:uuid>/delete/", views_playlists.playlist_delete, name="playlist_delete"),
    path("p/<str:token>/", views_playlists.playlist_shared, name="playlist_shared"),
    path("mixes/", views_mixes.mix_list, name="mix_list"),
    path("mixes/<uuid:uuid>/", views_mixes.mix_detail, name="mix_detail"),
    path("ratings/<uuid:uuid>/", views_mixes.feedback_submit, name="feedback_submit"),
    path("listen/play/", views_events.play, name="play"),
    path("listen/event/", views_events.event, name="event"),
    path("listen/go/<str:token>/", views_events.go, name="go"),
]
