from django.urls import path, re_path, register_converter

from casework import open311


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"

urlpatterns = [
    path("discovery.<fmt:fmt>", open311.discovery, name="discovery"),
    path("v2/services.<fmt:fmt>", open311.services_list, name="services"),
    path("v2/services/<slug:code>.<fmt:fmt>", open311.service_definition, name="service"),
    path("v2/requests.<fmt:fmt>", open311.requests_view, name="requests"),
    path(
        "v2/requests/<str:service_request_id>.<fmt:fmt>",
        open311.request_detail,
        name="request",
    ),
    path("v2/tokens/<str:token>.<fmt:fmt>", open311.token_detail, name="token"),
    # Anything else here (unknown path, unknown format): 404 in the spec's error format.
    re_path(r"^(?P<rest>.*)$", open311.not_found, name="not_found"),
]
