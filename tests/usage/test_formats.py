"""A report is recognised from its set of header names, in every header version Microsoft wrote."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from veikart.demo.simulator import reports as simulator
from veikart.usage import formats
from veikart.usage.contract import ReportError
from veikart.usage.formats import REPORTS, detect

TEAMS_2019 = (
    "Report Refresh Date,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,"
    "Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,"
    "Meeting Count,Has Other Action,Report Period"
)
# The documented orders of the shared reference (real files order some of them differently).
DOCUMENTED = {
    "teams_user_detail": (
        "Report Refresh Date,Tenant Display Name,Shared Channel Tenant Display Names,User Id,"
        "User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,"
        "Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,"
        "Post Messages,Reply Messages,Urgent Messages,Meetings Organized Count,"
        "Meetings Attended Count,Ad Hoc Meetings Organized Count,Ad Hoc Meetings Attended Count,"
        "Scheduled One-time Meetings Organized Count,Scheduled One-time Meetings Attended Count,"
        "Scheduled Recurring Meetings Organized Count,Scheduled Recurring Meetings Attended Count,"
        "Audio Duration,Video Duration,Screen Share Duration,Audio Duration In Seconds,"
        "Video Duration In Seconds,Screen Share Duration In Seconds,Has Other Action,"
        "Is Licensed,Report Period"
    ),
    "email_user_detail": (
        "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,"
        "Last Activity Date,Send Count,Receive Count,Read Count,Meeting Created Count,"
        "Meeting Interacted Count,Assigned Products,Report Period"
    ),
    "onedrive_user_detail": (
        "Report Refresh Date,User Principal Name,Is Deleted,Deleted Date,Last Activity Date,"
        "Viewed Or Edited File Count,Synced File Count,Shared Internally File Count,"
        "Shared Externally File Count,Assigned Products,Report Period"
    ),
    "sharepoint_user_detail": (
        "Report Refresh Date,User Principal Name,Is Deleted,Deleted Date,Last Activity Date,"
        "Viewed Or Edited File Count,Synced File Count,Shared Internally File Count,"
        "Shared Externally File Count,Visited Page Count,Assigned Products,Report Period"
    ),
    "m365_active_user_detail": (
        "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,"
        "Has Exchange License,Has OneDrive License,Has SharePoint License,"
        "Has Skype For Business License,Has Yammer License,Has Teams License,"
        "Exchange Last Activity Date,OneDrive Last Activity Date,SharePoint Last Activity Date,"
        "Skype For Business Last Activity Date,Yammer Last Activity Date,"
        "Teams Last Activity Date,Exchange License Assign Date,OneDrive License Assign Date,"
        "SharePoint License Assign Date,Skype For Business License Assign Date,"
        "Yammer License Assign Date,Teams License Assign Date,Assigned Products"
    ),
    "yammer_user_detail": (
        "Report Refresh Date,User Principal Name,Display Name,User State,State Change Date,"
        "Last Activity Date,Posted Count,Read Count,Liked Count,Assigned Products,Report Period"
    ),
    "teams_device_user_detail": (
        "Report Refresh Date,User Id,User Principal Name,Last Activity Date,Is Deleted,"
        "Deleted Date,Used Web,Used Windows Phone,Used iOS,Used Mac,Used Android Phone,"
        "Used Windows,Used Chrome OS,Used Linux,Is Licensed,Report Period"
    ),
    "teams_activity_counts": (
        "Report Refresh Date,Report Date,Team Chat Messages,Post Messages,Reply Messages,"
        "Private Chat Messages,Calls,Meetings,Audio Duration,Video Duration,"
        "Screen Share Duration,Meetings Organized,Meetings Attended,Report Period"
    ),
    "teams_user_counts": (
        "Report Refresh Date,Report Date,Team Chat Messages,Private Chat Messages,Calls,"
        "Meetings,Other Actions,Report Period"
    ),
    "email_activity_counts": (
        "Report Refresh Date,Send,Receive,Read,Meeting Created,Meeting Interacted,Report Date,"
        "Report Period"
    ),
    "onedrive_user_counts": (
        "Report Refresh Date,Viewed Or Edited,Synced,Shared Internally,Shared Externally,"
        "Report Date,Report Period"
    ),
    "m365_active_user_counts": (
        "Report Refresh Date,Office 365,Exchange,OneDrive,SharePoint,Skype For Business,Yammer,"
        "Teams,Report Date,Report Period"
    ),
}


def names(line: str) -> list[str]:
    return line.split(",")


def test_the_registry_has_every_report_of_the_reference() -> None:
    assert set(REPORTS) == set(DOCUMENTED)
    assert len({f.graph_name for f in REPORTS.values()}) == len(REPORTS)


@pytest.mark.parametrize("key", sorted(DOCUMENTED))
def test_it_recognises_every_documented_header(key: str) -> None:
    report, unknown = detect(names(DOCUMENTED[key]))
    assert (report.key, unknown) == (key, ())


@pytest.mark.parametrize("key", sorted(DOCUMENTED))
def test_the_order_of_columns_does_not_matter(key: str) -> None:
    reordered = list(reversed(names(DOCUMENTED[key])))
    assert detect(reordered)[0].key == key


@pytest.mark.parametrize("graph_name", sorted(simulator._ERAS))
def test_it_recognises_every_header_version_the_simulator_writes(graph_name: str) -> None:
    day = dt.date(2019, 1, 1)
    while day < dt.date(2023, 1, 1):
        report, unknown = detect(simulator.header(graph_name, day))
        assert (report.graph_name, unknown) == (graph_name, ())
        day += dt.timedelta(days=30)


def test_the_2019_teams_header_is_teams_user_detail_of_2019() -> None:
    report, unknown = detect(names(TEAMS_2019))
    assert (report.key, unknown) == ("teams_user_detail", ())
    assert report.header_version(names(TEAMS_2019)) == "teams-2019"


def test_header_versions_follow_the_columns_microsoft_appended() -> None:
    teams = REPORTS["teams_user_detail"]
    versions = [
        teams.header_version(simulator.header(simulator.TEAMS_USER_DETAIL, dt.date(year, 9, 1)))
        for year in (2019, 2020, 2021, 2022)
    ]
    assert versions == ["teams-2019", "teams-2019", "teams-2021", "teams-2022"]
    late_2020 = simulator.header(simulator.TEAMS_USER_DETAIL, dt.date(2020, 12, 1))
    assert teams.header_version(late_2020) == "teams-2020"
    assert teams.header_version(names(DOCUMENTED["teams_user_detail"])) == "teams-2022"
    assert REPORTS["email_user_detail"].header_version(names(DOCUMENTED["email_user_detail"])) == (
        "email-2020"
    )


def test_it_reports_appended_columns_it_does_not_know() -> None:
    report, unknown = detect([*names(TEAMS_2019), "Is External", "Copilot  Prompt Count"])
    assert report.key == "teams_user_detail"
    assert unknown == ("Is External", "Copilot Prompt Count")


def test_it_normalises_whitespace_case_and_the_byte_order_mark() -> None:
    header = names(DOCUMENTED["teams_device_user_detail"])
    header[0] = "\ufeffReport Refresh Date"
    header[header.index("Used Chrome OS")] = "Used  Chrome OS"
    header[header.index("Used Web")] = " used web "
    report, unknown = detect(header)
    assert (report.key, unknown) == ("teams_device_user_detail", ())
    assert report.source_for("Used  Chrome OS") is not None


def test_sharepoint_wins_over_onedrive_and_user_counts_over_activity_counts() -> None:
    assert detect(names(DOCUMENTED["sharepoint_user_detail"]))[0].key == "sharepoint_user_detail"
    assert detect(names(DOCUMENTED["onedrive_user_detail"]))[0].key == "onedrive_user_detail"
    old_counts = "Report Refresh Date,Report Date,Team Chat Messages,Private Chat Messages,Calls"
    assert detect(names(old_counts))[0].key == "teams_activity_counts"
    assert detect(names(DOCUMENTED["teams_user_counts"]))[0].key == "teams_user_counts"


def test_it_accepts_both_spellings_of_the_teams_meeting_counts() -> None:
    header = names(DOCUMENTED["teams_activity_counts"])
    header[header.index("Meetings Organized")] = "Meetings Organized Count"
    header[header.index("Meetings Attended")] = "Meetings Attended Count"
    report, unknown = detect(header)
    assert (report.key, unknown) == ("teams_activity_counts", ())


def test_it_rejects_an_unknown_header_set_with_an_example_of_what_it_expects() -> None:
    with pytest.raises(ReportError) as caught:
        detect(["ansattnummer", "fornavn", "etternavn"], file="ansatte.csv")
    error = caught.value
    assert (error.file, error.line) == ("ansatte.csv", 1)
    assert "not a Microsoft 365 usage report Veikart knows" in error.message
    assert "the Teams user activity report (User Principal Name, Team Chat Message Count" in (
        error.message
    )
    assert "ansattnummer" in error.message


def test_a_file_without_a_header_line_is_refused_without_quoting_its_first_row() -> None:
    row = "2020-11-29,liv.kvamme@moss.kommune.no,0085EF43933D7DE1FDC84381CFFCC064,False,,7"
    with pytest.raises(ReportError) as caught:
        detect(names(row))
    assert "liv.kvamme" not in str(caught.value) and "0085EF43" not in str(caught.value)


def test_it_says_which_columns_a_near_miss_lacks() -> None:
    header = [h for h in names(TEAMS_2019) if h != "Private Chat Message Count"]
    with pytest.raises(ReportError, match="looks like the Teams user activity report but lacks"):
        detect(header)


def test_it_rejects_a_known_report_without_its_refresh_date() -> None:
    header = [h for h in names(TEAMS_2019) if h != "Report Refresh Date"]
    with pytest.raises(ReportError, match="has no “Report Refresh Date” column"):
        detect(header)


def test_it_rejects_a_column_that_appears_twice() -> None:
    with pytest.raises(ReportError, match="hold the same thing"):
        detect([*names(TEAMS_2019), "Call  count"])
    header = [*names(DOCUMENTED["teams_activity_counts"]), "Meetings Organized Count"]
    with pytest.raises(ReportError, match="hold the same thing"):
        detect(header)


def test_no_schema_stores_a_name_or_a_teams_user_id() -> None:
    for report in REPORTS.values():
        columns = report.schema.names
        assert not {"display_name", "user_id"} & set(columns), report.key
        assert columns[:3] == ["report_refresh_date", "report_period", "report_date"]
        assert ("upn" in columns) == report.is_user_detail


def test_schema_types_follow_the_kind_of_each_column() -> None:
    teams = REPORTS["teams_user_detail"].schema
    assert teams.field("upn").type == pa.string()
    assert teams.field("call_count").type == pa.int64()
    assert teams.field("is_deleted").type == pa.bool_()
    assert teams.field("last_activity_date").type == pa.date32()
    assert teams.field("audio_duration_seconds").type == pa.int64()
    assert teams.field("report_period").type == pa.int32()
    assert REPORTS["teams_device_user_detail"].schema.field("used_chrome_os").type == pa.bool_()


def test_the_module_documents_every_canonical_column() -> None:
    doc = formats.__doc__ or ""
    for report in REPORTS.values():
        assert f"``{report.key}`` — {report.graph_name}" in doc
        for name in report.schema.names:
            assert name in doc, (report.key, name)
