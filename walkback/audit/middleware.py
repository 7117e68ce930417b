from django.conf import settings

from walkback.audit.context import current_ip


def client_ip(request) -> str | None:
    """The client's address. Behind N trusted proxies, take the Nth address from the right of
    X-Forwarded-For; otherwise REMOTE_ADDR (a client could forge the header)."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
