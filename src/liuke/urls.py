"""The site's URLs: core's own, then whatever each app registered in ``liuke.core.registry``."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from liuke.core import registry
from liuke.core import views as core_views

router = DefaultRouter()
for entry in registry.api_entries():
    viewset = registry.load(entry.viewset)
    router.register(entry.prefix, viewset, basename=entry.basename)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    *[path(entry.prefix, include(entry.module)) for entry in registry.url_entries()],
    path("core/", include("liuke.core.urls")),
    path("admin/", admin.site.urls),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(router.urls)),
]
