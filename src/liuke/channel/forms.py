"""Forms for the channel's master data: products, floor prices, discount approvals, distributor authorisations.

Each form only reads and checks what a person typed; the services in ``services.py`` apply the rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liuke.core.forms import DateInput, ServiceForm
from liuke.customers.models import Customer
from liuke.org.models import Division

from .choices import ChannelLevel
from .models import Product


def _products():
    return Product.objects.filter(archived_at__isnull=True).order_by("code")


class ProductForm(ServiceForm):
    code = forms.CharField(label=_("code"), max_length=50)
    name = forms.CharField(label=_("name"), max_length=200)
    spec = forms.CharField(label=_("spec"), max_length=100, required=False,
                           help_text=_("As printed on the pack, e.g. 0.3g*10片*3板/盒."))  # fmt: skip
    base_unit = forms.CharField(label=_("base unit"), max_length=10, required=False,
                                help_text=_("Empty: the pack spec's outer unit (盒 above)."))  # fmt: skip
    units_text = forms.CharField(label=_("other units"), required=False,
                                 help_text=_("How many base units each holds, e.g. 件=50;支=0.1."))  # fmt: skip
    aliases_text = forms.CharField(label=_("other names"), required=False,
                                   help_text=_("Names distributors use for it, separated by ;"))  # fmt: skip

    def initial_from(self, instance: Product) -> dict[str, Any]:
        return {"code": instance.code, "name": instance.name, "spec": instance.spec, "base_unit": instance.base_unit,
                "units_text": instance.units_text(), "aliases_text": ";".join(instance.aliases or [])}  # fmt: skip


class PriceFloorForm(ServiceForm):
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())
    channel_level = forms.ChoiceField(label=_("channel level"), choices=ChannelLevel.choices)
    floor_price = forms.DecimalField(label=_("floor price"), max_digits=14, decimal_places=4,
                                     help_text=_("Per base unit."))  # fmt: skip
    valid_from = forms.DateField(label=_("valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("valid to"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]


class DiscountForm(ServiceForm):
    customer_code = forms.CharField(label=_("customer code"), max_length=20)
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())
    net_price = forms.DecimalField(label=_("net price"), max_digits=14, decimal_places=4,
                                   help_text=_("Per base unit, after the discount."))  # fmt: skip
    quantity_cap = forms.DecimalField(label=_("quantity cap"), max_digits=16, decimal_places=3, required=False,
                                      min_value=0, help_text=_("In base units; empty: no cap."))  # fmt: skip
    valid_from = forms.DateField(label=_("valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("valid to"), widget=DateInput())
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customers = customers if customers is not None else Customer.objects.none()
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]

    def clean_customer_code(self) -> Customer:
        code = self.cleaned_data["customer_code"].strip()
        customer = self.customers.filter(code=code, archived_at__isnull=True).first()
        if customer is None:
            raise forms.ValidationError(_("No customer you can see has code %(code)s.") % {"code": code})
        return customer


class AuthorizationForm(ServiceForm):
    distributor = forms.ModelChoiceField(label=_("distributor"), queryset=Customer.objects.none())
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none(), required=False,
                                     empty_label=_("(every product)"))  # fmt: skip
    division_code = forms.CharField(
        label=_("division code"), max_length=6, help_text=_("Province, city or county code; covers all below it.")
    )
    valid_from = forms.DateField(label=_("valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("valid to"), required=False, widget=DateInput())

    def __init__(self, *args, distributors=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = distributors if distributors is not None else Customer.objects.none()
        self.fields["distributor"].queryset = choices  # type: ignore[attr-defined]
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]

    def clean_division_code(self) -> Division:
        code = self.cleaned_data["division_code"].strip()
        division = Division.objects.filter(pk=code).first()
        if division is None:
            raise forms.ValidationError(_("No division with code %(code)s.") % {"code": code})
        return division


class FlowMappingForm(forms.Form):
    """Which field each column of a flow file with an unknown layout holds (remembered for the distributor).

    One choice per header, named ``map:<header>`` as the upload view reads it, offering the fields by their
    translated names and pre-selected with what was chosen before or else the guess from the header variants.
    """

    def __init__(self, *args, headers: list[str], chosen: dict[str, str] | None = None, **kwargs):
        from .flow import FIELD_LABELS, mapping_guess  # only this form needs the flow import

        super().__init__(*args, **kwargs)
        selected = {**mapping_guess(headers), **(chosen or {})}
        choices = [("", _("(not used)")), *FIELD_LABELS.items()]
        for header in headers:
            self.fields[f"map:{header}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=selected.get(header, ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )  # fmt: skip


class DueDayForm(forms.Form):
    """The day of the following month by which a distributor's monthly flow file is due (empty: the default)."""

    flow_due_day = forms.IntegerField(
        label=_("flow file due on day"),
        required=False,
        min_value=1,
        max_value=28,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "style": "width: 5rem"}),
    )
