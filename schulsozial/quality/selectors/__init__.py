"""Reading quality management, always scoped through quality.permissions.

- base: the municipality's settings (defaults when none are saved), the scale;
- self_evaluation: self-evaluations the user may read, the side-by-side view of
  the perspectives with their differences, the school's documentation figures
  next to outcome standards (read through the statistics selectors under the
  viewer's own statistics scope, so their disclosure control applies unchanged);
- dialogue: quality dialogues;
- cycle: the city-wide cycle table (school × step), built from the records;
- insights: the heat map, its trend and the annual summary;
- surveys: anonymous surveys and their results.
"""

from __future__ import annotations

from .base import (
    DEFAULT_LABELS_4,
    DIMENSIONS,
    ST,
    scale_choices,
    scale_of,
    settings_of,
    today,
    wanted_perspectives,
)
from .cycle import (
    CYCLE_STEPS,
    CycleRow,
    current_school_year,
    cycle_carriers,
    cycle_schools,
    cycle_table,
    cycle_totals,
    hours_value,
    school_years,
)
from .dialogue import (
    dialogue_detail,
    dialogue_schools,
    dialogues_visible_to,
    goals_of_school,
)
from .insights import (
    PUBLISHED,
    RATED,
    AnnualSummary,
    HeatmapView,
    annual_summary,
    heatmap_school_ids,
    heatmap_view,
    rating_averages,
)
from .self_evaluation import (
    Cell,
    CompareGroup,
    CompareRow,
    OutcomeFigures,
    evaluation_detail,
    evaluations_visible_to,
    outcome_figures,
    perspective_records,
    ratings_of,
    schools_to_start,
    side_by_side,
    spread,
    standards_by_dimension,
)
from .surveys import (
    PooledTexts,
    QuestionResult,
    SurveyResults,
    question_set_of,
    survey_by_token,
    survey_detail,
    survey_results,
    survey_schools,
    survey_texts,
    surveys_visible_to,
)

__all__ = [
    "CYCLE_STEPS",
    "DEFAULT_LABELS_4",
    "DIMENSIONS",
    "PUBLISHED",
    "RATED",
    "ST",
    "AnnualSummary",
    "Cell",
    "CompareGroup",
    "CompareRow",
    "CycleRow",
    "HeatmapView",
    "OutcomeFigures",
    "PooledTexts",
    "QuestionResult",
    "SurveyResults",
    "annual_summary",
    "current_school_year",
    "cycle_carriers",
    "cycle_schools",
    "cycle_table",
    "cycle_totals",
    "dialogue_detail",
    "dialogue_schools",
    "dialogues_visible_to",
    "evaluation_detail",
    "evaluations_visible_to",
    "goals_of_school",
    "heatmap_school_ids",
    "heatmap_view",
    "hours_value",
    "outcome_figures",
    "perspective_records",
    "question_set_of",
    "rating_averages",
    "ratings_of",
    "scale_choices",
    "scale_of",
    "school_years",
    "schools_to_start",
    "settings_of",
    "side_by_side",
    "spread",
    "standards_by_dimension",
    "survey_by_token",
    "survey_detail",
    "survey_results",
    "survey_schools",
    "survey_texts",
    "surveys_visible_to",
    "today",
    "wanted_perspectives",
]
