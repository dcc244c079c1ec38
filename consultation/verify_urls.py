"""The public archive verification page (#24) at /verify/: anyone holding one of the
office's archived PDFs can check it is authentic and unaltered, without an account."""

from django.urls import path

from consultation.views import archive

app_name = "verify"

urlpatterns = [
    path("", archive.public_verify, name="archive"),
]
