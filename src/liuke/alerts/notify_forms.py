"""Forms of the notification pages: a person's preferences, a group robot."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from liuke.core.forms import ServiceForm
from liuke.org.forms import DepartmentChoiceField

from . import registry
from .choices import NotifyChannel, Severity


class PreferenceForm(ServiceForm):
    in_app = forms.BooleanField(label=_("In the app (the bell)"), required=False)
    email = forms.BooleanField(label=_("E-mail at once"), required=False)
    digest = forms.BooleanField(label=_("Daily digest e-mail"), required=False)
    min_severity = forms.ChoiceField(
        label=_("From severity"),
        choices=Severity.choices,
        help_text=_("Alerts below this severity reach you only in the inbox."),
    )
    language = forms.ChoiceField(
        label=_("Language of e-mails"),
        choices=[("", _("The company's language")), *settings.LANGUAGES],
        required=False,
    )


def _rule_choices() -> list[tuple[str, str]]:
    return [(r.name, str(r.title)) for r in registry.all_rules()]


class WebhookForm(ServiceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("kind"), choices=[(c, NotifyChannel(c).label) for c in (NotifyChannel.WECOM, NotifyChannel.DINGTALK)]
    )
    url = forms.URLField(
        label=_("webhook address"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Copied from the group's robot settings, e.g. https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… "
            "or https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("DingTalk robots with 加签 only (starts with SEC). Left empty, the current secret is kept."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    department = DepartmentChoiceField(
        label=_("department"),
        required=False,
        help_text=_("Alerts about its customers and staff. Empty: the whole company"),
    )
    min_severity = forms.ChoiceField(label=_("from severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    rules = forms.MultipleChoiceField(
        label=_("rules"), required=False, widget=forms.CheckboxSelectMultiple, help_text=_("Empty: every rule")
    )
    enabled = forms.BooleanField(label=_("enabled"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = _rule_choices()
        self.fields["secret"].initial = ""

    def initial_from(self, instance) -> dict:
        initial = super().initial_from(instance)
        initial["secret"] = ""  # never sent back to the browser
        initial["rules"] = list(instance.rules or [])
        return initial

    def secret_value(self) -> str | None:
        """What the service gets: "" to remove the secret, None to keep it, else the new one."""
        if self.cleaned_data.get("clear_secret"):
            return ""
        return self.cleaned_data.get("secret") or None
