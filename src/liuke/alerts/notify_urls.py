"""Pages of notifications: preferences, group robots, the bell's list (included by ``urls.py``)."""

from django.urls import path

from . import notify_views

urlpatterns = [
    path("preferences/", notify_views.PreferenceView.as_view(), name="preferences"),
    path("robots/", notify_views.WebhookListView.as_view(), name="webhook_list"),
]
