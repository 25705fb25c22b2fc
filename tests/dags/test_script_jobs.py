"""Script-mode jobs: job files as pasted from the Data Integration docs become DAGs named after
the file; bad files are reported naming the file, the key and the fix, without hiding the good
ones; a job-file DAG runs end to end through Airflow."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.param import ParamValidationError

from tablestore_channels.authoring.job_files import JOBS_DIR_ENV, load_job_dags
from tests.support.airflow_runs import run_dag
from tests.support.exports import (
    ROOT,
    cloud_connections,
    create_table,
    delimited_rows,
    expected_lines,
    next_run_date,
    only_manifest,
    oss_bucket,
    ots_client,
    table_rows,
    task_states,
)

# The seed's full-export template (section 2.2) with its annotations and a trailing comma, filled in.
SEED_TEMPLATE = """{
  "type": "job", # It cannot be modified.
  "version": "1.0", # It cannot be modified.
  "configuration": {
    "setting": {
      "errorLimit": {
        "record": "0" # The import task fails when the number of error records exceeds the value.
      },
      "speed": {
        "mbps": "1", # Import speed, in Mbps.
        "concurrent": "1" # Concurrency.
      }
    },
    "reader": {
      "plugin": "ots", # It cannot be modified.
      "parameter": {
        "datasource": "tablestore_default", # Name of the data source in Data Integration, which must be set in advance.
        "table": "jb_table", # Table name in Table Store.
        "column": [ # Name of the column that needs to be exported to OSS. "All" = an empty array.
          {
            "name": "id" # Name of the column in Table Store, which needs to be imported to OSS
          },
          {
            "name": "name" # Name of the column in Table Store, which needs to be imported to OSS
          },
        ],
        "range": {
          "begin": [
            {
              "type": "INF_MIN" # Start position of the first primary key column in Table Store.
            }
          ],
          "end": [
            {
              "type": "INF_MAX" # End position of the first primary key column in Table Store.
            }
          ],
          "split": [ # Used to configure partition information about the Table Store table.
          ]
        }
      }
    },
    "writer": {
      "plugin": "oss",
      "parameter": {
        "datasource": "oss_default", # Name of the OSS data source
        "object": "jobs/${date}/${team}/", # Prefix of the object, e.g. tablestore/${date}
        "writeMode": "truncate", # truncate, append, and nonConflict are supported.
        "fileFormat": "csv", # CSV and TXT are supported.
        "encoding": "UTF-8", # Encoding mode
        "nullFormat": "#null#", # A '#' inside a string is data, not an annotation.
        "dateFormat": "yyyy-MM-dd HH:mm:ss", # Time format
        "fieldDelimiter": ",", # Delimiter of each column
      }
    }
  }
}
"""


def _variant(old: str, new: str) -> str:
    assert old in SEED_TEMPLATE, old
    return SEED_TEMPLATE.replace(old, new)


# file -> (text, what its error must name besides the file)
BAD_FILES = {
    "unknown_plugin.json": (_variant('"plugin": "ots",', '"plugin": "otsx",'),
                            ["configuration.reader.plugin", "unknown reader plugin 'otsx'", "Fix: use one of: ", " ots"]),
    "unknown_parameter.json": (_variant('"writeMode": "truncate",', '"writeMod": "truncate",'),
                               ["configuration.writer.parameter.writeMod", "unknown parameter", "Fix:", "writeMode"]),
    "mistyped.json": (_variant('"concurrent": "1"', '"concurrent": "two"'),
                      ["configuration.setting.speed.concurrent", "must be an integer, got 'two'"]),
    "mistyped_mode.json": (_variant('"writeMode": "truncate",', '"writeMode": "overwrite",'),
                           ["configuration.writer.parameter.writeMode", "'overwrite'",
                            "Fix: use one of: truncate, append, nonConflict"]),
    "begin_end.json": (_variant('"type": "INF_MAX"', '"type": "int", "value": 5').replace(
        '"type": "INF_MIN"', '"type": "string", "value": "a"'),
        ["configuration.reader.parameter.range.end[0]", "is INTEGER but begin[0] is STRING", "Fix:"]),
    "split_outside.json": (_variant('"type": "INF_MIN"', '"type": "string", "value": "b"').replace(
        '"type": "INF_MAX"', '"type": "string", "value": "m"').replace(
        '"split": [ # Used to configure partition information about the Table Store table.\n          ]',
        '"split": [{"type": "string", "value": "z"}]'),
        ["configuration.reader.parameter.range.split", "strictly inside the range", "Fix:"]),
    "date_format.json": (_variant("yyyy-MM-dd HH:mm:ss", "vvvv-MM-dd HH:mm:ss"),  # the seed's own typo
                         ["configuration.writer.parameter.dateFormat", "'v'", "Fix:"]),
    "bad_cron.json": (_variant('"type": "job",', '"type": "job", "schedule": {"cron": "every day"},'),
                      ["schedule.cron", "'every day'", "Fix:"]),
    "invalid.json": (_variant('"table": "jb_table",', '"table": "jb_table"'),
                     ["is not valid JSON at line 19", "Fix:"]),
}


@pytest.fixture(scope="module")
def jobs_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("jobs")
    (folder / "seed_full_export.json").write_text(SEED_TEMPLATE, encoding="utf-8")
    (folder / "README.md").write_text("not a job", encoding="utf-8")
    for name, (text, _) in BAD_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_pasted_template_becomes_a_dag_and_each_bad_file_an_error(jobs_folder):
    dags, errors = load_job_dags(jobs_folder)
    assert list(dags) == ["seed_full_export"]
    assert sorted(Path(f).name for f in errors) == sorted(BAD_FILES)
    for file, message in errors.items():
        assert message.startswith(f"{file}: ")
        for phrase in BAD_FILES[Path(file).name][1]:
            assert phrase in message, (file, phrase, message)


def test_unknown_variables_become_required_params(jobs_folder):
    dag = load_job_dags(jobs_folder)[0]["seed_full_export"]
    assert list(dag.params) == ["team"]  # ${date} is a scheduling variable, not a param
    with pytest.raises(ParamValidationError, match="team"):
        dag.params.validate()
    assert dag.schedule is None and {"ots", "oss", "script-mode"} <= set(dag.tags)
    assert [t.task_id for t in dag.tasks] == ["channel.plan", "channel.transfer", "channel.commit", "channel.cleanup"]


def test_script_job_errors_reports_the_bad_files_as_its_import_error(jobs_folder, monkeypatch):
    monkeypatch.setenv(JOBS_DIR_ENV, str(jobs_folder))
    errors = DagBag(dag_folder=str(ROOT / "dags" / "script_job_errors.py")).import_errors
    [message] = errors.values()
    assert "Invalid job file(s)" in message
    assert all(str(jobs_folder / name) in message for name in BAD_FILES)
    assert "seed_full_export.json" not in message
    good = DagBag(dag_folder=str(ROOT / "dags" / "script_jobs.py"))
    assert list(good.dags) == ["seed_full_export"] and not good.import_errors


def test_a_job_file_dag_runs_end_to_end_with_date_and_param_rendered(localcloud, tmp_path, monkeypatch):
    endpoints = localcloud.endpoints
    client = ots_client(endpoints)
    create_table(client, "jb_table", [("id", "STRING")],
                 [([("id", f"j{i:02d}")], [("name", f"name #{i}")] if i % 3 else []) for i in range(12)])
    (tmp_path / "seed_full_export.json").write_text(SEED_TEMPLATE, encoding="utf-8")
    monkeypatch.setenv(JOBS_DIR_ENV, str(tmp_path))
    when = next_run_date()
    with cloud_connections(endpoints):
        dag_run = run_dag(ROOT / "dags" / "script_jobs.py", "seed_full_export", logical_date=when, run_after=when,
                          run_conf={"team": "blue"})
    assert dag_run.state == "success", task_states(dag_run)
    bucket = oss_bucket(endpoints)
    manifest = only_manifest(bucket, f"jobs/{when:%Y%m%d}/blue/")
    assert manifest["format"]["nullFormat"] == "#null#"
    assert delimited_rows(bucket, manifest) == expected_lines(table_rows(client, "jb_table"), ["id", "name"],
                                                              null="#null#")
