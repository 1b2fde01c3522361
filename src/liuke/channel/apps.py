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
        from . import policies  # noqa: F401  (registers visibility policies)

        checks.register(shared_cache_check, checks.Tags.caches, deploy=False)
