"""The contract pages per role: scoping, the pay group, the audit of reads,
the Entfristung figures and the continuity of a built history."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
from django.urls import reverse
from django.utils import timezone

from schulsozial.contracts import selectors
from schulsozial.core import school_year as sy
from schulsozial.core.models import AuditEntry

from .factories import contracts_for_world


def page(client, name, *args, **params):
    response = client.get(reverse(f"contracts:{name}", args=args), params)
    return response.status_code, response.content.decode()


def test_the_list_shows_each_role_its_own_contracts(world, client_for):
    contracts_for_world(world)
    labels = ["Fachkraft T-01", "Fachkraft T-02", "Fachkraft T-03", "Koordination T"]
    seen = {}
    for persona in ("coordinator", "carrier", "worker", "worker2"):
        status, body = page(client_for(persona), "contract_list")
        assert status == 200
        seen[persona] = [label for label in labels if label in body]
    assert seen["coordinator"] == labels
    assert seen["carrier"] == ["Fachkraft T-01", "Fachkraft T-02", "Koordination T"]  # Träger A
    assert seen["worker"] == ["Fachkraft T-01"]
    assert seen["worker2"] == ["Fachkraft T-03"]


def test_the_pay_group_is_for_carrier_and_coordination_only(world, client_for):
    contracts_for_world(world)
    own = world.staff[0]  # the worker's own record, permanent, S 12
    for persona, shown in (("coordinator", True), ("carrier", True), ("worker", False)):
        status, body = page(client_for(persona), "staff_contracts", own.pk)
        assert status == 200
        assert ("S 12" in body) is shown, persona
        assert "Verträge von Fachkraft T-01" in body


def test_opening_a_history_is_audited(world, client_for):
    contract = contracts_for_world(world)[1]
    page(client_for("coordinator"), "staff_contracts", contract.staff_member_id)
    entry = AuditEntry.objects.filter(action="read").latest("pk")
    assert (entry.object_type, entry.object_id) == (
        "masterdata.staffmember",
        str(contract.staff_member_id),
    )
    assert entry.actor == world.users["coordinator"]


def test_the_staff_page_includes_the_contracts_and_the_school_page_the_continuity(
    world, client_for
):
    contracts_for_world(world)
    client = client_for("coordinator")
    body = client.get(reverse("masterdata:staff_detail", args=[world.staff[1].pk])).content.decode()
    assert 'data-contracts="1"' in body and "Förderung endet" in body
    body = client.get(
        reverse("masterdata:school_detail", args=[world.schools[2].pk])
    ).content.decode()
    assert 'data-continuity-workers="2"' in body
    principal = client_for("principal")
    body = principal.get(
        reverse("masterdata:school_detail", args=[world.schools[0].pk])
    ).content.decode()
    assert 'data-continuity-workers="1"' in body  # own school: counts, no contract data


def test_a_carrier_timeline_has_its_svg_and_table(world, client_for):
    contracts_for_world(world)
    status, body = page(client_for("carrier"), "carrier_contracts", world.carrier.pk)
    assert status == 200
    assert "<svg" in body and 'data-table="contracts"' in body
    assert "Fachkraft T-02" in body and "Fachkraft T-03" not in body
    status, _body = page(client_for("carrier"), "carrier_contracts", world.other_carrier.pk)
    assert status == 404


def test_entfristung_figures_equal_the_hand_computation(world):
    contracts_for_world(world)
    data = selectors.entfristung(municipality=world.town, day=timezone.localdate())
    # T-01 1.0, T-02 0.5 fixed-term, T-03 0.75, coordination 0.5
    assert data["current"] == {
        "fte": Decimal("2.7500"),
        "fixed_fte": Decimal("0.5000"),
        "fte_percent": Decimal("18.2"),
        "persons": 4,
        "fixed_persons": 1,
    }
    (row,) = data["cost_rows"]
    # 0.5 FTE at the budget's 70,000 EUR; the Land pays 80 % of at most 70,000.
    assert (row.annual_cost, row.land_share, row.own_share) == (
        Decimal("35000.00"),
        Decimal("28000.00"),
        Decimal("7000.00"),
    )
    current = sy.start_year_of(timezone.localdate())
    assert data["target_year"] == current + 3
    # target 10 % of 2.75 = 0.28 allowed; 0.22 over three years: 0.08, 0.08, 0.06
    assert [(p.year, p.make_permanent_fte) for p in data["path"]] == [
        (current + 1, Decimal("0.08")),
        (current + 2, Decimal("0.08")),
        (current + 3, Decimal("0.06")),
    ]
    assert [r.staff.label for r in data["ending"]] == ["Fachkraft T-02"]


def test_the_committee_sees_totals_only_and_coordination_the_details(world, client_for):
    contracts_for_world(world)
    status, body = page(client_for("committee"), "entfristung")
    assert status == 200
    assert 'data-table="shares"' in body and 'data-table="path"' in body
    assert 'data-table="carriers"' not in body and 'data-table="ending"' not in body
    assert "Fachkraft T-02" not in body and "Träger A" not in body
    status, body = page(client_for("coordinator"), "entfristung")
    assert 'data-table="carriers"' in body and "Fachkraft T-02" in body
    assert "18,2 %" in body
    status, body = page(client_for("committee"), "entfristung", table="ending", format="csv")
    assert status == 404


def test_the_entfristung_export_is_a_german_csv(world, client_for):
    contracts_for_world(world)
    response = client_for("coordinator").get(
        reverse("contracts:entfristung"), {"table": "cost", "format": "csv"}
    )
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].startswith(
        "Finanzierungsquelle;befristete VZÄ;Kostensatz je VZÄ (EUR)"
    )
    assert "Förderrichtlinie" in text
    assert AuditEntry.objects.filter(action="export", object_type="contracts.entfristung").exists()


def test_the_entfristung_exports_have_german_file_names(world, client_for):
    contracts_for_world(world)
    client = client_for("coordinator")
    names = {}
    for table in ("shares", "carriers", "streams", "cost", "path", "ending"):
        response = client.get(reverse("contracts:entfristung"), {"table": table, "format": "xlsx"})
        assert response.status_code == 200
        if table == "carriers":
            workbook = openpyxl.load_workbook(io.BytesIO(response.content))
            assert workbook.sheetnames == ["Befristeter Anteil je Träger", "Hinweise"]
            notes = dict(workbook["Hinweise"].iter_rows(values_only=True, max_col=2))
            assert notes["Filter"] == f"Kommune: {world.town.name}"
        names[table] = (
            response["Content-Disposition"].split('filename="')[1].split("-ungeschuetzt")[0]
        )
    assert names == {
        "shares": "entfristung-je-schuljahr",
        "carriers": "entfristung-je-traeger",
        "streams": "entfristung-je-finanzierungsquelle",
        "cost": "entfristung-kosten",
        "path": "entfristung-weg-zum-ziel",
        "ending": "entfristung-vertraege-nach-ende",
    }


def test_a_carrier_sees_the_figures_of_its_own_contracts(world, client_for):
    contracts_for_world(world)
    status, body = page(client_for("carrier"), "entfristung")
    assert status == 200
    assert "Ihre eigenen Verträge in Teststadt." in body
    assert "Fachkraft T-03" not in body  # Träger B


def test_continuity_from_a_built_history(world, client_for):
    from schulsozial.core.actors import SYSTEM
    from schulsozial.masterdata import services as md

    today = timezone.localdate()
    school = world.schools[3]
    lo = sy.bounds(sy.start_year_of(today) - 2)[0]
    people = world.staff[:3]
    spans = [
        (lo, lo + datetime.timedelta(days=99)),
        (lo + datetime.timedelta(days=130), lo + datetime.timedelta(days=399)),
        (lo + datetime.timedelta(days=400), None),
    ]
    for n, (member, (start, end)) in enumerate(zip(people, spans, strict=True)):
        position = md.position_create(
            municipality=world.town,
            by=SYSTEM,
            code=f"K-{n}",
            carrier=member.carrier,
            funding_stream=world.stream,
            fte=Decimal("0.1"),
            staff_member=member,
            valid_from=start,
            valid_to=end,
        )
        md.assignment_set(position=position, school=school, weekly_hours=Decimal("3.9"), by=SYSTEM)
    found = selectors.continuity_of(schools=[school], day=today)[school.pk]
    assert found.workers == 3
    assert found.vacancy_days == 30  # the 30 days between the first and the second
    assert found.current_since == lo + datetime.timedelta(days=400)
    assert found.flagged
    status, body = page(client_for("coordinator"), "continuity")
    assert status == 200
    assert f'data-school="{school.school_number}"' in body
    assert 'data-flagged="1"' in body


def test_the_carrier_records_a_contract_through_the_form(world, client_for):
    member = world.staff[1]
    url = reverse("contracts:contract_create", args=[member.pk])
    client = client_for("carrier")
    response = client.post(
        url,
        {"start": "2020-08-01", "end": "2020-07-01", "weekly_hours": "19.5", "reason": "project"},
    )
    assert "Das Ende muss nach dem Beginn liegen." in response.content.decode()
    response = client.post(
        url,
        {
            "start": "2020-08-01",
            "end": "2021-07-31",
            "weekly_hours": "19.5",
            "reason": "project",
            "funding_stream": world.stream.pk,
            "pay_group": "S 11b",
        },
    )
    assert response.status_code == 302
    contract = member.contracts.get()
    assert (contract.kind, contract.reason, contract.pay_group) == (
        "fixed_term",
        "project",
        "S 11b",
    )


def test_coordination_sets_the_target_and_the_page_follows(world, client_for):
    contracts_for_world(world)
    client = client_for("coordinator")
    url = reverse("contracts:settings", args=[world.town.pk])
    response = client.post(
        url,
        {
            "target_fixed_term_percent": "0",
            "target_year": str(sy.start_year_of(timezone.localdate()) + 1),
            "default_cost_per_fte_eur": "70000",
            "land_max_share_percent": "80",
            "land_max_eligible_per_fte_eur": "70000",
            "land_max_eligible_justified_eur": "80000",
            "frequent_change_workers": "3",
        },
    )
    assert response.status_code == 302
    data = selectors.entfristung(municipality=world.town, day=timezone.localdate())
    assert [p.make_permanent_fte for p in data["path"]] == [Decimal("0.50")]


def test_the_committee_finds_the_entfristung_on_its_dashboard(world, client_for):
    body = client_for("committee").get(reverse("dashboard:home")).content.decode()
    assert 'data-tile="entfristung"' in body and 'href="/vertraege/entfristung/"' in body
    body = client_for("principal").get(reverse("dashboard:home")).content.decode()
    assert "/vertraege/" not in body


def test_the_art_15_export_holds_the_persons_contracts(world):
    from schulsozial.privacy.services import staff_data

    contract = contracts_for_world(world)[1]
    sections = staff_data(contract.staff_member, with_audit_trail=False)
    (row,) = sections["Verträge"]["rows"]
    assert row[:2] == ["Träger A", "befristet"]
    assert row[4] == "Förderung endet" and row[8] == "S 11b"


def test_the_carrier_export_names_the_carrier_as_a_filter_and_in_the_file_name(world, client_for):
    contracts_for_world(world)
    response = client_for("carrier").get(
        reverse("contracts:carrier_contracts", args=[world.carrier.pk]), {"format": "xlsx"}
    )
    assert 'filename="vertraege-bei-traeger-a-stand-' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Verträge", "Hinweise"]
    notes = dict(workbook["Hinweise"].iter_rows(values_only=True, max_col=2))
    assert notes["Filter"] == "Träger: Träger A"
    header = [c.value for c in workbook["Verträge"][1]]
    assert header[:3] == ["Name oder Kürzel", "Vertragsart", "Beginn"]


def test_the_entfristung_history_counts_a_contract_made_permanent_as_fixed_before(world):
    from schulsozial.contracts import services
    from schulsozial.core.actors import SYSTEM

    (contract,) = [c for c in contracts_for_world(world) if c.end is not None][:1]
    day = timezone.localdate()
    before = {
        s.year: s.fixed_fte
        for s in selectors.entfristung(municipality=world.town, day=day)["total"]
    }
    services.contract_extend(contract=contract, new_end=None, agreed_on=day, by=SYSTEM)
    after = {
        s.year: s.fixed_fte
        for s in selectors.entfristung(municipality=world.town, day=day)["total"]
    }
    # The school years whose reference day lies before today keep their
    # figures; the current year (15 October passed) counts it permanent now.
    past = [y for y in before if datetime.date(y, 10, 15) < day]
    assert past and all(after[y] == before[y] for y in past)


def test_the_list_shows_the_fte_with_two_decimals_as_the_other_contract_pages(world, client_for):
    contracts_for_world(world)
    status, body = page(client_for("coordinator"), "contract_list")
    assert status == 200
    assert "0,75" in body and "1,00" in body
    assert "0,7500" not in body and "1,0000" not in body


def _fte_columns(header):
    return [i for i, h in enumerate(header) if "VZÄ" in h and "(EUR)" not in h and "(%)" not in h]


def test_the_entfristung_exports_give_fte_two_decimals_and_percentages_one(world, client_for):
    import csv

    contracts_for_world(world)
    client = client_for("coordinator")
    for table in ("shares", "carriers", "streams", "cost", "path", "ending"):
        params = {"table": table}
        response = client.get(reverse("contracts:entfristung"), {**params, "format": "csv"})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        header, body = rows[0], rows[1:]
        assert body, table
        for row in body:
            for i in _fte_columns(header):
                assert row[i].count(",") == 1 and len(row[i].split(",")[1]) == 2, (table, row)
            for i, h in enumerate(header):
                if "(%)" in h and row[i]:
                    assert len(row[i].split(",")[1]) == 1, (table, row)
        response = client.get(reverse("contracts:entfristung"), {**params, "format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        header = [c.value for c in sheet[1]]
        for row in list(sheet.iter_rows(min_row=2)):
            for i in _fte_columns(header):
                assert isinstance(row[i].value, int | float), (table, row[i].value)
                assert row[i].number_format == "#,##0.00", (table, row[i].number_format)
            for i, h in enumerate(header):
                if "(%)" in h and row[i].value is not None:
                    assert row[i].number_format == "#,##0.0", (table, row[i].number_format)
    # Träger B has no fixed-term FTE: 0,00, not a bare 0.
    response = client.get(reverse("contracts:entfristung"), {"table": "carriers", "format": "csv"})
    assert ";Träger B;0,75;0,00;0,0;1;0;0,0" in response.content.decode("utf-8-sig")


def test_the_carrier_export_gives_fte_two_decimals(world, client_for):
    contracts_for_world(world)
    client = client_for("carrier")
    url = reverse("contracts:carrier_contracts", args=[world.carrier.pk])
    text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert ";39,00;1,00;0" in text and "1,0000" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))[
        "Verträge"
    ]
    fte = list(sheet["H"][1:])
    assert [c.value for c in fte] == [1, 0.5, 0.5]
    assert {c.number_format for c in fte} == {"#,##0.00"}


def test_the_entfristung_tables_give_percentages_as_the_exports_do(world, client_for):
    contracts_for_world(world)
    _status, body = page(client_for("coordinator"), "entfristung")
    shares = body.split('data-table="shares"')[1].split("</table>")[0]
    assert ">2,75</td>" in shares and ">0,50</td>" in shares
    assert ">18,2</td>" in shares and ">25,0</td>" in shares
    assert ">18,20</td>" not in shares


def test_extend_is_offered_only_on_contracts_that_may_still_be_renewed(world, client_for):
    from schulsozial.contracts import services
    from schulsozial.contracts.models import Reason
    from schulsozial.core.actors import SYSTEM

    today = timezone.localdate()
    days = datetime.timedelta

    def make(member, start, end):
        return services.contract_create(
            staff=member,
            start=start,
            end=end,
            weekly_hours=Decimal("19.5"),
            reason=Reason.PROJECT,
            by=SYSTEM,
        )

    long_ago = make(world.staff[0], today - days(1200), today - days(400))  # Träger A
    recent = make(world.staff[3], today - days(700), today - days(30))  # Koordination T
    followed = make(world.staff[1], today - days(900), today - days(30))
    running = make(world.staff[1], today - days(20), today + days(300))

    def extend_link(contract, body):
        return reverse("contracts:contract_extend", args=[contract.pk]) in body

    carrier = client_for("carrier")
    bodies = {
        m.pk: page(carrier, "staff_contracts", m.pk)[1]
        for m in (world.staff[0], world.staff[1], world.staff[3])
    }
    # Ended 400 days ago: nothing to extend, but it can still be corrected.
    body = bodies[world.staff[0].pk]
    assert not extend_link(long_ago, body)
    assert reverse("contracts:contract_update", args=[long_ago.pk]) in body
    assert extend_link(recent, bodies[world.staff[3].pk])  # ended 30 days ago
    body = bodies[world.staff[1].pk]
    assert not extend_link(followed, body) and extend_link(running, body)
    # The form itself is refused as the link is.
    assert carrier.get(reverse("contracts:contract_extend", args=[long_ago.pk])).status_code == 403
    assert carrier.get(reverse("contracts:contract_extend", args=[followed.pk])).status_code == 403
    assert carrier.get(reverse("contracts:contract_extend", args=[running.pk])).status_code == 200
    # Coordination reads the history and renews nothing.
    body = page(client_for("coordinator"), "staff_contracts", world.staff[1].pk)[1]
    assert "Verträge von Fachkraft T-02" in body and not extend_link(running, body)


class _Table(HTMLParser):
    """The header and body cells of one table: (class attribute, text)."""

    def __init__(self, key):
        super().__init__()
        self.key, self.inside, self.cell = key, False, None
        self.header, self.rows = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.inside = attrs.get("data-table") == self.key
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("th", "td"):
            self.cell = [tag, attrs.get("class", "").split(), ""]

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.cell is not None and tag == self.cell[0]:
            (self.header if self.cell[0] == "th" else self.rows[-1]).append(
                (self.cell[1], self.cell[2].strip())
            )
            self.cell = None


def _table(body, key):
    parser = _Table(key)
    parser.feed(body)
    return parser.header, [r for r in parser.rows if r]


def test_the_entfristung_tables_align_the_number_columns_right(world, client_for):
    contracts_for_world(world)
    _status, body = page(client_for("coordinator"), "entfristung")
    header, rows = _table(body, "shares")
    assert [text for _c, text in header][:2] == ["Schuljahr", "VZÄ"]
    assert ["kern-table__header--numeric" in c for c, _t in header] == [False] + [True] * 6
    for row in rows:
        assert ["kern-table__cell--numeric" in c for c, _t in row] == [False] + [True] * 6
    assert rows[-1][1] == (["kern-table__cell", "kern-table__cell--numeric"], "2,75")
    header, rows = _table(body, "ending")  # end, name, carrier, stream, FTE, reason, positions
    assert rows and [t for _c, t in rows[0]][1] == "Fachkraft T-02"
    assert ["kern-table__header--numeric" in c for c, _t in header] == [
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    assert ["kern-table__cell--numeric" in c for c, _t in rows[0]] == [
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    header, rows = _table(body, "cost")  # stream, FTE, rate, cost, Land share, own funds
    assert ["kern-table__header--numeric" in c for c, _t in header] == [False] + [True] * 5
