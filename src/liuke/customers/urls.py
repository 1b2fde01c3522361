from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer_list"),
    path("new/", views.customer_edit, name="customer_add"),
    path("coverage/", views.coverage, name="coverage"),
    path("export/", views.customer_export_view, name="export"),
    path("import/", views.customer_import_view, name="import"),
    path("fields/", views.field_list, name="field_list"),
    path("fields/new/", views.field_edit, name="field_add"),
    path("fields/<int:pk>/", views.field_edit, name="field_edit"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/merge/", views.customer_merge, name="customer_merge"),
    path("<int:pk>/team/", views.team_assign, name="team_assign"),
    path("<int:pk>/team/<int:member_pk>/end/", views.team_unassign, name="team_unassign"),
    path("<int:customer_pk>/contacts/new/", views.contact_edit, name="contact_add"),
    path("<int:customer_pk>/contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("<int:customer_pk>/contacts/<int:pk>/knower/", views.contact_knower, name="contact_knower"),
    path("<int:customer_pk>/contacts/<int:pk>/archive/", views.contact_archive, name="contact_archive"),
]
