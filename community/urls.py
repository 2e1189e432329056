"""Public community pages: track requests, newsletter sign-up and its links (confirm, unsubscribe, free
pack)."""

from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("requests/", views.requests_page, name="requests"),
    path("requests/<uuid:uuid>/vote/", views.request_vote, name="request_vote"),
    path("newsletter/", views.newsletter_signup, name="newsletter"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm, name="newsletter_confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.newsletter_unsubscribe, name="newsletter_unsubscribe"),
    path("newsletter/free-pack/<str:token>/", views.lead_magnet_download, name="lead_magnet_download"),
]
