from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelConfig(AppConfig):
    name = "liuke.channel"
    label = "channel"
    verbose_name = _("Channel")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers visibility policies)
