"""Request middleware of the whole site."""
from .site import site

# Plain routes (config/urls.py includes them outside the viewflow site) whose pages render in
# the app shell: its base template reads the site (menu, title) from request.resolver_match.
SHELL_NAMESPACES = {"workflows_routes"}


class AppShellMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        match = request.resolver_match
        if match is not None and not getattr(match, "site", None) and SHELL_NAMESPACES & set(match.namespaces):
            match.site = site
            match.viewset = site
        return None
