"""Master-data pages. Views load through selectors (404 outside the scope),
ask masterdata.permissions (403) and call one service. One module per part:
municipalities and school years, schools, the school import, carriers,
staff, funding streams, positions; common holds what they share."""

from __future__ import annotations

from .carriers import CarrierCreate, CarrierList, CarrierUpdate, carrier_detail
from .funding import BudgetEdit, FundingCreate, FundingList, FundingUpdate, funding_detail
from .municipalities import (
    MunicipalityCreate,
    MunicipalityList,
    MunicipalityUpdate,
    SchoolYearCreate,
    SchoolYearList,
    municipality_detail,
)
from .positions import (
    AssignmentAdd,
    PositionCreate,
    PositionList,
    PositionUpdate,
    assignment_remove,
    position_detail,
)
from .school_import import school_import, school_import_template
from .schools import SchoolCreate, SchoolFiguresEdit, SchoolList, SchoolUpdate, school_detail
from .staff import StaffCreate, StaffList, StaffUpdate, staff_detail

__all__ = [
    "AssignmentAdd",
    "BudgetEdit",
    "CarrierCreate",
    "CarrierList",
    "CarrierUpdate",
    "FundingCreate",
    "FundingList",
    "FundingUpdate",
    "MunicipalityCreate",
    "MunicipalityList",
    "MunicipalityUpdate",
    "PositionCreate",
    "PositionList",
    "PositionUpdate",
    "SchoolCreate",
    "SchoolFiguresEdit",
    "SchoolList",
    "SchoolUpdate",
    "SchoolYearCreate",
    "SchoolYearList",
    "StaffCreate",
    "StaffList",
    "StaffUpdate",
    "assignment_remove",
    "carrier_detail",
    "funding_detail",
    "municipality_detail",
    "position_detail",
    "school_detail",
    "school_import",
    "school_import_template",
    "staff_detail",
]
