"""REST API for carriers' own systems (docs/api.md).

Authentication: ``Authorization: Bearer <key>`` with a key the carrier
created on the API access page. A token acts for its carrier only: it may
submit records of the carrier's own social workers, at schools where the
worker's positions are assigned. POST is idempotent through the client's
``client_id``: the same id returns the stored record (200 instead of 201).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import StaffMember

from . import permissions as perms
from . import selectors, services
from .api_auth import ApiTokenAuthentication, HasApiToken, TokenRateThrottle, token_of
from .models import Activity, ApiToken, CatalogueEntry, CatalogueKind, Source

# --------------------------------------------------------------------------- serializers


class ParticipantSerializer(serializers.Serializer):
    gender = serializers.SlugField(max_length=40, help_text="Code of the gender catalogue.")
    grade_band = serializers.SlugField(max_length=40, help_text="Code of the grade band catalogue.")
    count = serializers.IntegerField(min_value=1, max_value=2000)


class ActivityInSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(
        help_text="Your system's id of the record; repeating it is safe."
    )
    staff_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,  # a 64-bit key; larger numbers name nobody
        help_text="Id of the social worker (staff member).",
    )
    school_number = serializers.RegexField(
        r"^[0-9]{6}$", help_text="Official 6-digit school number."
    )
    date = serializers.DateField()
    minutes = serializers.IntegerField(min_value=1, max_value=720)
    activity_type = serializers.SlugField(max_length=40)
    target_group = serializers.SlugField(max_length=40)
    topics = serializers.ListField(
        child=serializers.SlugField(max_length=40), required=False, max_length=30
    )
    contact_origin = serializers.SlugField(max_length=40, required=False, allow_blank=True)
    partner = serializers.SlugField(max_length=40, required=False, allow_blank=True)
    follow_up = serializers.BooleanField(required=False, default=False)
    participants: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ParticipantSerializer(), required=False, max_length=100
    )
    case_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Optional anonymous case code; stored only as a keyed hash per school.",
    )


class ActivityOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.UUIDField()
    staff_id = serializers.IntegerField(source="worker_id")
    school_number = serializers.CharField(source="school.school_number")
    date = serializers.DateField()
    minutes = serializers.IntegerField()
    activity_type = serializers.CharField(source="activity_type.code")
    target_group = serializers.CharField(source="target_group.code")
    topics = serializers.SerializerMethodField()
    contact_origin = serializers.CharField(
        source="contact_origin.code", allow_null=True, default=None
    )
    partner = serializers.CharField(source="partner.code", allow_null=True, default=None)
    follow_up = serializers.BooleanField()
    participants = serializers.IntegerField(help_text="Total of the participant counts.")
    has_case = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_topics(self, obj: Activity) -> list[str]:
        # A record just written passes its topics in, saving a read back.
        topics = self.context.get("topics")
        return sorted(t.code for t in (obj.topics.all() if topics is None else topics))

    def get_has_case(self, obj: Activity) -> bool:
        return bool(obj.case_hash)


ErrorSerializer = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField()},
)
# Field errors: {"field name": ["message", ...]}; nested for participants.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"oneOf": [{"type": "array"}, {"type": "object"}, {"type": "string"}]},
    "example": {"minutes": ["Ensure this value is greater than or equal to 1."]},
}


# --------------------------------------------------------------------------- views


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with deeply nested input refused as a malformed
    body (400): Python's json module raises RecursionError on a few thousand
    nested brackets, which DRF does not catch (a 500)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc


class ApiView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasApiToken]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [JSONParser]


def _token_details(token: ApiToken) -> dict[str, Any]:
    """What the audit entry of an API write says about the key: its prefix,
    name and creator (the entry's actor is the creator, never "system")."""
    creator = token.created_by
    return {
        "api_token": token.prefix,
        "api_token_name": token.name,
        "api_token_created_by": creator.username if creator is not None else "",
        "carrier": token.carrier_id,
    }


def _field_errors(errors: dict[str, list[str]]) -> Response:
    return Response(errors, status=status.HTTP_400_BAD_REQUEST)


class ActivityCreate(ApiView):
    @extend_schema(
        operation_id="activities_create",
        request=ActivityInSerializer,
        responses={
            201: ActivityOutSerializer,
            200: OpenApiResponse(
                ActivityOutSerializer, description="The record with this client_id exists already."
            ),
            400: OpenApiResponse(FIELD_ERRORS, description="Field errors (or a malformed body)."),
            401: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
        summary="Submit one activity record (idempotent by client_id)",
    )
    def post(self, request: Request) -> Response:
        token = token_of(request)
        serializer = ActivityInSerializer(data=request.data)
        if not serializer.is_valid():
            return _field_errors(serializer.errors)
        data = serializer.validated_data
        worker = perms.api_staff_member(carrier_id=token.carrier_id, staff_id=data["staff_id"])
        if worker is None:
            return _field_errors(
                {"staff_id": ["No social worker with this id works for your carrier."]}
            )

        def refuse(errors: dict[str, list[str]]) -> Response:
            # A repeated client id answers with the stored record even if its
            # school or codes are no longer valid. A new record (the common
            # case) checks its client id once, inside activity_record.
            existing = selectors.stored_record(worker=worker, client_id=data["client_id"])
            if existing is not None:
                return Response(ActivityOutSerializer(existing).data, status=status.HTTP_200_OK)
            return _field_errors(errors)

        municipality_id = worker.municipality_id
        school = selectors.school_by_number(
            school_number=data["school_number"], municipality_id=municipality_id
        )
        if school is None:
            return refuse({"school_number": ["Unknown school in your municipality."]})
        errors: dict[str, list[str]] = {}
        # Only the entries the record names (one query, a handful of rows).
        codes = {
            data["activity_type"],
            data["target_group"],
            data.get("contact_origin") or "",
            data.get("partner") or "",
            *data.get("topics", []),
            *(c[k] for c in data.get("participants", []) for k in ("gender", "grade_band")),
        } - {""}
        by_kind: dict[tuple[str, str], CatalogueEntry] = {
            (e.kind, e.code): e
            for e in selectors.usable_entries_by_code(municipality_id=municipality_id, codes=codes)
        }

        def entry(field: str, kind: str, code: str | None) -> CatalogueEntry | None:
            if not code:
                return None
            found = by_kind.get((kind, code))
            if found is None:
                errors.setdefault(field, []).append(
                    f"Unknown code {code!r} in the catalogue {str(kind)!r}."
                )
            return found

        activity_type = entry("activity_type", CatalogueKind.ACTIVITY_TYPE, data["activity_type"])
        target_group = entry("target_group", CatalogueKind.TARGET_GROUP, data["target_group"])
        topics = [entry("topics", CatalogueKind.TOPIC, code) for code in data.get("topics", [])]
        contact_origin = entry(
            "contact_origin", CatalogueKind.CONTACT_ORIGIN, data.get("contact_origin")
        )
        partner = entry("partner", CatalogueKind.PARTNER, data.get("partner"))
        participants: dict[tuple[CatalogueEntry, CatalogueEntry], int] = {}
        for cell in data.get("participants", []):
            gender = entry("participants", CatalogueKind.GENDER, cell["gender"])
            band = entry("participants", CatalogueKind.GRADE_BAND, cell["grade_band"])
            if gender and band:
                if (gender, band) in participants:
                    errors.setdefault("participants", []).append(
                        "Each gender and grade band only once."
                    )
                participants[(gender, band)] = cell["count"]
        if errors or activity_type is None or target_group is None:
            return refuse(errors)
        item = services.ActivityInput(
            date=data["date"],
            school=school,
            minutes=data["minutes"],
            activity_type=activity_type,
            target_group=target_group,
            topics=tuple(dict.fromkeys(t for t in topics if t)),
            contact_origin=contact_origin,
            partner=partner,
            follow_up=data.get("follow_up", False),
            participants=participants,
            case_code=data.get("case_code", ""),
            client_id=data["client_id"],
        )
        try:
            # activity_record is atomic itself: an IntegrityError rolls it back
            # whole, and no outer transaction needs a savepoint.
            activity, created = services.activity_record(
                data=item,
                by=SYSTEM,  # the token acts; the audit names its creator
                worker=worker,
                source=Source.API,
                audit_details=_token_details(token),
                audit_actor=token.created_by,
            )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                return _field_errors({k: list(v) for k, v in error.message_dict.items()})
            return _field_errors({"non_field_errors": list(error.messages)})
        except IntegrityError:
            # A concurrent request with the same client id won the race; any
            # other integrity error is not ours to hide.
            existing = selectors.stored_record(worker=worker, client_id=data["client_id"])
            if existing is None:
                raise
            activity, created = existing, False
        if not created:
            return Response(ActivityOutSerializer(activity).data, status=status.HTTP_200_OK)
        # Stored exactly as given: activity_record adds item.topics and nothing else.
        out = ActivityOutSerializer(activity, context={"topics": item.topics})
        return Response(out.data, status=status.HTTP_201_CREATED)


class CatalogueEntryOut(serializers.ModelSerializer[CatalogueEntry]):
    class Meta:
        model = CatalogueEntry
        fields = ("kind", "code", "label", "retired")


class StaffOut(serializers.ModelSerializer[StaffMember]):
    """A social worker of the carrier and the numbers of the schools their
    positions are assigned to (read from the prefetched assignments)."""

    staff_id = serializers.IntegerField(source="pk")
    school_numbers = serializers.SerializerMethodField()

    class Meta:
        model = StaffMember
        fields = ("staff_id", "label", "school_numbers")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_school_numbers(self, member: StaffMember) -> list[str]:
        return sorted(
            {a.school.school_number for p in member.positions.all() for a in p.assignments.all()}
        )


class CatalogueList(ApiView):
    @extend_schema(
        operation_id="catalogues_list",
        responses={200: CatalogueEntryOut(many=True), 401: ErrorSerializer, 429: ErrorSerializer},
        summary="The codes of the catalogues of the token's municipality (retired ones marked)",
    )
    def get(self, request: Request) -> Response:
        token = token_of(request)
        entries = CatalogueEntry.objects.filter(
            municipality_id=token.carrier.municipality_id
        ).order_by("kind", "sort_order", "code")
        return Response(CatalogueEntryOut(entries, many=True).data)


class StaffList(ApiView):
    @extend_schema(
        operation_id="staff_list",
        responses={200: StaffOut(many=True), 401: ErrorSerializer, 429: ErrorSerializer},
        summary="The carrier's social workers and the schools they may be documented at",
    )
    def get(self, request: Request) -> Response:
        token = token_of(request)
        members = (
            StaffMember.objects.filter(perms.api_staff_q(token.carrier_id))
            .prefetch_related("positions__assignments__school")
            .order_by("label")
        )
        return Response(StaffOut(members, many=True).data)
