"""Job files as pasted from the docs: annotations and trailing commas, variables as templates."""

from __future__ import annotations

import pendulum
import pytest

from tablestore_channels.authoring.job_variables import templatize
from tablestore_channels.config.job_file import load_job_file, parse_job_text, strip_annotations
from tablestore_channels.errors import ConfigError
from tests.support.templates import render


def test_annotations_outside_strings_are_removed():
    text = '{"a": "x # y", # note "quoted" here\n "b": [1, 2, ], # end\n "c": "\\" # still a string",\n}'
    assert parse_job_text(text, "f.json") == {"a": "x # y", "b": [1, 2], "c": '" # still a string'}


def test_trailing_commas_before_closers_with_whitespace():
    assert strip_annotations('[1,\n\t ]') == "[1\n\t ]"
    assert strip_annotations('{"a": {"b": 1,},\r\n}') == '{"a": {"b": 1}\r\n}'
    assert strip_annotations('{"a": ",]"}') == '{"a": ",]"}'


def test_syntax_errors_name_file_line_and_column():
    with pytest.raises(ConfigError, match=r"^jobs/a\.json: is not valid JSON at line 3, column \d+") as raised:
        parse_job_text('{\n  "a": 1 # fine\n  "b": 2\n}', "jobs/a.json")
    assert raised.value.key == "jobs/a.json" and "Fix:" in str(raised.value)
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        parse_job_text("[1, 2]", "b.json")


def test_load_job_file_reads_utf8(tmp_path):
    (tmp_path / "j.json").write_text('{"object": "导出/${date}/", # 注释\n}', encoding="utf-8")
    assert load_job_file(tmp_path / "j.json") == {"object": "导出/${date}/"}


def _render(template: str, when: pendulum.DateTime, **params) -> str:
    return render(template, when, params=params)


def test_scheduling_variables_render_from_the_run_time_in_the_job_time_zone():
    params: set[str] = set()
    job = templatize({"object": "x/${date}/${bizdate}/", "list": ["${start_time}", "${end_time}"],
                      "nested": {"a": "${startTime}-${endTime}"}, "n": 5}, "Asia/Shanghai", params)
    when = pendulum.datetime(2026, 3, 1, 17, 3, 0, tz="UTC")  # 01:03 on 2 March in Shanghai
    assert _render(job["object"], when) == "x/20260302/20260302/"
    assert [_render(v, when) for v in job["list"]] == ["20260302005300", "20260302005800"]
    assert _render(job["nested"]["a"], when) == "20260302005300-20260302005800"
    assert job["n"] == 5 and params == set()


def test_other_variables_become_params():
    params: set[str] = set()
    job = templatize({"table": "${table}", "object": "${prefix}/${date}"}, "UTC", params)
    assert params == {"table", "prefix"}
    assert _render(job["object"], pendulum.datetime(2026, 1, 2, tz="UTC"), prefix="p") == "p/20260102"
