from django.urls import path

from . import notify_urls, views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    *notify_urls.urlpatterns,
]
