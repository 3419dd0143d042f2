"""The linked concepts (truancy, child protection, …) a framework section refers to."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, require
from schulsozial.core.views import ServiceFormView
from schulsozial.masterdata.selectors import coordinated_municipalities

from .. import forms, selectors, services
from .. import permissions as perms
from .common import ConceptFormView, ConceptTable, url


class LinkedList(ConceptTable):
    title = _("Linked concepts")
    export_name = "linked_concepts"
    template_name = "concepts/linked_list.html"
    columns = [
        Column("kind", _("kind"), value=lambda o: o.get_kind_display(), sort="kind"),
        Column(
            "title",
            _("title"),
            sort="title",
            link=lambda o: o.url or (url("linked_file", o.pk) if o.file else ""),
        ),
        Column("owner", _("owner"), sort="owner"),
        Column("description", _("short description")),
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("url", _("link"), export_only=True),
    ]
    search_fields = ["title", "owner", "description"]
    default_sort = "kind"
    create_url_name = "concepts:linked_create"

    def check_access(self) -> None:
        require(perms.can_use_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.linked_concepts_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_linked_concept(self.request.user)

    def extra_context(self) -> dict[str, Any]:
        if not self.can_create():
            return {}
        user = self.request.user
        return {
            "row_edit": [
                (o, url("linked_update", o.pk))
                for o in self.get_queryset()
                if perms.can_manage_linked_concepts(user, o.municipality_id)
            ]
        }


class LinkedCreate(ConceptFormView):
    form_class = forms.LinkedConceptForm
    title = _("New linked concept")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_linked_concept(self.request.user)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": coordinated_municipalities(user=self.request.user)}

    def save(self, form: Any, obj: Model | None) -> Model:
        data = dict(form.cleaned_data)
        return services.linked_concept_create(
            municipality=data.pop("in_municipality"), by=self.request.user, **data
        )


class LinkedUpdate(LinkedCreate):
    title = _("Edit linked concept")

    def load(self) -> Model | None:
        require(perms.can_use_concepts(self.request.user))
        return get_object_or_404(
            selectors.linked_concepts_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_linked_concepts(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return ServiceFormView.form_kwargs(self, obj)

    def save(self, form: Any, obj: Any) -> Model:
        return services.linked_concept_update(
            concept=obj, by=self.request.user, **form.cleaned_data
        )


@login_required
def linked_file(request: HttpRequest, pk: int) -> FileResponse:
    require(perms.can_use_concepts(request.user))
    concept = get_object_or_404(selectors.linked_concepts_visible_to(user=request.user), pk=pk)
    name = concept.file.name
    if not name:  # no file: a FieldFile is false exactly when its name is empty
        raise Http404
    return FileResponse(
        concept.file.open("rb"), as_attachment=True, filename=name.rsplit("/", 1)[-1]
    )
