"""Paths under /api/ outside /api/v1/ (another version, a typo): the API's JSON 404."""

from django.contrib.auth.decorators import login_not_required
from django.urls import re_path

from casework.api import not_found

urlpatterns = [
    re_path(r"^(?P<rest>.*)$", login_not_required(not_found), name="api_not_found"),
]
