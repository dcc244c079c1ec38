"""Public notices (公示) at /notices/<code>/: residents read a posted result without an
account, by the unguessable code printed on the paper notice (no list is public)."""

from django.urls import path

from consultation.views import publicity

app_name = "notices"

urlpatterns = [
    path("<uuid:code>/", publicity.notice_public, name="notice"),
    path("<uuid:code>/notice.pdf", publicity.notice_pdf, name="notice_pdf"),
]
