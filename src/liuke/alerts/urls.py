from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("preferences/", views.PreferenceView.as_view(), name="preferences"),
    path("robots/", views.WebhookListView.as_view(), name="webhook_list"),
]
