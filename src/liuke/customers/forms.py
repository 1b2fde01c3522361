from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liuke.core.forms import DateInput, ServiceForm

from .choices import CustomerGrade, CustomerKind, CustomerStatus, Familiarity, FieldType, PurchaseRole, TeamRole
from .models import FieldDefinition, FieldGroup

CORE = ("code", "name", "short_name", "kind", "grade", "status", "address", "phone")


def archive_form_field(defn: FieldDefinition) -> forms.Field:
    """The widget for one archive field; the service validates the value (fields.clean_value)."""
    common: dict[str, Any] = {"label": defn.label, "required": False, "help_text": defn.help_text}
    choices = [(c["value"], c.get("label_en" if defn.english else "label_zh") or c["value"]) for c in defn.choices]
    if defn.type == FieldType.LONGTEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    if defn.type == FieldType.NUMBER:
        attrs = {"inputmode": "decimal", "step": "any"}
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if defn.type == FieldType.DATE:
        return forms.CharField(widget=DateInput(), **common)
    if defn.type == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if defn.type == FieldType.MULTICHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if defn.type == FieldType.BOOLEAN:
        return forms.ChoiceField(choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))], **common)
    if defn.type == FieldType.PHONE:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}), **common)
    return forms.CharField(**common)


class CustomerForm(ServiceForm):
    code = forms.CharField(label=_("code"), max_length=50)
    name = forms.CharField(label=_("name"), max_length=200)
    short_name = forms.CharField(label=_("short name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=CustomerKind.choices)
    grade = forms.ChoiceField(label=_("grade"), choices=[("", "—"), *CustomerGrade.choices], required=False)
    status = forms.ChoiceField(label=_("status"), choices=CustomerStatus.choices, initial=CustomerStatus.ACTIVE)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    division_code = forms.CharField(
        label=_("division code"),
        max_length=6,
        required=False,
        help_text=_("GB/T 2260 code; leave empty to read it from the address."),
    )
    phone = forms.CharField(label=_("phone"), max_length=50, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("This is a different customer with the same name"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, definitions=(), **kwargs):
        self.definitions = list(definitions)
        super().__init__(*args, **kwargs)
        for defn in self.definitions:
            self.fields[f"f_{defn.key}"] = archive_form_field(defn)
        if self.instance is not None:
            self.fields["code"].disabled = True
            values = self.instance.fields or {}
            for defn in self.definitions:
                value = values.get(defn.key)
                if defn.type == FieldType.BOOLEAN and value is not None:
                    value = "yes" if value else "no"
                self.initial[f"f_{defn.key}"] = value
            self.initial["division_code"] = self.instance.division_id or ""
            self.initial["version"] = self.instance.version
        self._style()

    def core_fields(self):
        return [self[name] for name in (*CORE[:6], "address", "division_code", "phone")]

    def field_groups(self):
        groups: dict[int, tuple[FieldGroup, list]] = {}
        for defn in self.definitions:
            groups.setdefault(defn.group_id, (defn.group, []))[1].append(self[f"f_{defn.key}"])
        return list(groups.values())

    def archive_values(self) -> dict:
        values = {}
        for defn in self.definitions:
            raw = self.cleaned_data.get(f"f_{defn.key}")
            if defn.type == FieldType.BOOLEAN:
                raw = {"yes": True, "no": False}.get(raw or "")
            values[defn.key] = raw
        return values

    def core_values(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in CORE if name in self.cleaned_data}


class ContactForm(ServiceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    title = forms.CharField(label=_("title"), max_length=100, required=False)
    purchase_role = forms.ChoiceField(
        label=_("role in the purchase"), choices=[("", "—"), *PurchaseRole.choices], required=False
    )
    department = forms.CharField(label=_("department"), max_length=100, required=False)
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    phone = forms.CharField(label=_("office phone"), max_length=30, required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=60, required=False)
    birthday = forms.DateField(label=_("birthday"), required=False, widget=DateInput())
    preferences = forms.CharField(label=_("preferences"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_key = forms.BooleanField(label=_("key contact"), required=False)


class KnowerForm(ServiceForm):
    employee: forms.ModelChoiceField = forms.ModelChoiceField(label=_("employee"), queryset=None)
    familiarity = forms.TypedChoiceField(
        label=_("familiarity"),
        choices=[("", _("no longer knows them")), *Familiarity.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, employees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees
        self.fields["employee"].empty_label = _("Choose an employee")


class TeamAssignForm(ServiceForm):
    employee: forms.ModelChoiceField = forms.ModelChoiceField(label=_("employee"), queryset=None)
    role = forms.ChoiceField(label=_("role"), choices=TeamRole.choices)
    since = forms.DateField(label=_("since"), required=False, widget=DateInput())

    def __init__(self, *args, employees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees
        self.fields["employee"].empty_label = _("Choose an employee")


class MergeForm(ServiceForm):
    other_code = forms.CharField(label=_("code of the duplicate to merge into this customer"), max_length=50)
    confirm = forms.BooleanField(label=_("I have checked that both records are the same customer"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("what the file holds"),
        choices=[("customers", _("Customers")), ("account-team", _("Account team"))],
    )
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Check only, keep nothing"), required=False, initial=True)


class FieldDefinitionForm(ServiceForm):
    key = forms.SlugField(label=_("key"), max_length=40)
    label_zh = forms.CharField(label=_("Chinese label"), max_length=80)
    label_en = forms.CharField(label=_("English label"), max_length=80)
    group = forms.ModelChoiceField(label=_("group"), queryset=FieldGroup.objects.filter(archived_at__isnull=True))
    type = forms.ChoiceField(label=_("type"), choices=FieldType.choices)
    choices = forms.CharField(
        label=_("choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: value|中文|English (for choice fields)."),
    )
    required_for = forms.MultipleChoiceField(
        label=_("required for kinds"), choices=CustomerKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    weight = forms.IntegerField(label=_("weight"), min_value=1, max_value=5, initial=1)
    help_zh = forms.CharField(label=_("Chinese help text"), max_length=300, required=False)
    help_en = forms.CharField(label=_("English help text"), max_length=300, required=False)
    unit = forms.CharField(label=_("unit"), max_length=20, required=False)
    is_expiry = forms.BooleanField(
        label=_("licence expiry date"),
        required=False,
        help_text=_("Date fields only: when a licence or certificate runs out; an alert is raised as it nears."),
    )

    def initial_from(self, instance):
        initial = super().initial_from(instance)
        initial["choices"] = "\n".join(
            f"{c['value']}|{c.get('label_zh', '')}|{c.get('label_en', '')}" for c in instance.choices or []
        )
        return initial

    def clean_choices(self):
        rows = []
        for line in self.cleaned_data["choices"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            value = parts[0]
            rows.append(
                {
                    "value": value,
                    "label_zh": parts[1] if len(parts) > 1 else value,
                    "label_en": parts[2] if len(parts) > 2 else value,
                }
            )
        return rows

    def clean(self):
        data = super().clean()
        if data.get("type") in (FieldType.CHOICE, FieldType.MULTICHOICE) and not data.get("choices"):
            self.add_error("choices", _("A choice field needs its choices."))
        return data
