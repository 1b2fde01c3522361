from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "liuke.interactions"
    label = "interactions"
    verbose_name = _("Record cards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liuke.core import registry, visibility

        from . import customer_page, policies, rules  # noqa: F401  (visibility, customer-page sections, alert rules)
        from .models import VisitPlan

        registry.urls("", "liuke.interactions.urls")
        registry.api("cards", "liuke.interactions.api:RecordCardViewSet")
        registry.api("problems", "liuke.interactions.api:ProblemViewSet")
        registry.api("follow-ups", "liuke.interactions.api:FollowUpViewSet")
        registry.menu(
            _("My day"), "interactions:my_day", order=10, allowed=lambda u: visibility.can(u, VisitPlan, "work")
        )
        registry.menu(_("Follow-ups"), "interactions:follow_up_list", order=30)
        registry.menu(
            _("Visit plan"), "interactions:plan", order=40, allowed=lambda u: visibility.can(u, VisitPlan, "keep")
        )
        registry.menu(
            _("Planned vs actual"),
            "interactions:plan_team",
            order=45,
            allowed=lambda u: visibility.can(u, VisitPlan, "compare"),
        )
