from liuke.core.generic import ObjectDetailView, ObjectListView

from . import selectors
from .models import Customer


class CustomerListView(ObjectListView):
    model = Customer
    template_name = "customers/customer_list.html"

    def get_queryset(self):
        return selectors.customer_list_with_team(viewer=self.request.user, query=self.request.GET.get("q", "").strip())


class CustomerDetailView(ObjectDetailView):
    model = Customer
    template_name = "customers/customer_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["team"] = selectors.customer_detail_team(viewer=self.request.user, customer=self.object)
        return ctx
