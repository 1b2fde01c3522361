from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource


class ChangeContextMiddleware:
    """Attribute every change made while serving a request to its user, source and request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = ChangeSource.API if request.path.startswith("/api/") else ChangeSource.WEB
        with change_context(source=source, request=request) as ctx:
            request.request_id = ctx.request_id
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response
