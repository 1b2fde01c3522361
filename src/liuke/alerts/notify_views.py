"""Notification pages (being built)."""

from django.http import HttpResponse
from django.views import View


class _Pending(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("")


PreferenceView = WebhookListView = _Pending
