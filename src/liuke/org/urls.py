from django.contrib.auth.decorators import login_required
from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("departments/new/", views.DepartmentEditView.as_view(), name="department_add"),
    path("departments/<int:pk>/", views.DepartmentDetailView.as_view(), name="department_detail"),
    path("departments/<int:pk>/edit/", views.DepartmentEditView.as_view(), name="department_edit"),
    path("employees/", views.EmployeeListView.as_view(), name="employee_list"),
    path("employees/new/", views.EmployeeEditView.as_view(), name="employee_add"),
    path("employees/<int:pk>/", views.EmployeeDetailView.as_view(), name="employee_detail"),
    path("employees/<int:pk>/edit/", views.EmployeeEditView.as_view(), name="employee_edit"),
    path("territories/", views.TerritoryListView.as_view(), name="territory_list"),
    path("territories/new/", views.TerritoryEditView.as_view(), name="territory_add"),
    path("territories/<int:pk>/", views.TerritoryDetailView.as_view(), name="territory_detail"),
    path("territories/<int:pk>/edit/", views.TerritoryEditView.as_view(), name="territory_edit"),
    path("divisions/", login_required(views.division_list), name="division_list"),
]
