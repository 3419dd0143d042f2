from django.urls import path

from . import views

app_name = "concepts"

urlpatterns = [
    path("", views.Overview.as_view(), name="overview"),
    path("reviews/", views.ReviewList.as_view(), name="review_list"),
    # framework concept
    path("framework/", views.FrameworkList.as_view(), name="framework_list"),
    path("framework/new/", views.FrameworkCreate.as_view(), name="framework_create"),
    path("framework/compare/", views.framework_compare, name="framework_compare"),
    path(
        "framework/compare/synopsis.<str:fmt>",
        views.framework_synopsis,
        name="framework_synopsis",
    ),
    path("framework/<int:pk>/", views.framework_detail, name="framework_detail"),
    path("framework/<int:pk>/export/<str:fmt>/", views.framework_export, name="framework_export"),
    path("framework/<int:pk>/sections/new/", views.SectionAdd.as_view(), name="section_create"),
    path(
        "framework/<int:pk>/sections/<int:section_pk>/edit/",
        views.SectionUpdate.as_view(),
        name="section_update",
    ),
    path(
        "framework/<int:pk>/sections/<int:section_pk>/remove/",
        views.section_remove,
        name="section_remove",
    ),
    path(
        "framework/<int:pk>/standards/new/", views.StandardCreate.as_view(), name="standard_create"
    ),
    path(
        "framework/<int:pk>/standards/<int:standard_pk>/edit/",
        views.StandardUpdate.as_view(),
        name="standard_update",
    ),
    path(
        "framework/<int:pk>/standards/<int:standard_pk>/remove/",
        views.standard_remove,
        name="standard_remove",
    ),
    path(
        "framework/<int:pk>/consultation/",
        views.ConsultationOpen.as_view(),
        name="consultation_open",
    ),
    path(
        "framework/<int:pk>/consultation/close/",
        views.consultation_close,
        name="consultation_close",
    ),
    path("framework/<int:pk>/adopt/", views.FrameworkAdopt.as_view(), name="framework_adopt"),
    path(
        "framework/<int:pk>/transition/",
        views.TransitionUpdate.as_view(),
        name="framework_transition",
    ),
    path(
        "framework/<int:pk>/new-version/",
        views.framework_new_version,
        name="framework_new_version",
    ),
    path("framework/<int:pk>/comment/", views.CommentCreate.as_view(), name="comment_create"),
    path("comments/", views.CommentList.as_view(), name="comment_list"),
    path("comments/<int:pk>/answer/", views.CommentAnswer.as_view(), name="comment_answer"),
    # ideas and linked concepts
    path("ideas/", views.IdeaList.as_view(), name="idea_list"),
    path("ideas/new/", views.IdeaCreate.as_view(), name="idea_create"),
    path("ideas/<int:pk>/take-up/", views.IdeaConvert.as_view(), name="idea_convert"),
    path("linked/", views.LinkedList.as_view(), name="linked_list"),
    path("linked/new/", views.LinkedCreate.as_view(), name="linked_create"),
    path("linked/<int:pk>/edit/", views.LinkedUpdate.as_view(), name="linked_update"),
    path("linked/<int:pk>/file/", views.linked_file, name="linked_file"),
    # school concepts
    path("schools/", views.SchoolConceptList.as_view(), name="school_concept_list"),
    path(
        "schools/<int:school_pk>/create/",
        views.school_concept_create,
        name="school_concept_create",
    ),
    path("school-concepts/<int:pk>/", views.school_concept_detail, name="school_concept_detail"),
    path(
        "school-concepts/<int:pk>/sections/<int:section_pk>/edit/",
        views.SchoolSectionUpdate.as_view(),
        name="school_section_update",
    ),
    path(
        "school-concepts/<int:pk>/standards/<int:entry_pk>/edit/",
        views.ImplementationUpdate.as_view(),
        name="implementation_update",
    ),
    path(
        "school-concepts/<int:pk>/step/<str:action>/",
        views.school_concept_transition,
        name="school_concept_transition",
    ),
    path(
        "school-concepts/<int:pk>/review-interval/",
        views.ReviewIntervalUpdate.as_view(),
        name="review_interval",
    ),
    path(
        "school-concepts/<int:pk>/export/<str:fmt>/",
        views.school_concept_export,
        name="school_concept_export",
    ),
    # yearly goals
    path("goals/", views.GoalList.as_view(), name="goal_list"),
    path("schools/<int:school_pk>/goals/new/", views.GoalCreate.as_view(), name="goal_create"),
    path("goals/<int:pk>/edit/", views.GoalUpdate.as_view(), name="goal_update"),
    path("goals/<int:pk>/review/", views.GoalReview.as_view(), name="goal_review"),
]
