"""The reader turns real-looking report files into checked canonical batches, or says what is wrong.

Small files are written inline, as Microsoft writes them (UTF-8 with BOM, CRLF) unless a test is
about a variant; the simulator's output covers every report and header era at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.usage.contract import ReadResult, ReportError
from veikart.usage.reader import read_report

TODAY = dt.date(2022, 6, 1)

TEAMS_2019 = """\
Report Refresh Date,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,Has Other Action,Report Period
2020-11-29,liv.kvamme@moss.kommune.no,2020-11-27,False,,MICROSOFT 365 F3,10,48,2,5,No,7
2020-11-29,unni.daehli@moss.kommune.no,,False,,MICROSOFT 365 E3+POWER BI PRO,0,0,0,0,No,7
2020-11-29,per.olsen@moss.kommune.no,2020-11-02,True,2020-11-20,,0,0,0,0,No,7
"""  # noqa: E501

TEAMS_2020 = """\
Report Refresh Date,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,Has Other Action,Report Period,Meetings Organized Count,Meetings Attended Count,Audio Duration,Video Duration,Screen Share Duration,Audio Duration In Seconds,Video Duration In Seconds,Screen Share Duration In Seconds,Is Licensed
2020-11-29,liv.kvamme@moss.kommune.no,2020-11-27,False,,MICROSOFT 365 F3,10,48,2,5,No,7,0,5,PT2H26M22S,PT11M19S,PT0S,8782,679,0,Yes
2020-11-29,unni.daehli@moss.kommune.no,2020-11-26,False,,MICROSOFT 365 F3,0,2,0,0,Yes,7,0,0,PT0S,PT0S,PT0S,0,0,0,Yes
"""  # noqa: E501

EMAIL = """\
Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Last Activity Date,Send Count,Receive Count,Read Count,Assigned Products,Report Period
2020-11-29,liv.kvamme@moss.kommune.no,"Kvamme, Liv",False,,2020-11-28,37,106,90,MICROSOFT 365 F3,7
2020-11-29,bjorn.aasen@moss.kommune.no,"Åsen, Bjørn (""Bjønnen"")",False,,2020-11-27,1,4,4,MICROSOFT 365 E3,7
"""  # noqa: E501

DEVICES = """\
Report Refresh Date,User Id,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Used Web,Used Windows Phone,Used iOS,Used Mac,Used Android Phone,Used Windows,Used  Chrome OS,Used Linux,Is Licensed,Report Period
2020-11-29,2b6d6f3e-1c4e-4a5c-9d8e-1f2a3b4c5d6e,liv.kvamme@moss.kommune.no,2020-11-27,False,,Yes,No,Yes,No,No,Yes,Yes,No,Yes,30
"""  # noqa: E501

CONCEALED = """\
Report Refresh Date,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,Has Other Action,Report Period,User Id
2021-11-28,0085EF43933D7DE1FDC84381CFFCC064,2021-11-27,False,,MICROSOFT 365 F3,1,4,0,0,No,7,00000000-0000-0000-0000-000000000000
2021-11-28,A2CCED40B1B1B8A3A4688A2B42B3DDA6,,False,,MICROSOFT 365 E3,0,0,0,0,No,7,00000000-0000-0000-0000-000000000000
"""  # noqa: E501

TEAMS_COUNTS = """\
Report Refresh Date,Report Date,Team Chat Messages,Private Chat Messages,Calls,Meetings,Report Period,Audio Duration,Video Duration,Screen Share Duration,Meetings Organized Count,Meetings Attended Count
2020-11-29,2020-11-29,40,268,17,34,7,PT21H31M51S,P1DT2H,PT0S,9,31
2020-11-29,2020-11-28,,,,,7,,,,,
2020-11-29,2020-11-27,61,415,25,57,7,PT45S,PT1M,PT0S,9,34
"""  # noqa: E501


def write(
    tmp_path: Path, text: str, *, name: str = "report.csv", bom: bool = True, eol: str = "\r\n"
) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", eol).encode())
    return path


def rows(result: ReadResult) -> list[dict[str, object]]:
    """Every row of the file, read batch by batch."""
    return [row for batch in result.batches for row in batch.to_pylist()]


def read(path: Path, **kwargs: object) -> ReadResult:
    return read_report(path, today=TODAY, **kwargs)  # type: ignore[arg-type]


def error_of(path: Path, **kwargs: object) -> ReportError:
    """The error reading the whole file gives, wherever it is found."""
    with pytest.raises(ReportError) as caught:
        rows(read(path, **kwargs))
    assert caught.value.file == path.name or caught.value.file == kwargs.get("name")
    return caught.value


# --- the simulator's files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("weekly")
    config = SimulationConfig(employees=250, start=dt.date(2019, 11, 1), end=dt.date(2020, 11, 30))
    return sorted(generate(config, out).usage_files)


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("daily")
    config = SimulationConfig(
        employees=250,
        start=dt.date(2019, 12, 25),
        end=dt.date(2020, 1, 7),
        granularity="daily",
        conceal_names=True,
    )
    return sorted(generate(config, out).usage_files)


def data_lines(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_weekly_simulator_file_is_recognised_and_read_whole(weekly: list[Path]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for path in weekly:
        result = read_report(path, today=TODAY)
        batches = list(result.batches)
        info = result.info
        assert sum(b.num_rows for b in batches) == data_lines(path), path.name
        assert info.graph_name == path.parent.name
        assert info.form == ("series" if "Counts" in info.graph_name else "period")
        assert info.refresh_date.isoformat() in path.name
        assert info.period_days == (None if info.report == "m365_active_user_detail" else 7)
        assert not info.concealed and info.unknown_columns == ()
        seen.add((info.report, info.form, info.header_version))
    assert {r for r, _, _ in seen} == {
        "teams_user_detail",
        "email_user_detail",
        "onedrive_user_detail",
        "sharepoint_user_detail",
        "m365_active_user_detail",
        "teams_activity_counts",
        "email_activity_counts",
        "onedrive_user_counts",
        "m365_active_user_counts",
    }
    assert {v for _, _, v in seen} >= {"teams-2019", "teams-2020", "email-2019", "email-2020"}


def test_daily_concealed_simulator_files_are_date_form_and_concealed(daily: list[Path]) -> None:
    details = [p for p in daily if "UserDetail_" in p.name]
    assert details
    for path in details:
        result = read_report(path, today=TODAY)
        info = result.info
        batches = list(result.batches)
        assert sum(b.num_rows for b in batches) == data_lines(path)
        assert (info.form, info.period_days, info.concealed) == ("date", 1, True), path.name
        assert info.report_date is not None and info.report_date.isoformat() in path.name
        assert info.refresh_date == info.report_date + dt.timedelta(days=2)
        assert {d for b in batches for d in b.column("report_date").to_pylist()} == {
            info.report_date
        }


def test_values_arrive_as_the_file_has_them(weekly: list[Path]) -> None:
    path = next(p for p in weekly if p.name == "getTeamsUserActivityUserDetail_D7_2020-11-29.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        expected = list(csv.DictReader(handle))
    got = rows(read_report(path, today=TODAY))
    assert [r["upn"] for r in got] == [r["User Principal Name"] for r in expected]
    assert [r["private_chat_message_count"] for r in got] == [
        int(r["Private Chat Message Count"]) for r in expected
    ]
    assert [r["audio_duration_seconds"] for r in got] == [
        int(r["Audio Duration In Seconds"]) for r in expected
    ]
    assert {r["is_licensed"] for r in got} <= {True, False}


# --- header versions and spellings --------------------------------------------------------------


def test_a_2019_teams_file_has_nulls_for_the_later_columns(tmp_path: Path) -> None:
    result = read(write(tmp_path, TEAMS_2019))
    info = result.info
    assert (info.report, info.form, info.period_days) == ("teams_user_detail", "period", 7)
    assert (info.refresh_date, info.header_version) == (dt.date(2020, 11, 29), "teams-2019")
    got = rows(result)
    assert len(got) == 3
    assert got[0] | {} == {
        **got[0],
        "upn": "liv.kvamme@moss.kommune.no",
        "last_activity_date": dt.date(2020, 11, 27),
        "is_deleted": False,
        "private_chat_message_count": 48,
        "has_other_action": False,
        "is_licensed": None,
        "audio_duration_seconds": None,
        "report_period": 7,
        "report_date": None,
    }
    assert got[1]["last_activity_date"] is None and got[2]["deleted_date"] == dt.date(2020, 11, 20)
    assert got[2]["assigned_products"] is None
    assert got[1]["assigned_products"] == "MICROSOFT 365 E3+POWER BI PRO"


def test_column_order_does_not_change_what_is_read(tmp_path: Path) -> None:
    lines = [next(csv.reader([line])) for line in TEAMS_2020.splitlines()]
    order = list(reversed(range(len(lines[0]))))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[row[i] for i in order] for row in lines])
    straight = rows(read(write(tmp_path, TEAMS_2020, name="straight.csv")))
    reordered = rows(read(write(tmp_path, buffer.getvalue(), name="reordered.csv")))
    assert reordered == straight
    assert straight[0]["audio_duration_seconds"] == 8782


def test_unknown_appended_columns_are_listed_and_ignored(tmp_path: Path) -> None:
    lines = TEAMS_2019.splitlines()
    text = "\n".join(
        [lines[0] + ",Is External,Copilot Prompt Count", *(line + ",No,3" for line in lines[1:])]
    )
    result = read(write(tmp_path, text + "\n"))
    assert result.info.unknown_columns == ("Is External", "Copilot Prompt Count")
    assert rows(result) == rows(read(write(tmp_path, TEAMS_2019, name="plain.csv")))


def test_a_double_space_in_a_device_header_is_the_same_column(tmp_path: Path) -> None:
    result = read(write(tmp_path, DEVICES))
    assert (result.info.report, result.info.period_days) == ("teams_device_user_detail", 30)
    (row,) = rows(result)
    assert row["used_chrome_os"] is True and row["used_linux"] is False
    assert "user_id" not in row and result.info.concealed is False


@pytest.mark.parametrize(("bom", "eol"), [(True, "\n"), (False, "\r\n"), (False, "\n")])
def test_line_ends_and_the_byte_order_mark_do_not_matter(
    tmp_path: Path, bom: bool, eol: str
) -> None:
    microsoft = rows(read(write(tmp_path, TEAMS_2020, name="microsoft.csv")))
    variant = rows(read(write(tmp_path, TEAMS_2020, name="variant.csv", bom=bom, eol=eol)))
    assert variant == microsoft


def test_quoted_display_names_with_commas_are_read_and_never_stored(tmp_path: Path) -> None:
    result = read(write(tmp_path, EMAIL))
    got = rows(result)
    assert [r["upn"] for r in got] == ["liv.kvamme@moss.kommune.no", "bjorn.aasen@moss.kommune.no"]
    assert [r["send_count"] for r in got] == [37, 1]
    assert all("display_name" not in r for r in got)
    assert got[0]["meeting_created_count"] is None
    assert result.info.header_version == "email-2019"


def test_booleans_in_either_spelling_and_any_case(tmp_path: Path) -> None:
    text = TEAMS_2020.replace(",False,,", ",TRUE,2020-11-20,", 1).replace(",Yes\n", ",yes\n", 1)
    text = text.replace(",No,7,", ",NO,7,", 1)
    got = rows(read(write(tmp_path, text)))
    assert [r["is_deleted"] for r in got] == [True, False]
    assert [r["is_licensed"] for r in got] == [True, True]
    assert [r["has_other_action"] for r in got] == [False, True]


def test_iso_durations_are_read_when_there_are_no_seconds_columns(tmp_path: Path) -> None:
    result = read(write(tmp_path, TEAMS_COUNTS))
    info = result.info
    assert (info.report, info.form, info.period_days) == ("teams_activity_counts", "series", 7)
    assert info.report_date is None and info.header_version == "teams-counts-2020"
    got = rows(result)
    assert [r["report_date"] for r in got] == [dt.date(2020, 11, d) for d in (29, 28, 27)]
    assert [r["audio_duration_seconds"] for r in got] == [77511, None, 45]
    assert [r["video_duration_seconds"] for r in got] == [93600, None, 60]
    assert [r["meetings_organized"] for r in got] == [9, None, 9]
    assert got[1]["team_chat_messages"] is None


def test_user_detail_without_seconds_columns_parses_the_iso_durations(tmp_path: Path) -> None:
    lines = [next(csv.reader([line])) for line in TEAMS_2020.splitlines()]
    keep = [i for i, h in enumerate(lines[0]) if not h.endswith("In Seconds")]
    text = "\n".join(",".join(row[i] for i in keep) for row in lines) + "\n"
    assert [r["audio_duration_seconds"] for r in rows(read(write(tmp_path, text)))] == [8782, 0]


def test_a_header_only_file_is_a_report_without_rows(tmp_path: Path) -> None:
    result = read(write(tmp_path, TEAMS_2019.splitlines()[0] + "\n"))
    assert list(result.batches) == []
    assert (result.info.report, result.info.period_days) == ("teams_user_detail", None)


def test_a_trailing_empty_line_is_not_a_row(tmp_path: Path) -> None:
    assert len(rows(read(write(tmp_path, TEAMS_2019 + "\n")))) == 3


def test_concealed_names_are_detected(tmp_path: Path) -> None:
    result = read(write(tmp_path, CONCEALED))
    assert result.info.concealed is True
    assert rows(result)[0]["upn"] == "0085EF43933D7DE1FDC84381CFFCC064"


def test_zero_guids_alone_mark_a_file_concealed(tmp_path: Path) -> None:
    text = CONCEALED.replace("0085EF43933D7DE1FDC84381CFFCC064", "liv.kvamme@moss.kommune.no")
    text = text.replace("A2CCED40B1B1B8A3A4688A2B42B3DDA6", "unni.daehli@moss.kommune.no")
    assert read(write(tmp_path, text)).info.concealed is True


def test_a_one_day_file_is_date_form_with_its_day(tmp_path: Path) -> None:
    text = TEAMS_2019.replace("2020-11-29,", "2020-11-29,", 3).replace(",7\n", ",1\n")
    text = text.replace("2020-11-02", "2020-11-27").replace(",,False", ",2020-11-27,False")
    result = read(write(tmp_path, text))
    assert (result.info.form, result.info.period_days) == ("date", 1)
    assert result.info.report_date == dt.date(2020, 11, 27)
    assert {r["report_date"] for r in rows(result)} == {dt.date(2020, 11, 27)}


def test_the_caller_can_say_which_day_a_file_holds(tmp_path: Path) -> None:
    text = TEAMS_2019.replace(",7\n", ",1\n")
    result = read(write(tmp_path, text), report_date=dt.date(2020, 11, 26))
    assert (result.info.form, result.info.report_date) == ("date", dt.date(2020, 11, 26))
    with pytest.raises(ReportError, match="7-day report"):
        read(write(tmp_path, TEAMS_2019), report_date=dt.date(2020, 11, 26))


def test_batches_have_the_size_asked_for(tmp_path: Path) -> None:
    body = TEAMS_2019.splitlines()
    text = "\n".join([body[0], *(body[1:] * 5)]) + "\n"  # 15 rows
    result = read(write(tmp_path, text), batch_rows=4)
    assert [b.num_rows for b in result.batches] == [4, 4, 4, 3]


# --- bad input ------------------------------------------------------------------------------------


def test_an_unknown_header_set_is_refused_at_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, "ansattnummer;fornavn;etternavn\n1001;Kari;Nordmann\n", name="hr.csv")
    error = error_of(path)
    assert error.line == 1 and "not a Microsoft 365 usage report" in str(error)
    assert str(error).startswith("hr.csv, line 1: ")


def test_a_truncated_file_is_refused_at_its_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, TEAMS_2019[:-25])  # the download stopped in the last row
    error = error_of(path)
    assert error.line == 4 and "cut short" in error.message
    assert "@" not in str(error)


def test_a_row_with_an_unquoted_comma_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, EMAIL.replace('"Kvamme, Liv"', "Kvamme, Liv"))
    error = error_of(path)
    assert error.line == 2 and "not quoted" in error.message


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 8)
    assert "binary data" in error_of(path).message


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "is empty" in error_of(path).message


def test_an_excel_workbook_renamed_to_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "TeamsUserActivity.csv"
    with zipfile.ZipFile(path, "w") as book:  # an .xlsx is a ZIP archive of XML parts
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    error = error_of(path)
    assert "Excel workbook" in error.message and "download the CSV" in error.message


def test_utf16_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes(TEAMS_2019.encode("utf-16"))
    assert "UTF-16" in error_of(path).message
    path.write_bytes(TEAMS_2019.encode("utf-16-le"))
    assert "UTF-16" in error_of(path).message


def test_a_file_saved_as_windows_1252_is_refused_at_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes(EMAIL.replace("\n", "\r\n").encode("cp1252"))
    error = error_of(path)
    assert error.line == 3 and "not UTF-8" in error.message


def test_utf8_read_as_windows_1252_and_saved_again_is_refused(tmp_path: Path) -> None:
    mangled = EMAIL.encode("utf-8").decode("cp1252", errors="replace")
    path = write(tmp_path, mangled, bom=False)
    error = error_of(path)
    assert error.line == 3 and "Windows-1252" in error.message
    mangled_bom = ("\ufeff" + EMAIL).encode("utf-8").decode("cp1252", errors="replace")
    assert "Windows-1252" in error_of(write(tmp_path, mangled_bom, bom=False)).message


def test_mixed_refresh_dates_are_refused(tmp_path: Path) -> None:
    lines = TEAMS_2019.splitlines()
    lines[3] = lines[3].replace("2020-11-29", "2020-11-22", 1)
    error = error_of(write(tmp_path, "\n".join(lines) + "\n"))
    assert error.line == 4
    assert "mixed refresh dates: this file was edited or concatenated" in error.message


def test_mixed_refresh_dates_in_a_later_batch_fail_during_iteration(tmp_path: Path) -> None:
    lines = TEAMS_2019.splitlines()
    text = "\n".join([*lines, lines[1].replace("2020-11-29", "2020-12-06", 1)]) + "\n"
    result = read(write(tmp_path, text), batch_rows=2)
    batches = iter(result.batches)
    assert next(batches).num_rows == 2
    with pytest.raises(ReportError, match="mixed refresh dates") as caught:
        next(batches)
    assert caught.value.line == 5


def test_negative_counts_are_refused_with_the_column(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, TEAMS_2019.replace(",10,48,", ",10,-48,")))
    assert error.line == 2 and "“Private Chat Message Count” is negative (-48)" in error.message


def test_dates_in_the_future_are_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, TEAMS_2019.replace("2020-11-02", "2031-11-02")))
    assert error.line == 4 and "“Last Activity Date” is 2031-11-02, after today" in error.message
    with pytest.raises(ReportError, match="after today"):
        read_report(write(tmp_path, TEAMS_2019, name="early.csv"), today=dt.date(2020, 11, 28))


def test_values_that_are_not_what_the_column_holds_are_refused(tmp_path: Path) -> None:
    bad_bool = error_of(write(tmp_path, TEAMS_2019.replace(",No,7\n", ",Maybe,7\n", 1)))
    assert bad_bool.line == 2 and "“Has Other Action” is “Maybe”, not True/False or Yes/No" in (
        bad_bool.message
    )
    bad_date = error_of(write(tmp_path, TEAMS_2019.replace("2020-11-27", "27.11.2020")))
    assert bad_date.line == 2 and "not a date written YYYY-MM-DD" in bad_date.message
    bad_count = error_of(write(tmp_path, TEAMS_2019.replace(",10,48,", ",10,4.8,")))
    assert bad_count.line == 2 and "not a whole number" in bad_count.message
    bad_duration = error_of(write(tmp_path, TEAMS_COUNTS.replace("PT45S", "45 seconds")))
    assert bad_duration.line == 4 and "not an ISO-8601 duration" in bad_duration.message


def test_a_row_without_a_user_is_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, TEAMS_2019.replace("unni.daehli@moss.kommune.no", "")))
    assert error.line == 3 and "“User Principal Name” is empty" in error.message


def test_concealed_and_clear_names_in_one_file_are_refused(tmp_path: Path) -> None:
    text = CONCEALED.replace("A2CCED40B1B1B8A3A4688A2B42B3DDA6", "unni.daehli@moss.kommune.no")
    error = error_of(write(tmp_path, text))
    assert error.line == 3 and "concealed" in error.message and "@" not in str(error)


def test_messages_use_the_name_the_caller_gives(tmp_path: Path) -> None:
    path = write(tmp_path, TEAMS_2019.replace(",10,48,", ",10,-48,"), name="0001.csv")
    error = error_of(path, name="eksport.zip/TeamsUserActivity.csv")
    assert str(error).startswith("eksport.zip/TeamsUserActivity.csv, line 2: ")
