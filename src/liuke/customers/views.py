from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuke.core import visibility
from liuke.core.forms import apply_service_errors
from liuke.core.generic import ObjectDetailView, ObjectListView
from liuke.org.models import Division, Territory

from . import completeness, extensions, selectors, services
from .choices import CustomerGrade, CustomerKind, CustomerStatus
from .fields import active_definitions
from .filtersets import SORT_CHOICES, CustomerFilterSet
from .forms import ContactForm, CustomerForm, KnowerForm, MergeForm, TeamAssignForm
from .models import AccountTeamMember, Contact, Customer


def filters_from(request) -> selectors.CustomerFilters:
    """The list's filters from the query string (the FilterSet is the only parser)."""
    return CustomerFilterSet(request.GET, request=request).selection()


class CustomerListView(ObjectListView):
    model = Customer
    template_name = "customers/customer_list.html"
    ids_first = True

    def get_queryset(self):
        self.filters = filters_from(self.request)
        return selectors.customer_list_with_team(viewer=self.request.user, filters=self.filters)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        viewer = self.request.user
        scope = visibility.scope_for(viewer)
        ctx.update(
            filters=self.filters,
            kinds=CustomerKind.choices,
            grades=CustomerGrade.choices,
            statuses=CustomerStatus.choices,
            sorts=SORT_CHOICES,
            territories=visibility.restrict(viewer, Territory).filter(archived_at__isnull=True).order_by("code"),
            members=selectors.employees_for_assignment(viewer=viewer).order_by("name") if scope.sees_team else [],
            threshold=completeness.handover_threshold(),
            can_add=visibility.can(viewer, Customer, visibility.ADD),
            can_import=visibility.can(viewer, Customer, visibility.IMPORT),
            querystring=self.request.GET.urlencode(),
            division_name=Division.objects.filter(code=self.filters.division)
            .values_list("full_name", flat=True)
            .first()
            if self.filters.division
            else "",
        )
        return ctx


class CustomerDetailView(ObjectDetailView):
    model = Customer
    template_name = "customers/customer_detail.html"

    select_related = ("division", "merged_into")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        viewer, customer = self.request.user, self.object
        dossier = selectors.customer_dossier(viewer=viewer, customer=customer)
        can_team = visibility.can(viewer, customer, visibility.MANAGE_TEAM)
        ctx.update(
            dossier=dossier,
            missing=[i for i in dossier.items if not i.ok],
            threshold=completeness.handover_threshold(),
            can_team=can_team,
            team_form=TeamAssignForm(employees=selectors.employees_for_assignment(viewer=viewer)) if can_team else None,
            can_merge=visibility.can(viewer, customer, visibility.MERGE),
            sections=extensions.sections(viewer, customer),
        )
        return ctx


def _editable_customer(request, pk) -> Customer:
    customer = visibility.visible_object(request.user, Customer, pk)
    if customer is None:
        raise Http404
    if not visibility.can(request.user, customer, visibility.CHANGE):
        raise PermissionDenied
    return customer


def _apply_service_errors(form, exc: ValidationError) -> None:
    # Archive fields are keyed field_<key> by the services and f_<key> on the form.
    apply_service_errors(form, exc, lambda key: f"f_{key[6:]}" if key.startswith("field_") else key)


@login_required
def customer_edit(request, pk=None):
    """Create or edit a customer: core columns and the archive fields, with conflict detection."""
    viewer = request.user
    customer = _editable_customer(request, pk) if pk else None
    if customer is None:
        visibility.require(viewer, Customer, visibility.ADD)
    definitions = active_definitions()
    if customer is not None:
        # Fields that only concern other kinds of customer (a hospital's beds for a pharmacy) stay out of the way.
        values = customer.fields or {}
        definitions = [
            d for d in definitions if not d.required_for or customer.kind in d.required_for or d.key in values
        ]
    form = CustomerForm(request.POST or None, instance=customer, definitions=definitions, viewer=viewer)
    duplicate = conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.core_values()
        try:
            with transaction.atomic():
                if customer is None:
                    saved = services.customer_create(
                        data=data,
                        fields=form.archive_values(),
                        division_code=form.cleaned_data["division_code"] or None,
                        confirm_duplicate=bool(request.POST.get("confirm_duplicate")),
                        opened_by=viewer,
                    )
                else:
                    saved = services.customer_update(
                        customer=customer,
                        data=data,
                        fields=form.archive_values(),
                        division_code=form.cleaned_data["division_code"] or None,
                        expected_version=form.cleaned_data.get("version"),
                    )
                if not visibility.can(viewer, saved):
                    raise PermissionDenied
        except services.DuplicateSuspected as exc:
            duplicate = exc.existing
            form.add_error(None, exc.messages)
        except services.EditConflict as exc:
            conflict = exc.current
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved})
            return HttpResponseRedirect(saved.get_absolute_url())
    if conflict is not None:
        mine = {**form.core_values(), **form.archive_values()}
        return render(
            request,
            "customers/customer_conflict.html",
            {"form": form, "object": conflict, "rows": _conflict_rows(conflict, mine, definitions)},
            status=409,
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "object": customer, "duplicate": duplicate},
        status=status,
    )


def _conflict_rows(current: Customer, mine: dict, definitions) -> list[dict]:
    rows = []
    for key in ("name", "short_name", "kind", "grade", "status", "address", "phone"):
        theirs = getattr(current, key)
        if (mine.get(key) or "") != (theirs or ""):
            label = getattr(Customer._meta.get_field(key), "verbose_name", key)
            rows.append({"label": label, "mine": mine.get(key), "theirs": theirs})
    for defn in definitions:
        theirs = (current.fields or {}).get(defn.key)
        ours = mine.get(defn.key)
        if (ours or None) != (theirs or None) and not (ours in ("", None, []) and theirs in ("", None, [])):
            rows.append({"label": defn.label, "mine": ours, "theirs": theirs})
    return rows


@login_required
def contact_edit(request, customer_pk, pk=None):
    customer = _editable_customer(request, customer_pk)
    contact = get_object_or_404(Contact, pk=pk, customer=customer, archived_at__isnull=True) if pk else None
    form = ContactForm(request.POST or None, instance=contact, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(customer=customer, data=form.cleaned_data, contact=contact)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return HttpResponseRedirect(customer.get_absolute_url() + "#contacts")
    knower_form = None
    if contact is not None:
        knower_form = KnowerForm(employees=selectors.employees_for_assignment(viewer=request.user))
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": contact, "knower_form": knower_form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def contact_knower(request, customer_pk, pk):
    customer = _editable_customer(request, customer_pk)
    contact = get_object_or_404(Contact, pk=pk, customer=customer)
    form = KnowerForm(request.POST, employees=selectors.employees_for_assignment(viewer=request.user))
    if form.is_valid():
        services.contact_set_knower(
            contact=contact, employee=form.cleaned_data["employee"], familiarity=form.cleaned_data["familiarity"]
        )
        messages.success(request, _("Saved who knows %(name)s.") % {"name": contact.name})
    else:
        messages.error(request, _("Choose an employee."))
    return HttpResponseRedirect(customer.get_absolute_url() + "#contacts")


@login_required
@require_POST
def contact_archive(request, customer_pk, pk):
    customer = _editable_customer(request, customer_pk)
    contact = get_object_or_404(Contact, pk=pk, customer=customer)
    services.contact_archive(contact=contact)
    messages.success(request, _("Contact %(name)s archived.") % {"name": contact.name})
    return HttpResponseRedirect(customer.get_absolute_url() + "#contacts")


def _team_customer(request, pk) -> Customer:
    customer = visibility.visible_object(request.user, Customer, pk)
    if customer is None:
        raise Http404
    visibility.require(request.user, customer, visibility.MANAGE_TEAM)
    return customer


@login_required
@require_POST
def team_assign(request, pk):
    customer = _team_customer(request, pk)
    form = TeamAssignForm(request.POST, employees=selectors.employees_for_assignment(viewer=request.user))
    if form.is_valid():
        try:
            services.team_assign(customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(name)s joined the account team.") % {"name": form.cleaned_data["employee"].name}
            )
    else:
        messages.error(request, _("Choose an employee and a role."))
    return HttpResponseRedirect(customer.get_absolute_url() + "#team")


@login_required
@require_POST
def team_unassign(request, pk, member_pk):
    customer = _team_customer(request, pk)
    member = get_object_or_404(AccountTeamMember, pk=member_pk, customer=customer)
    try:
        services.team_unassign(member=member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s left the account team.") % {"name": member.employee.name})
    return HttpResponseRedirect(customer.get_absolute_url() + "#team")


@login_required
def customer_merge(request, pk):
    """Merge a duplicate into this customer (both histories are kept)."""
    keep = _editable_customer(request, pk)
    visibility.require(request.user, keep, visibility.MERGE)
    form = MergeForm(request.POST or None, viewer=request.user)
    other = None
    if request.method == "POST" and form.is_valid():
        other = visibility.restrict(request.user, Customer).filter(code=form.cleaned_data["other_code"].strip()).first()
        if other is None or not visibility.can(request.user, other, visibility.MERGE):
            form.add_error("other_code", _("No customer with this code that you may change."))
        else:
            try:
                services.customer_merge(keep=keep, other=other)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("%(other)s was merged into %(keep)s.") % {"other": other, "keep": keep})
                return HttpResponseRedirect(keep.get_absolute_url())
    candidates = Customer.objects.none()
    if keep.division_id:
        candidates = (
            selectors.visible_customers(viewer=request.user)
            .filter(name_key=keep.name_key, division_id=keep.division_id)
            .exclude(pk=keep.pk)
        )
    return render(
        request,
        "customers/customer_merge.html",
        {"form": form, "object": keep, "candidates": candidates},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def coverage(request):
    """双线联系: single-threaded customers per team and region, of what the viewer sees."""
    rows = selectors.coverage_by_department(viewer=request.user)
    unassigned = selectors.unassigned_customers(viewer=request.user).count()
    return render(
        request,
        "customers/coverage.html",
        {"rows": rows, "unassigned": unassigned, "list_url": reverse("customers:customer_list")},
    )


@login_required
def customer_export_view(request):
    """The list page's export: what the viewer sees, with the same filters, through core.exports."""
    from django.http import HttpResponse

    from liuke.core.exports import CONTENT_TYPES

    from .exports import customer_export

    fmt = request.GET.get("format", "xlsx")
    if fmt not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.{fmt}"'
    customer_export(viewer=request.user, fmt=fmt, out=response, filters=filters_from(request))
    return response


@login_required
def customer_import_view(request):
    """Upload customers or account-team rows; a dry run first shows every row's fate."""
    import tempfile
    from pathlib import Path

    from liuke.core.tabular import UnusableFile

    from .forms import ImportForm
    from .importers import account_team_import_run, customer_import_run

    visibility.require(request.user, Customer, visibility.IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            run = customer_import_run if form.cleaned_data["kind"] == "customers" else account_team_import_run
            try:
                result = run(path=str(path), dry_run=form.cleaned_data["dry_run"], actor=request.user)
                result.file = upload.name
            except UnusableFile as exc:
                error = str(exc)
    return render(
        request,
        "customers/customer_import.html",
        {"form": form, "result": result, "error": error},
        status=400 if error else 200,
    )


@login_required
def field_list(request):
    """The archive field schema (admins edit it)."""
    from .models import FieldDefinition, FieldGroup

    groups = FieldGroup.objects.filter(archived_at__isnull=True).prefetch_related("fields")
    return render(
        request,
        "customers/field_list.html",
        {"groups": groups, "can_change": visibility.can(request.user, FieldDefinition, visibility.CHANGE)},
    )


@login_required
def field_edit(request, pk=None):
    from .forms import FieldDefinitionForm
    from .models import FieldDefinition

    visibility.require(request.user, FieldDefinition, visibility.CHANGE)
    definition = get_object_or_404(FieldDefinition, pk=pk) if pk else None
    form = FieldDefinitionForm(request.POST or None, instance=definition, viewer=request.user)
    if definition is not None:
        form.fields["key"].disabled = True  # values are stored under the key
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if definition is not None:
            data.pop("key")
        try:
            saved = services.field_definition_save(data=data, definition=definition)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved field %(name)s.") % {"name": saved.label})
            return HttpResponseRedirect(reverse("customers:field_list") + f"#field-{saved.key}")
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "object": definition, "verbose_name": FieldDefinition._meta.verbose_name},
        status=400 if request.method == "POST" else 200,
    )
