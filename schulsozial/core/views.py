"""Shared view building blocks: the service-backed form view."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View


def apply_validation_error(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for item in error.error_list:
            form.add_error(None, item)


class ServiceFormView(LoginRequiredMixin, View):
    """GET shows the form, POST validates it and calls one service.

    Subclasses: `load()` returns the object (through a selector, 404 outside
    the scope) or None for create pages; `allowed(obj)` is the permission
    check (403); `save(form, obj)` calls the service and returns the object.
    """

    form_class: Any = None
    template_name = "core/form.html"
    title: Any = ""
    success_message: Any = _("Saved.")

    def load(self) -> models.Model | None:
        return None

    def allowed(self, obj: models.Model | None) -> bool:
        raise NotImplementedError

    def form_kwargs(self, obj: models.Model | None) -> dict[str, Any]:
        # The form validates a copy: the service compares the stored object with
        # the cleaned data to save and audit only what changed.
        return {"instance": copy.copy(obj)} if obj is not None and self._is_model_form() else {}

    def _is_model_form(self) -> bool:
        return hasattr(self.form_class, "_meta")

    def save(self, form: Any, obj: models.Model | None) -> models.Model:
        raise NotImplementedError

    def success_url(self, obj: models.Model) -> str:
        return obj.get_absolute_url()  # type: ignore[attr-defined]

    def cancel_url(self, obj: models.Model | None) -> str:
        return self.request.META.get("HTTP_REFERER", "/") if obj is None else self.success_url(obj)

    def context(self, form: Any, obj: models.Model | None) -> dict[str, Any]:
        return {
            "form": form,
            "object": obj,
            "title": self.title,
            "cancel_url": self.cancel_url(obj),
        }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.obj = self.load()
        if not self.allowed(self.obj):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(**self.form_kwargs(self.obj))
        return render(request, self.template_name, self.context(form, self.obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES or None, **self.form_kwargs(self.obj))
        if form.is_valid():
            try:
                saved = self.save(form, self.obj)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(self.success_url(saved))
        return render(request, self.template_name, self.context(form, self.obj), status=200)
