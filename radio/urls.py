"""The public radio page and the endpoints each station's Liquidsoap calls."""

from django.urls import path

from radio import views

app_name = "radio"

urlpatterns = [
    path("radio/", views.radio_page, name="radio"),
    path("radio/<slug:slug>/request/", views.request_track_view, name="request"),
    path("radio/autodj/<slug:slug>/next/", views.autodj_next_view, name="autodj_next"),
    path("radio/autodj/<slug:slug>/report/", views.autodj_report_view, name="autodj_report"),
]
