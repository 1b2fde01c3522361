from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from liuke.channel.api import AuthorizationViewSet, FlowImportViewSet, FlowLineViewSet, ProductViewSet, ShipmentViewSet
from liuke.core import views as core_views
from liuke.customers.api import AccountTeamMemberViewSet, ContactViewSet, CustomerViewSet
from liuke.interactions.api import FollowUpViewSet, ProblemViewSet, RecordCardViewSet
from liuke.org.api import DepartmentViewSet, EmployeeViewSet, TerritoryViewSet

router = DefaultRouter()
router.register("departments", DepartmentViewSet)
router.register("employees", EmployeeViewSet)
router.register("territories", TerritoryViewSet)
router.register("customers", CustomerViewSet)
router.register("contacts", ContactViewSet)
router.register("account-team", AccountTeamMemberViewSet)
router.register("cards", RecordCardViewSet)
router.register("problems", ProblemViewSet)
router.register("follow-ups", FollowUpViewSet)
router.register("products", ProductViewSet)
router.register("authorizations", AuthorizationViewSet)
router.register("shipments", ShipmentViewSet)
router.register("flow-imports", FlowImportViewSet)
router.register("flow-lines", FlowLineViewSet)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("liuke.org.urls")),
    path("customers/", include("liuke.customers.urls")),
    path("channel/", include("liuke.channel.urls")),
    path("", include("liuke.interactions.urls")),
    path("core/", include("liuke.core.urls")),
    path("admin/", admin.site.urls),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(router.urls)),
]
