from rest_framework import serializers

from liuke.core.api import VisibleViewSet

from .models import Alert


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "rule", "severity", "status", "evidence"]


class AlertViewSet(VisibleViewSet):
    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
