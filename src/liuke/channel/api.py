"""Read endpoints of the channel (writes come through imports and the review queue)."""

from rest_framework import serializers

from liuke.core.api import VisibleViewSet

from .choices import ImportStatus
from .filtersets import FlowLineFilterSet
from .models import DistributorAuthorization, FlowImport, FlowLine, Product, Shipment


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "name", "spec", "base_unit", "units", "aliases", "version", "archived_at"]
        read_only_fields = fields


class AuthorizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = DistributorAuthorization
        fields = ["id", "distributor", "product", "division", "valid_from", "valid_to", "version", "archived_at"]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shipment
        fields = ["id", "date", "distributor", "product", "batch", "quantity", "unit_price", "doc_no", "made_on",
                  "expires_on", "version"]  # fmt: skip
        read_only_fields = fields


class FlowImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlowImport
        fields = ["id", "distributor", "period", "file_name", "sha256", "status", "rows", "imported", "duplicates",
                  "rejected", "flagged", "unmatched", "quantity_total", "amount_total", "replaces", "changes",
                  "warnings", "created_at"]  # fmt: skip
        read_only_fields = fields


class FlowLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlowLine
        fields = ["id", "flow_import", "distributor", "row_no", "date", "product", "batch", "quantity", "unit_price",
                  "amount", "is_return", "buyer_name", "buyer_address", "division", "terminal", "match_method",
                  "match_confidence", "doc_no", "flags"]  # fmt: skip
        read_only_fields = fields


class _ReadOnly(VisibleViewSet):
    http_method_names = ["get", "head", "options"]


class ProductViewSet(_ReadOnly):
    queryset = Product.objects.filter(archived_at__isnull=True).order_by("code")
    serializer_class = ProductSerializer
    filterset_fields = ["code"]
    search_fields = ["code", "name"]


class AuthorizationViewSet(_ReadOnly):
    queryset = DistributorAuthorization.objects.filter(archived_at__isnull=True).order_by("pk")
    serializer_class = AuthorizationSerializer
    filterset_fields = ["distributor", "product", "division"]


class ShipmentViewSet(_ReadOnly):
    queryset = Shipment.objects.filter(archived_at__isnull=True).order_by("-date", "pk")
    serializer_class = ShipmentSerializer
    filterset_fields = ["distributor", "product", "batch"]


class FlowImportViewSet(_ReadOnly):
    queryset = FlowImport.objects.order_by("-created_at")
    serializer_class = FlowImportSerializer
    filterset_fields = ["distributor", "period", "status"]


class FlowLineViewSet(_ReadOnly):
    queryset = FlowLine.objects.filter(flow_import__status=ImportStatus.ACTIVE).order_by("-date", "pk")
    serializer_class = FlowLineSerializer
    filterset_class = FlowLineFilterSet  # the same filters as the flow list page and its export
