from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def shared_cache_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Queued flow imports report progress through the cache: a per-process cache would never show it."""
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CELERY_TASK_ALWAYS_EAGER or not backend.endswith(("LocMemCache", "DummyCache")):
        return []
    return [
        checks.Warning(
            "Celery workers run background jobs, but the cache is per process: flow uploads will not show "
            "their progress or outcome.",
            hint="Set LIUKE_CACHE_URL (e.g. redis://127.0.0.1:6379/1) for the web servers and the workers.",
            id="liuke.W001",
        )
    ]


class ChannelConfig(AppConfig):
    name = "liuke.channel"
    label = "channel"
    verbose_name = _("Channel")

    def ready(self) -> None:
        from liuke.core import registry

        from . import policies, rules  # noqa: F401  (register visibility policies and the screening rules)

        registry.urls("channel/", "liuke.channel.urls")
        for prefix, viewset in [
            ("products", "ProductViewSet"),
            ("authorizations", "AuthorizationViewSet"),
            ("shipments", "ShipmentViewSet"),
            ("flow-imports", "FlowImportViewSet"),
            ("flow-lines", "FlowLineViewSet"),
        ]:
            registry.api(prefix, f"liuke.channel.api:{viewset}")
        registry.menu(_("Channel"), "channel:distributor_list", order=50)
        for kind, target in [
            ("products", "product_import_run"),
            ("prices", "price_import_run"),
            ("authorizations", "authorization_import_run"),
            ("shipments", "shipment_import_run"),
            ("flow", "flow_import_cli"),
        ]:
            options = ("distributor", "period") if kind == "flow" else ()
            registry.importer(kind, f"liuke.channel.importers:{target}", options=options)
        registry.exporter("flow", "liuke.channel.exports:flow_export", options=("period",))

        checks.register(shared_cache_check, checks.Tags.caches, deploy=False)
