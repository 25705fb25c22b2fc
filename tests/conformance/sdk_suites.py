"""Run the official Python SDKs' own test suites against localcloud: ``make sdk-suites``.

The suites come from PyPI with pip, never from this repository: oss2's ``tests/`` from its sdist
at the version pinned in requirements-dev.lock, and Tablestore's ``tests/`` from the newest
``tablestore`` sdist that still ships them (6.1.0; later sdists leave them out), run against the
pinned SDK installed in the venv. The suites read their endpoint and keys from environment
variables (``OSS_TEST_*``, ``OTS_TEST_*``); this script starts ``localcloud serve``, sets them,
runs each suite with pytest (JUnit XML out), and compares the failures with
``sdk_suites_expected.txt``: every expected failure names the README row ("Refused ... not
supported by localcloud") it falls under, and the script checks that the row says so.

Exit status 0 when the failures are exactly the expected ones; 1 on an unexpected failure or an
expected failure that now passes (take it off the list).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXPECTED_FILE = Path(__file__).with_name("sdk_suites_expected.txt")
TABLESTORE_TESTS_VERSION = "6.1.0"  # the newest tablestore sdist on PyPI with its tests/ folder


@dataclass(frozen=True)
class Suite:
    """One SDK's suite: where its tests come from, which modules run, its environment."""

    name: str
    package: str
    version: str
    modules: tuple[str, ...]
    python_files: str

    def environment(self, endpoints: dict) -> dict[str, str]:
        if self.name == "oss2":
            oss = endpoints["oss"]
            return {"OSS_TEST_ACCESS_KEY_ID": oss["access_key_id"],
                    "OSS_TEST_ACCESS_KEY_SECRET": oss["access_key_secret"],
                    "OSS_TEST_ENDPOINT": oss["endpoint"], "OSS_TEST_REGION": oss["region"]}
        ots = endpoints["tablestore"]
        return {"OTS_TEST_ACCESS_KEY_ID": ots["access_key_id"], "OTS_TEST_ACCESS_KEY_SECRET": ots["access_key_secret"],
                "OTS_TEST_ENDPOINT": ots["endpoint"], "OTS_TEST_INSTANCE": ots["instance"]}


def pinned_version(package: str) -> str:
    lock = (REPO / "requirements-dev.lock").read_text()
    match = re.search(rf"^{re.escape(package)}==(\S+)", lock, re.MULTILINE)
    if not match:
        raise SystemExit(f"{package} is not pinned in requirements-dev.lock")
    return match.group(1)


def suites() -> list[Suite]:
    return [
        Suite("oss2", "oss2", pinned_version("oss2"),
              ("test_object.py", "test_multipart.py", "test_iterator.py", "test_list_objects_v2.py",
               "test_upload.py", "test_download.py", "test_put_object_chunked.py", "test_chinese.py",
               "test_headers.py"),
              "test_*.py"),
        Suite("tablestore", "tablestore", TABLESTORE_TESTS_VERSION,
              ("row_op_test.py", "table_operation_test.py", "filter_and_condition_update_unitttest.py",
               "transaction_test.py", "search_index_test.py", "sql_query_test.py", "timeseries_api_test.py",
               "decoder_unittest.py", "sdk_param_unittest.py", "enum_test.py"),
              "*_test.py *_unittest.py *_unitttest.py"),
    ]


# What the suites import beyond the SDKs and pytest, installed beside them, not into the venv.
SUITE_DEPENDENCIES = ("mock", "six")


def install_dependencies(work: Path) -> Path:
    site = work / "site-packages"
    if not all((site / name).exists() or (site / f"{name}.py").exists() for name in SUITE_DEPENDENCIES):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(site),
                        *SUITE_DEPENDENCIES], check=True)
    return site


def fetch_tests(suite: Suite, work: Path) -> Path:
    """The suite's ``tests`` package, extracted from its sdist (downloaded once into ``work``)."""
    target = work / f"{suite.package}-{suite.version}"
    if (target / "tests" / "__init__.py").exists():
        return target
    downloads = work / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"{suite.package}=={suite.version}", "-d", str(downloads)], check=True)
    [sdist] = downloads.glob(f"{suite.package}-{suite.version}.tar.gz")
    prefix = f"{suite.package}-{suite.version}/tests/"
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefix) and m.isfile()]
        for member in members:
            member.name = member.name[len(f"{suite.package}-{suite.version}/"):]
        archive.extractall(target, members=members, filter="data")
    # oss2's tests upload tests/example.jpg, which its sdist leaves out: any bytes do.
    if suite.package == "oss2" and not (target / "tests" / "example.jpg").exists():
        (target / "tests" / "example.jpg").write_bytes(bytes(range(256)) * 64)
    return target


@dataclass
class Outcome:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def run_suite(suite: Suite, root: Path, site: Path, endpoints: dict, timeout: int) -> Outcome:
    report = root / "junit.xml"
    env = {**os.environ, **suite.environment(endpoints),
           "PYTHONPATH": os.pathsep.join([str(site), str(Path(__file__).parent)])}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sdk_suites_plugin",
           "-o", "addopts=", "-o", f"python_files={suite.python_files}", "-n0", f"--timeout={timeout}",
           f"--junitxml={report}", "--rootdir", str(root), *(f"tests/{m}" for m in suite.modules)]
    with open(root / "pytest.log", "w") as log:  # the suite's own output, to read a failure
        subprocess.run(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)  # failures: below
    outcome = Outcome()
    for case in ET.parse(report).getroot().iter("testcase"):
        test = f"{case.get('classname', '').replace('.', '/')}::{case.get('name')}"
        module, _, cls = test.partition("::")[0].rpartition("/")
        test = f"{module}.py::{cls}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome.failed.append(test)
        elif case.find("skipped") is not None:
            outcome.skipped.append(test)
        else:
            outcome.passed.append(test)
    return outcome


def load_expected(readme: str) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """``(suite, test) -> README row`` from the expected list (every row must be in the README),
    and the tests marked ``| may pass`` (their outcome depends on timing)."""
    rows = _not_supported_rows(readme)
    expected, may_pass = {}, set()
    for number, line in enumerate(EXPECTED_FILE.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        suite, test, row, *flags = (part.strip() for part in line.split("|"))
        if flags == ["may pass"]:
            may_pass.add((suite, test))
        service, _, item = row.partition(": ")
        if item not in rows.get(service, ""):
            raise SystemExit(f"{EXPECTED_FILE.name}:{number}: {row!r} is not in README's "
                             f"\"not supported\" row for {service!r}")
        expected[(suite, test)] = row
    return expected, may_pass


def _not_supported_rows(readme: str) -> dict[str, str]:
    section = readme.split("Refused, with the service's error shape", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("service", "---"):
            rows[cells[0]] = cells[1]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "build" / "sdk-suites",
                        help="where the sdists are downloaded and the suites run (default: build/sdk-suites)")
    parser.add_argument("--suite", action="append", choices=["oss2", "tablestore"], help="run only these")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per test")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "include"))
    from localcloud.process import LocalCloudProcess

    expected, may_pass = load_expected((REPO / "README.md").read_text())
    chosen = [s for s in suites() if not args.suite or s.name in args.suite]
    roots = {suite.name: fetch_tests(suite, args.work) for suite in chosen}
    site = install_dependencies(args.work)
    problems = 0
    for suite in chosen:
        started = time.monotonic()
        server = LocalCloudProcess(args.work / f"localcloud-{suite.name}", services=("tablestore", "oss"))
        # A clean slate per run: the suites create and delete buckets and tables of their own.
        server.data_dir = Path(args.work / f"localcloud-{suite.name}" / f"data-{os.getpid()}")
        endpoints = server.start()
        try:
            outcome = run_suite(suite, roots[suite.name], site, endpoints, args.timeout)
        finally:
            server.stop()
        mine = {test: row for (name, test), row in expected.items() if name == suite.name}
        unexpected = [t for t in outcome.failed if t not in mine]
        now_passing = [t for t in outcome.passed if t in mine and (suite.name, t) not in may_pass]
        print(f"{suite.name} {suite.version} tests against localcloud: {len(outcome.passed)} passed, "
              f"{len(outcome.failed)} failed ({len(outcome.failed) - len(unexpected)} expected), "
              f"{len(outcome.skipped)} skipped, {time.monotonic() - started:.0f} s")
        for test in unexpected:
            print(f"  UNEXPECTED FAILURE {test}")
        for test in now_passing:
            print(f"  NOW PASSES (take it off {EXPECTED_FILE.name}) {test}")
        problems += len(unexpected) + len(now_passing)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
