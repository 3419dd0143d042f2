from django.urls import path

from . import views, views_drafts, views_lists, views_oparl

app_name = "council"

# The papers; the drafts, the OParl import and the lists follow, each from its own views module.
urlpatterns: list = [
    path("", views.PaperList.as_view(), name="paper_list"),
    path("new/", views.paper_create, name="paper_create"),
    path("paste/", views.paper_paste, name="paper_paste"),
    path("<int:pk>/", views.paper_detail, name="paper_detail"),
    path("<int:pk>/edit/", views.paper_update, name="paper_update"),
    path("<int:pk>/delete/", views.paper_delete, name="paper_delete"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("<int:pk>/links/", views.link_add, name="link_add"),
    path("links/<int:pk>/remove/", views.link_remove, name="link_remove"),
]

# Drafts of council papers and the municipality's own DOCX templates (views_drafts.py).
urlpatterns += [
    path("drafts/", views_drafts.DraftList.as_view(), name="draft_list"),
    path("drafts/new/", views_drafts.draft_start, name="draft_start"),
    path("drafts/<int:pk>/", views_drafts.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/edit/", views_drafts.draft_edit, name="draft_edit"),
    path("drafts/<int:pk>/remove/", views_drafts.draft_remove, name="draft_remove"),
    path("drafts/<int:pk>/submitted/", views_drafts.draft_submit, name="draft_submit"),
    path("drafts/<int:pk>/export/<str:fmt>/", views_drafts.draft_export, name="draft_export"),
    path("drafts/<int:pk>/annexes/<int:number>/", views_drafts.draft_annex, name="draft_annex"),
    path("drafts/templates/", views_drafts.template_list, name="template_list"),
    path("drafts/templates/new/", views_drafts.template_upload, name="template_upload"),
    path("drafts/templates/sample/", views_drafts.template_sample, name="template_sample"),
    path("drafts/templates/<int:pk>/", views_drafts.template_download, name="template_download"),
    path("drafts/templates/<int:pk>/remove/", views_drafts.template_remove, name="template_remove"),
]

# Import from the council information system over OParl (views_oparl.py).

urlpatterns += [
    path("import/oparl/", views_oparl.oparl_import, name="oparl_import"),
    path("import/oparl/<int:pk>/", views_oparl.oparl_progress, name="oparl_progress"),
    path("import/oparl/<int:pk>/ergebnis/", views_oparl.oparl_result, name="oparl_result"),
]

# The municipality's committees and paper types (views_lists.py).

urlpatterns += [
    path("lists/", views_lists.council_lists, name="lists"),
    path("lists/<int:municipality_id>/", views_lists.lists_change, name="lists_change"),
    path(
        "lists/<int:municipality_id>/paper-types/defaults/",
        views_lists.paper_types_defaults,
        name="paper_types_defaults",
    ),
]
