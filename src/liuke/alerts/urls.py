from django.urls import path

from . import notify_urls, views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("bulk/", views.alert_bulk, name="alert_bulk"),
    path("export/", views.alert_export, name="alert_export"),
    path("map/", views.channel_map, name="charts"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
    path("<int:pk>/step/", views.alert_step, name="alert_step"),
    path("<int:pk>/assign/", views.alert_assign, name="alert_assign"),
    path("<int:pk>/notes/", views.alert_note, name="alert_note"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/screen/", views.screen_now, name="screen"),
    path("rules/<str:rule>/", views.rule_edit, name="rule_edit"),
    *notify_urls.urlpatterns,
]
