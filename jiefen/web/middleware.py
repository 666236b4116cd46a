from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language with the switcher.

    Django's own middleware follows the browser's Accept-Language, which would show English to
    staff whose office computers came with an English browser; the switcher's cookie is the
    only thing that changes the language here.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: no camera or microphone for any page
    (evidence is uploaded as files), location only for this site's own pages, and responses
    that other sites may not embed or read."""

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
