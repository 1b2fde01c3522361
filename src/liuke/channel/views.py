"""Channel pages: thin views over the selectors and services."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from liuke.core import registry, visibility
from liuke.core.forms import apply_service_errors
from liuke.core.generic import ObjectDetailView, ObjectEditView, ObjectListView
from liuke.core.tabular import MissingColumns, UnusableFile
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer

from . import selectors, services, tasks, uploads
from .choices import FlowFlag, ReviewStatus, flag_labels
from .exports import flow_errors_export, flow_export
from .filtersets import FlowLineFilterSet, ReviewFilterSet, SearchFilterSet
from .flow import FIELDS, flow_file_check
from .forms import AuthorizationForm, DiscountForm, DueDayForm, PriceFloorForm, ProductForm
from .models import (
    BuyerReview,
    DiscountAuthorization,
    DistributorAuthorization,
    DistributorProfile,
    FlowImport,
    FlowLine,
    PriceFloor,
    Product,
    Shipment,
    TerminalAlias,
)

# --- master data: simple lists and details ----------------------------------------------------------------


class _List(ObjectListView):
    template_name = "channel/object_list.html"
    columns: list[tuple[Any, str]] = []
    title: Any = ""
    select_related: tuple[str, ...] = ()
    new_url_name = ""  # the form that adds one, for viewers core.visibility lets add

    def get_queryset(self):
        qs = super().get_queryset().filter(archived_at__isnull=True)
        self.filterset = SearchFilterSet(self.request.GET, queryset=qs, search=getattr(self, "search", None))
        qs = self.filterset.qs
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=self.title or self.model._meta.verbose_name_plural,
            columns=[label for label, _ in self.columns],
            rows=[(obj, [_value(obj, path) for _, path in self.columns]) for obj in ctx["object_list"]],
            q=self.filterset.values().get("q") or "",
            searchable=hasattr(self, "search"),
            new_url=reverse(self.new_url_name) if self.new_url_name and ctx["can_add"] else "",
        )
        return ctx


class _Detail(ObjectDetailView):
    template_name = "channel/object_detail.html"
    fields: list[str] = []

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meta = self.model._meta
        ctx.update(
            verbose_name=meta.verbose_name,
            list_url=reverse(self.list_url_name),
            rows=[
                (_label(meta, f), value, _link(self.request.user, value))
                for f in self.fields
                for value in [_value(self.object, f)]
            ],
        )
        return ctx


def _label(meta, name: str) -> Any:
    if name == "units_text":
        return _("other units")
    return meta.get_field(name).verbose_name


def _link(viewer: Any, value: Any) -> str | None:
    """The page of a related record, if the viewer may open it (an auditor sees a shipment, not its
    distributor's archive)."""
    url = getattr(value, "get_absolute_url", None)
    if url is None or not isinstance(value, Model) or not visibility.can(viewer, value):
        return None
    return url()


def _value(obj: Any, path: str) -> Any:
    value = obj
    for part in path.split("."):
        display = getattr(value, f"get_{part}_display", None)
        value = display() if display is not None else getattr(value, part, None)
        if value is None:
            return None
    return value


class ProductListView(_List):
    model = Product
    new_url_name = "channel:product_new"
    columns = [(gettext_lazy("Code"), "code"), (gettext_lazy("Spec"), "spec"),
               (gettext_lazy("Base unit"), "base_unit"), (gettext_lazy("Other units"), "units_text")]  # fmt: skip

    @staticmethod
    def search(q):
        return Q(code__icontains=q) | Q(name__icontains=q)


class ProductDetailView(_Detail):
    model = Product
    template_name = "channel/product_detail.html"
    list_url_name = "channel:product_list"
    fields = ["code", "name", "spec", "base_unit", "units_text"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.product_prices(viewer=self.request.user, product=self.object))
        ctx["may_edit"] = visibility.can(self.request.user, self.object, visibility.CHANGE)
        ctx["may_approve"] = visibility.can(self.request.user, DiscountAuthorization, visibility.ADD)
        return ctx


class PriceFloorListView(_List):
    model = PriceFloor
    new_url_name = "channel:pricefloor_new"
    select_related = ("product",)
    columns = [(gettext_lazy("Valid from"), "valid_from"), (gettext_lazy("Valid to"), "valid_to")]


class PriceFloorDetailView(_Detail):
    model = PriceFloor
    list_url_name = "channel:pricefloor_list"
    select_related = ("product",)
    fields = ["product", "channel_level", "floor_price", "valid_from", "valid_to"]


class DiscountListView(_List):
    model = DiscountAuthorization
    new_url_name = "channel:discount_new"
    select_related = ("customer", "product", "approver")
    columns = [(gettext_lazy("Quantity cap"), "quantity_cap"), (gettext_lazy("Valid from"), "valid_from"),
               (gettext_lazy("Valid to"), "valid_to"), (gettext_lazy("Approved by"), "approver.name")]  # fmt: skip


class DiscountDetailView(_Detail):
    model = DiscountAuthorization
    list_url_name = "channel:discount_list"
    select_related = ("customer", "product", "approver")
    fields = ["customer", "product", "net_price", "quantity_cap", "valid_from", "valid_to", "approver", "note"]


class AuthorizationListView(_List):
    model = DistributorAuthorization
    new_url_name = "channel:authorization_new"
    select_related = ("distributor", "product", "division")
    columns = [(gettext_lazy("Valid from"), "valid_from"), (gettext_lazy("Valid to"), "valid_to")]


class AuthorizationDetailView(_Detail):
    model = DistributorAuthorization
    list_url_name = "channel:authorization_list"
    select_related = ("distributor", "product", "division")
    fields = ["distributor", "product", "division", "valid_from", "valid_to"]


class ShipmentListView(_List):
    model = Shipment
    select_related = ("distributor", "product")
    columns = [(gettext_lazy("Batch"), "batch"), (gettext_lazy("Document"), "doc_no"),
               (gettext_lazy("Unit price"), "unit_price")]  # fmt: skip

    @staticmethod
    def search(q):
        return Q(batch__iexact=q) | Q(distributor__name__icontains=q) | Q(product__name__icontains=q) | Q(doc_no=q)


class ShipmentDetailView(_Detail):
    model = Shipment
    list_url_name = "channel:shipment_list"
    select_related = ("distributor", "product")
    fields = ["date", "distributor", "product", "batch", "quantity", "unit_price", "doc_no", "made_on", "expires_on"]


class AliasListView(_List):
    model = TerminalAlias
    select_related = ("distributor", "terminal")
    columns = [(gettext_lazy("Distributor"), "distributor")]


class AliasDetailView(_Detail):
    model = TerminalAlias
    list_url_name = "channel:alias_list"
    select_related = ("distributor", "terminal")
    fields = ["name", "terminal", "distributor"]


# --- master data: forms -----------------------------------------------------------------------------------

# Service error keys that name a form field differently.
_ERROR_FIELDS = {"units": "units_text", "aliases": "aliases_text", "distributor_code": "distributor",
                 "customer": "customer_code", "division": "division_code"}  # fmt: skip


class _MasterEditView(ObjectEditView):
    """Master data forms: the shared edit view (visibility's ADD/CHANGE, services, the re-check after saving)."""

    template_name = "channel/object_form.html"
    list_url_name = ""
    new_title: Any = ""

    def apply_errors(self, form, exc: ValidationError) -> None:
        apply_service_errors(form, exc, lambda key: _ERROR_FIELDS.get(key, key))

    def get_form(self, obj, data=None):
        return self.form_class(data=data, instance=obj)

    def prefilled(self) -> dict[str, Any]:
        """A link may prefill the new record's form (``?product=3``): values for its own fields only."""
        return {name: value for name, value in self.request.GET.items() if name in self.form_class.base_fields}

    def get_extra_context(self, obj) -> dict[str, Any]:
        return {"title": str(obj) if obj else self.new_title, "cancel_url": reverse(self.list_url_name)}


class ProductEditView(_MasterEditView):
    model = Product
    form_class = ProductForm
    list_url_name = "channel:product_list"
    new_title = gettext_lazy("New product")
    success_message = gettext_lazy("Product saved.")

    def get_object(self):
        obj = super().get_object()
        if obj is not None and obj.archived_at is not None:
            raise Http404
        return obj

    def save(self, form, obj):
        d = form.cleaned_data
        data = services.product_fields(code=d["code"].strip(), name=d["name"].strip(), spec=d["spec"].strip(),
                                       base_unit=d["base_unit"].strip(), units_text=d["units_text"],
                                       aliases_text=d["aliases_text"])  # fmt: skip
        return services.product_save(data=data, product=obj)


class PriceFloorNewView(_MasterEditView):
    model = PriceFloor
    form_class = PriceFloorForm
    list_url_name = "channel:pricefloor_list"
    new_title = gettext_lazy("New floor price")
    success_message = gettext_lazy("Floor price saved.")

    def get_form(self, obj, data=None):
        return self.form_class(data=data, initial=self.prefilled())

    def save(self, form, obj):
        floor, _changed = services.price_floor_save(**form.cleaned_data)
        return floor


class DiscountNewView(_MasterEditView):
    model = DiscountAuthorization
    form_class = DiscountForm
    list_url_name = "channel:discount_list"
    new_title = gettext_lazy("New discount approval")
    success_message = gettext_lazy("Discount approval recorded.")

    def get_form(self, obj, data=None):
        customers = visibility.restrict(self.request.user, Customer)  # approvers approve for customers they see
        return self.form_class(data=data, customers=customers, initial=self.prefilled())

    def save(self, form, obj):
        d = dict(form.cleaned_data)
        approver = getattr(self.request.user, "employee", None)
        if approver is None:
            raise ValidationError(_("Only an employee can approve a discount."))
        return services.discount_authorize(customer=d.pop("customer_code"), approver=approver, **d)


class AuthorizationNewView(_MasterEditView):
    model = DistributorAuthorization
    form_class = AuthorizationForm
    list_url_name = "channel:authorization_list"
    new_title = gettext_lazy("New authorisation")
    success_message = gettext_lazy("Authorisation saved.")

    def get_form(self, obj, data=None):
        return self.form_class(data=data, distributors=selectors.distributors(viewer=self.request.user))

    def save(self, form, obj):
        d = dict(form.cleaned_data)
        record, _created = services.authorization_save(division=d.pop("division_code"), **d)
        return record


# --- distributors -----------------------------------------------------------------------------------------


@login_required
def distributor_list(request):
    qs = selectors.distributors(viewer=request.user)
    return render(request, "channel/distributor_list.html", {"distributors": qs[:500]})


@login_required
def distributor_detail(request, pk):
    distributor = visibility.visible_object(request.user, Customer.objects.filter(kind=CustomerKind.DISTRIBUTOR), pk)
    if distributor is None:
        raise Http404
    summary = selectors.distributor_summary(viewer=request.user, distributor=distributor)
    due = selectors.flow_files_due(distributor=distributor)
    return render(
        request,
        "channel/distributor_detail.html",
        {
            "summary": summary,
            "distributor": distributor,
            "can_import": visibility.can(request.user, FlowImport, visibility.IMPORT),
            "due": due,
            "may_set_due_day": _may_set_due_day(request.user, due["profile"]),
            "sections": registry.sections_for_page("distributor", request.user, distributor),
        },
    )


def _may_set_due_day(user: Any, profile: DistributorProfile | None) -> bool:
    """Whoever may change the distributor's file layout (a distributor without one yet: whoever may change
    the layouts of the distributors they see, and this one is seen)."""
    if profile is not None:
        return visibility.can(user, profile, visibility.CHANGE)
    return visibility.can(user, DistributorProfile, visibility.CHANGE)


@login_required
@require_POST
def distributor_due_day(request, pk):
    """Set the day a distributor's monthly flow file is due (the flow-file rule alerts after it)."""
    distributor = visibility.visible_object(request.user, Customer.objects.filter(kind=CustomerKind.DISTRIBUTOR), pk)
    if distributor is None:
        raise Http404
    due = selectors.flow_files_due(distributor=distributor)
    if not _may_set_due_day(request.user, due["profile"]):
        raise PermissionDenied
    form = DueDayForm(request.POST)
    if form.is_valid():
        try:
            services.distributor_due_day_save(distributor=distributor, flow_due_day=form.cleaned_data["flow_due_day"])
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The due day of the flow files is saved."))
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return HttpResponseRedirect(reverse("channel:distributor_detail", args=[distributor.pk]))


# --- flow imports -----------------------------------------------------------------------------------------


class ImportListView(ObjectListView):
    model = FlowImport
    template_name = "channel/import_list.html"

    def get_queryset(self):
        return selectors.imports(viewer=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_import"] = visibility.can(self.request.user, FlowImport, visibility.IMPORT)
        return ctx


class ImportDetailView(ObjectDetailView):
    model = FlowImport
    template_name = "channel/import_detail.html"
    select_related = ("distributor", "replaces", "uploaded_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.object
        ctx.update(
            rejections=record.rejections.order_by("row_no")[:200],
            reviews=BuyerReview.objects.filter(first_import=record, status=ReviewStatus.OPEN)[:20],
            replaced_by=FlowImport.objects.filter(replaces=record).first(),
            can_open_distributor=visibility.can(self.request.user, record.distributor),
            mapping=_mapping_of(record),
        )
        return ctx


def _mapping_of(record: FlowImport) -> list[tuple[str, str]]:
    headers = (record.header_map or {}).get("headers", [])
    columns = (record.header_map or {}).get("columns", {})
    return [
        (name, headers[pos] if pos < len(headers) else "?")
        for name, pos in sorted(columns.items(), key=lambda kv: kv[1])
    ]


@login_required
def flow_upload(request):
    """Upload a flow file and import it in a background job; XHR posts get JSON for the progress script.

    In the embedded default the job runs within the request and the answer is its outcome. With a
    Celery broker the file's shape is checked first (distributor, month, headers: a mapping form when
    they are unknown), the job is queued and the page follows its progress until the outcome is there.
    """
    visibility.require(request.user, FlowImport, visibility.IMPORT)
    dists = selectors.distributors(viewer=request.user)
    ctx: dict[str, Any] = {"distributors": dists, "values": request.POST, "mapping_needed": None}
    if request.method != "POST":
        return render(request, "channel/flow_upload.html", ctx)
    wants_json = request.headers.get("x-requested-with") == "XMLHttpRequest"
    upload = request.FILES.get("file")
    code = request.POST.get("distributor", "")
    token = re.sub(r"[^a-f0-9]", "", request.POST.get("token", ""))[:32] or uuid.uuid4().hex
    mapping = {k[4:]: v for k, v in request.POST.items() if k.startswith("map:") and (v in FIELDS or v == "")}
    outcome: dict[str, Any] = {}
    if upload is None:
        outcome["error"] = _("Choose a file.")
    elif not dists.filter(code=code).exists():
        outcome["error"] = _("Choose a distributor.")
    else:
        suffix = Path(upload.name).suffix.lower()
        folder = Path(settings.MEDIA_ROOT) / "flow"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False, prefix="flow-") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
            stored = fh.name
        job = {"token": token, "path": stored, "distributor_code": code, "period": request.POST.get("period"),
               "actor_id": request.user.pk, "mapping": mapping or None, "file_name": upload.name}  # fmt: skip
        if settings.CELERY_TASK_ALWAYS_EAGER:
            outcome = tasks.import_flow_task.delay(**job).get()
        else:
            try:
                flow_file_check(path=stored, distributor_code=code, period=job["period"], mapping=mapping or None)
            except UnusableFile as exc:
                Path(stored).unlink(missing_ok=True)
                outcome["error"] = str(exc)
                outcome["mapping_needed"] = exc.headers if isinstance(exc, MissingColumns) else None
            else:
                uploads.progress_set(token, {"rows": 0, "queued": True})
                tasks.import_flow_task.delay(**job)
                if wants_json:
                    return JsonResponse({"queued": True, "token": token}, status=202)
                return render(request, "channel/flow_upload.html", {**ctx, "queued_token": token}, status=202)
    error = outcome.get("error")
    ctx["mapping_needed"] = outcome.get("mapping_needed")
    if wants_json:
        if error:
            return JsonResponse({"error": error, "mapping_needed": ctx["mapping_needed"]}, status=400)
        return JsonResponse({"result": outcome["result"], "url": outcome["url"]})
    if error:
        ctx["error"] = error
        return render(request, "channel/flow_upload.html", ctx, status=400)
    if outcome["result"].get("already_imported"):
        messages.info(request, outcome["result"]["warnings"][0])
    return HttpResponseRedirect(outcome["url"])


@login_required
def flow_progress(request, token):
    visibility.require(request.user, FlowImport, visibility.IMPORT)
    return JsonResponse(uploads.progress_get(re.sub(r"[^a-f0-9]", "", token)[:32]))


@login_required
def import_row(request, pk, row):
    """One row of a flow file as it was imported: what the distributor wrote and what liuke made of it (the page
    an alert's evidence links to). A row the viewer may not see is a 404; a row that was not imported shows why."""
    line = (
        visibility.restrict(request.user, FlowLine)
        .filter(flow_import_id=pk, row_no=row)
        .select_related("flow_import", "distributor", "product", "terminal", "division")
        .first()
    )
    rejection = None
    if line is None:
        record = visibility.visible_object(request.user, FlowImport, pk)
        rejection = record.rejections.filter(row_no=row).first() if record is not None else None
        if rejection is None:
            raise Http404
    else:
        record = line.flow_import
    openable = selectors.openable_customers(
        viewer=request.user, ids={record.distributor_id, line.terminal_id if line is not None else None}
    )
    return render(
        request,
        "channel/import_row.html",
        {
            "record": record,
            "row": row,
            "line": line,
            "rejection": rejection,
            "flags": flag_labels(line.flags) if line is not None else [],
            "can_open_import": line is None or visibility.can(request.user, record),
            "openable": openable,
        },
    )


@login_required
def import_errors(request, pk):
    record = visibility.visible_object(request.user, FlowImport, pk)
    if record is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="flow-{record.pk}-errors.csv"'
    flow_errors_export(viewer=request.user, flow_import=record, out=response)
    return response


# --- review queue -----------------------------------------------------------------------------------------


@login_required
def review_list(request):
    filterset = ReviewFilterSet(request.GET, queryset=selectors.review_queue(viewer=request.user, status=""))
    status, qs = filterset.status_value, filterset.qs
    page = list(qs[:100])
    terminals = selectors.suggestion_terminals(viewer=request.user, reviews=page)
    items = [(r, [(terminals[s[0]], s[1]) for s in r.suggestions or [] if s[0] in terminals]) for r in page]
    can_change = {r.pk for r in visibility.restrict(request.user, qs.filter(pk__in=[r.pk for r in page]), "change")}
    return render(
        request,
        "channel/review_list.html",
        {"items": items, "status": status, "statuses": ReviewStatus.choices, "count": qs.count(),
         "can_change": can_change, "kinds": [c for c in CustomerKind.choices if c[0] != CustomerKind.DISTRIBUTOR],
         "openable": selectors.openable_customers(viewer=request.user, ids={r.terminal_id for r in page})},
    )  # fmt: skip


@login_required
@require_POST
def review_resolve(request, pk):
    review = visibility.visible_object(request.user, BuyerReview, pk)
    if review is None:
        raise Http404
    if not visibility.can(request.user, review, visibility.CHANGE):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "match":
            # Matching names the terminal a line went to, from the whole master: whoever resolves the queue
            # must be able to pick a terminal outside their own accounts (the archive itself stays hidden).
            terminals = Customer.objects.filter(archived_at__isnull=True).exclude(kind=CustomerKind.DISTRIBUTOR)
            pk = request.POST.get("terminal", "")
            code = request.POST.get("terminal_code", "").strip()
            terminal = (terminals.filter(pk=int(pk)).first() if pk.isdigit() else None) or (
                terminals.filter(code=code).first() if code else None
            )
            if terminal is None:
                raise ValidationError(_("No terminal with code %(code)r.") % {"code": code})
            services.review_resolve(review=review, terminal=terminal, actor=request.user)
            messages.success(request, _("%(buyer)s is now matched to %(terminal)s.") % {
                "buyer": review.raw_name, "terminal": terminal})  # fmt: skip
        elif action == "create":
            customer = services.review_create_terminal(
                review=review, name=request.POST.get("name", "").strip() or review.raw_name,
                kind=request.POST.get("kind", ""), address=request.POST.get("address", "").strip() or review.address,
                division_code=request.POST.get("division_code", "").strip() or review.division_id, actor=request.user,
            )  # fmt: skip
            messages.success(request, _("Created %(terminal)s and matched the buyer to it.") % {"terminal": customer})
        elif action == "dismiss":
            services.review_dismiss(review=review, actor=request.user)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return HttpResponseRedirect(request.POST.get("next") or reverse("channel:review_list"))


# --- flow lines -------------------------------------------------------------------------------------------


def flow_filters_from(request) -> selectors.FlowFilters:
    """The flow list's filters from the query string (the FilterSet is the only parser)."""
    return FlowLineFilterSet(request.GET, request=request).selection()


class FlowLineListView(ObjectListView):
    template_name = "channel/flowline_list.html"
    paginate_by = 100

    def get_queryset(self):
        self.filters = flow_filters_from(self.request)
        return selectors.flow_lines(viewer=self.request.user, filters=self.filters)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filters"] = self.filters
        ctx["querystring"] = self.request.GET.urlencode()
        ctx["lines"] = [(ln, flag_labels(ln.flags)) for ln in ctx["object_list"]]
        ctx["openable"] = selectors.openable_customers(
            viewer=self.request.user, ids={ln.terminal_id for ln in ctx["object_list"]}
        )
        ctx["flag_bits"] = FlowFlag
        return ctx

    def get(self, request, *args, **kwargs):
        self.model = FlowImport  # ObjectListView needs a model only for its default queryset
        return super().get(request, *args, **kwargs)


@login_required
def flow_export_view(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        fmt = "csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8" if fmt == "csv" else
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="flow.{fmt}"'
    flow_export(viewer=request.user, fmt=fmt, out=response, filters=flow_filters_from(request))
    return response
