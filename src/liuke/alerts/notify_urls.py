"""Pages of notifications: preferences, group robots, the bell's list (included by ``urls.py``)."""

from django.urls import path

from . import notify_views

urlpatterns = [
    path("preferences/", notify_views.PreferenceView.as_view(), name="preferences"),
    path("notifications/", notify_views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/menu/", notify_views.NotificationMenuView.as_view(), name="notification_menu"),
    path("notifications/read-all/", notify_views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/<int:pk>/", notify_views.NotificationOpenView.as_view(), name="notification_open"),
    path("robots/", notify_views.WebhookListView.as_view(), name="webhook_list"),
    path("robots/new/", notify_views.WebhookEditView.as_view(), name="webhook_add"),
    path("robots/<int:pk>/edit/", notify_views.WebhookEditView.as_view(), name="webhook_edit"),
    path("robots/<int:pk>/test/", notify_views.WebhookTestView.as_view(), name="webhook_test"),
]
