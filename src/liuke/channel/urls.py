from django.urls import path

from . import views

app_name = "channel"
urlpatterns = [
    path("", views.distributor_list, name="distributor_list"),
    path("distributors/<int:pk>/", views.distributor_detail, name="distributor_detail"),
    path("distributors/<int:pk>/due-day/", views.distributor_due_day, name="distributor_due_day"),
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/new/", views.ProductEditView.as_view(), name="product_new"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductEditView.as_view(), name="product_edit"),
    path("prices/", views.PriceFloorListView.as_view(), name="pricefloor_list"),
    path("prices/new/", views.PriceFloorNewView.as_view(), name="pricefloor_new"),
    path("prices/<int:pk>/", views.PriceFloorDetailView.as_view(), name="pricefloor_detail"),
    path("discounts/", views.DiscountListView.as_view(), name="discount_list"),
    path("discounts/new/", views.DiscountNewView.as_view(), name="discount_new"),
    path("discounts/<int:pk>/", views.DiscountDetailView.as_view(), name="discount_detail"),
    path("authorizations/", views.AuthorizationListView.as_view(), name="authorization_list"),
    path("authorizations/new/", views.AuthorizationNewView.as_view(), name="authorization_new"),
    path("authorizations/<int:pk>/", views.AuthorizationDetailView.as_view(), name="authorization_detail"),
    path("shipments/", views.ShipmentListView.as_view(), name="shipment_list"),
    path("shipments/<int:pk>/", views.ShipmentDetailView.as_view(), name="shipment_detail"),
    path("aliases/", views.AliasListView.as_view(), name="alias_list"),
    path("aliases/<int:pk>/", views.AliasDetailView.as_view(), name="alias_detail"),
    path("imports/", views.ImportListView.as_view(), name="import_list"),
    path("imports/upload/", views.flow_upload, name="flow_upload"),
    path("imports/progress/<str:token>/", views.flow_progress, name="flow_progress"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("imports/<int:pk>/rows/<int:row>/", views.import_row, name="import_row"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review_resolve, name="review_resolve"),
    path("flow/", views.FlowLineListView.as_view(), name="flowline_list"),
    path("flow/export/", views.flow_export_view, name="flow_export"),
]
