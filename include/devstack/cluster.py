"""``make cluster``: Airflow's CeleryExecutor stack, with several workers, on this one machine.

Debian's postgresql (metadata DB and Celery result backend) and redis-server (broker) run as
unprivileged processes with their data under ``.cluster/``; then ``airflow db migrate``, the
local cloud servers with their Airflow connections and the demo table, the api-server,
scheduler, dag-processor, triggerer and the Celery workers, each with its own Celery hostname,
task-instance hostname and log-server port.

The settings come from one env file, the one docker-compose reads (``.env``, made from
``.env.example``): every ``AIRFLOW__`` setting in it is used as it is, except that the host and
port of the database, broker, result backend and execution API URLs (compose's service names)
are those of the servers started here. What only this machine needs (the Airflow home, the
ports, the workers' names) is added on top.

Everything runs in this process's process group; SIGTERM or Ctrl-C stops all of it. The logs of
the components are in ``<root>/logs/``; ``<root>/cluster.json`` says where everything is once the
stack is up.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devstack.postgres import LocalPostgres
from devstack.processes import SetupError, free_port, own_folder, service_user, stop_trees, write_private
from devstack.worker_hostname import ENV

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ENV_FILE = ROOT / ".env.example"

# Settings that name a server: host and port are compose's service names in the env file.
URL_SETTINGS = {
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgres",
    "AIRFLOW__CELERY__RESULT_BACKEND": "postgres",
    "AIRFLOW__CELERY__BROKER_URL": "redis",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "api",
}
# Shared by every component: connection secrets in the DB, tokens of the execution API, log-server requests.
SECRETS = ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY")
# The SQLAlchemy dialects the lock has drivers for (psycopg2); plain ``postgresql`` in a Celery
# result backend makes SQLAlchemy look for psycopg 3, reported by Airflow as a version error.
SCHEMES = {
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2",
    "AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql+psycopg2",
    "AIRFLOW__CELERY__BROKER_URL": "redis",
}
COMPONENT_STOP_SECONDS = 20


class SettingsError(SetupError):
    """The env file is missing something or has a value the stack cannot use."""


# --- the env file ------------------------------------------------------------------------------

def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines as docker compose reads them (``#`` comments, blank lines, optional
    quotes). Values are literal: a ``$`` is refused, since compose would expand it."""
    if not path.is_file():
        raise SettingsError(f"{path} does not exist. Fix: cp {EXAMPLE_ENV_FILE.name} {path.name} and set the secrets "
                            f"(`make cluster` writes {path.name} with new secrets when it is missing).")
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {line[:40]!r}.")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if "$" in value:
            raise SettingsError(f"{path}:{number}: the value of {key} contains '$', which docker compose expands. "
                                "Fix: choose a value without '$'.")
        values[key] = value
    return values


def write_env_file(path: Path, example: Path = EXAMPLE_ENV_FILE) -> None:
    """``path`` from the example, with a new value for every secret (readable by the owner only)."""
    from cryptography.fernet import Fernet

    fresh = {"AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode()}
    lines = []
    for line in example.read_text().splitlines():
        key = line.partition("=")[0].strip()
        if key in SECRETS:
            line = f"{key}={fresh.get(key) or secrets.token_urlsafe(32)}"
        lines.append(line)
    write_private(path, "\n".join(lines) + "\n")


def check_settings(env: Mapping[str, str], source: str = ".env") -> None:
    """What the stack needs of the env file, each problem named with its fix."""
    missing = [k for k in ("AIRFLOW__CORE__EXECUTOR", *URL_SETTINGS, *SECRETS) if k not in env]
    if missing:
        raise SettingsError(f"{source} lacks {', '.join(missing)}. Fix: copy them from {EXAMPLE_ENV_FILE.name}.")
    if env["AIRFLOW__CORE__EXECUTOR"] != "CeleryExecutor":
        raise SettingsError(f"{source}: AIRFLOW__CORE__EXECUTOR is {env['AIRFLOW__CORE__EXECUTOR']!r}; this stack "
                            "runs Celery workers. Fix: AIRFLOW__CORE__EXECUTOR=CeleryExecutor.")
    empty = [k for k in SECRETS if not env[k]]
    if empty:
        raise SettingsError(f"{source}: {', '.join(empty)} empty. Fix: set them (the commands are in "
                            f"{EXAMPLE_ENV_FILE.name}); every component must share the same values.")
    for key, scheme in SCHEMES.items():
        got = urlsplit(env[key]).scheme
        if got != scheme:
            raise SettingsError(f"{source}: {key} uses {got}://; the installed drivers need {scheme}://. "
                                f"Fix: {key}={scheme}://{env[key].partition('://')[2]}")
    database, backend = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]), urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
    expected = {"POSTGRES_USER": database.username, "POSTGRES_PASSWORD": database.password,
                "POSTGRES_DB": database.path.lstrip("/")}
    for key, value in expected.items():
        if key in env and env[key] != value:
            raise SettingsError(f"{source}: {key} does not match AIRFLOW__DATABASE__SQL_ALCHEMY_CONN (compose's postgres "
                                "is created with POSTGRES_*). Fix: use the same user, password and database in both.")
    if (backend.username, backend.password, backend.path) != (database.username, database.password, database.path):
        raise SettingsError(f"{source}: AIRFLOW__CELERY__RESULT_BACKEND names another database than "
                            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN. Fix: the same user, password and database in both.")


def native_settings(env: Mapping[str, str], ports: Mapping[str, int]) -> dict[str, str]:
    """The Airflow settings of the native stack: every ``AIRFLOW__`` setting of the env file as it
    is, the servers of :data:`URL_SETTINGS` at ``127.0.0.1:ports[server]``."""
    settings = {k: v for k, v in env.items() if k.startswith("AIRFLOW__")}
    for key, server in URL_SETTINGS.items():
        parts = urlsplit(settings[key])
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{ports[server]}" if userinfo else f"127.0.0.1:{ports[server]}"
        settings[key] = urlunsplit(parts._replace(netloc=netloc))
    return settings


# --- processes ---------------------------------------------------------------------------------

@dataclass
class Component:
    name: str
    process: subprocess.Popen
    log: Path
    reported: bool = False

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class Cluster:
    """The stack under ``root``: start(), then stop() (also on any failure of start())."""

    root: Path
    env_file: Path
    workers: int = 2
    api_port: int = 8080
    dags_folder: Path = ROOT / "dags"
    demo_rows: int = 20_000
    components: list[Component] = field(default_factory=list)
    state: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._began = time.monotonic()
        self.root = self.root.resolve()
        self.logs = self.root / "logs"
        self.home = self.root / "airflow"
        self.state_file = self.root / "cluster.json"
        self._cloud = None

    # -- start
    def start(self) -> dict:
        env_file = read_env_file(self.env_file)
        check_settings(env_file, str(self.env_file))
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state_file.unlink(missing_ok=True)
        try:
            return self._start(env_file)
        except BaseException:
            self.stop()
            raise

    def _start(self, env_file: dict[str, str]) -> dict:
        ports = {"postgres": free_port(), "redis": free_port(),
                 "api": self.api_port or free_port()}
        settings = native_settings(env_file, ports)
        database = urlsplit(settings["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        self._start_postgres(ports["postgres"], database.username or "airflow", database.password or "",
                             database.path.lstrip("/"))
        self._start_redis(ports["redis"])
        self._say("postgres and redis are up")
        env = self._airflow_env(settings)
        self._run("db-migrate", [self._airflow, "db", "migrate"], env, timeout=900)
        self._say("the metadata DB is migrated; starting the Airflow components")
        workers = self._spawn_airflow(env, ports["api"])

        # here, not at the top: the settings checks (and their tests) need no cloud SDK
        from devstack import targets
        from devstack.connections import import_into_airflow
        from localcloud.process import LocalCloudProcess

        # while the Airflow components start: the local servers, their connections, what the
        # DAGs' defaults need there (the demo table, its MaxCompute target)
        self._cloud = LocalCloudProcess(self.root / "localcloud")
        endpoints = self._cloud.start(timeout=120)
        with ThreadPoolExecutor(max_workers=1) as background:
            prepared = background.submit(targets.prepare, endpoints, rows=self.demo_rows)
            import_into_airflow(endpoints, env)
            prepared.result()
        self._say("the local servers, their connections, the demo table and its MaxCompute target are ready")
        api_url = f"http://127.0.0.1:{ports['api']}"
        self._wait_ready(api_url)
        for worker in workers:
            worker["pid"] = self._component(worker["name"]).process.pid
        user = next(iter(json.loads(self._passwords_file.read_text())))
        self.state = {
            "api_url": api_url, "login": user, "passwords_file": str(self._passwords_file),
            "airflow_home": str(self.home), "dags_folder": str(self.dags_folder), "logs": str(self.logs),
            "endpoints_file": str(self._cloud.endpoints_file), "workers": workers,
            "pids": {c.name: c.process.pid for c in self.components}, "ports": ports,
        }
        self.state_file.write_text(json.dumps(self.state, indent=2))
        self._say("Airflow is ready")
        return self.state

    def _say(self, what: str) -> None:
        print(f"[{time.monotonic() - self._began:4.0f} s] {what}", flush=True)

    def _spawn_airflow(self, env: Mapping[str, str], api_port: int) -> list[dict]:
        """api-server, scheduler, dag-processor, triggerer and the workers; the workers' details."""
        self._spawn("api-server", [self._airflow, "api-server", "--host", "127.0.0.1", "--port", str(api_port)], env)
        self._spawn("scheduler", [self._airflow, "scheduler"], env)
        self._spawn("dag-processor", [self._airflow, "dag-processor"], env)
        self._spawn("triggerer", [self._airflow, "triggerer"],
                    {**env, "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port())})
        workers = []
        for n in range(1, self.workers + 1):
            name, log_port = f"worker{n}", free_port()
            # distinct Celery node names, task-instance hostnames and log-server ports on one machine
            self._spawn(name, [self._airflow, "celery", "worker", "--celery-hostname", f"{name}@%h"], {
                **env, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "devstack.worker_hostname.hostname", ENV: name})
            workers.append({"name": name, "hostname": name, "log_server_port": log_port})
        return workers

    @property
    def _airflow(self) -> str:
        return str(Path(sys.executable).with_name("airflow"))

    @property
    def _passwords_file(self) -> Path:
        return self.home / "passwords.json"

    def _airflow_env(self, settings: Mapping[str, str]) -> dict[str, str]:
        """This process's environment without any Airflow setting (``make``'s SQLite home, a
        test's connections), then the env file's and what only this machine needs."""
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_")) and k != "AIRFLOW_HOME"}
        (self.home / "plugins").mkdir(parents=True, exist_ok=True)
        self._write_passwords(settings.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin"))
        return {
            **base, **settings,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            # the package is installed in the venv; an empty plugins folder keeps it one copy on sys.path
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.home / "plugins"),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self._passwords_file),
            "PATH": f"{Path(self._airflow).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def _write_passwords(self, users: str) -> None:
        """A generated password per user of the simple auth manager, kept in a private file (never
        printed), unless the file exists."""
        if self._passwords_file.exists():
            return
        names = [entry.split(":", 1)[0].strip() for entry in users.split(",") if entry.strip()]
        write_private(self._passwords_file, json.dumps({name: secrets.token_urlsafe(12) for name in names}))

    def _start_postgres(self, port: int, user: str, password: str, database: str) -> None:
        log = self.logs / "postgres.log"
        process = LocalPostgres(self.root / "postgres", port, user, password, database).start(log)
        self.components.append(Component("postgres", process, log))

    def _start_redis(self, port: int) -> None:
        import redis

        server = shutil.which("redis-server")
        if not server:
            raise SettingsError("redis-server not found. Fix: apt-get install redis-server "
                                "(`make cluster` does it when missing).")
        owner = service_user("redis", "nobody")
        data = self.root / "redis"
        own_folder(data, owner)
        # the broker's queue only: nothing to keep across restarts
        self._spawn("redis", [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data),
                              "--save", "", "--appendonly", "no", "--daemonize", "no"], None, user=owner)
        self._wait("redis", lambda: redis.Redis(port=port, socket_timeout=2).ping(), 30)

    def _spawn(self, name: str, cmd: list[str], env: Mapping[str, str] | None, user: str | None = None) -> Component:
        log = self.logs / f"{name}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=None if env is None else dict(env), user=user, cwd=self.root)
        component = Component(name, process, log)
        self.components.append(component)
        return component

    def _run(self, name: str, cmd: list[str], env: Mapping[str, str] | None, timeout: float = 300,
             user: str | None = None) -> None:
        log = self.logs / f"{name}.log"
        with open(log, "ab") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env=None if env is None else dict(env), user=user, timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"{name} failed ({done.returncode}); its log {log}:\n"
                               + log.read_text(errors="replace")[-3000:])

    def _component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    def _check_alive(self) -> None:
        for component in self.components:
            if component.process.poll() is not None:
                raise RuntimeError(f"{component.name} exited with {component.process.returncode} while the stack "
                                   f"started; its log {component.log}:\n{component.tail()}")

    def _wait(self, what: str, probe, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                probe()
                return
            except Exception as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{what} not ready after {timeout:.0f} s ({error}); logs in {self.logs}") from error
                time.sleep(0.5)

    def _wait_ready(self, api_url: str, timeout: float = 600) -> None:
        """The api-server answers and reports the scheduler, DAG processor and triggerer healthy;
        every worker has said it is ready."""

        def healthy() -> None:
            with urllib.request.urlopen(f"{api_url}/api/v2/monitor/health", timeout=5) as response:
                health = json.loads(response.read())
            # the execution API too: the first task must not meet a cold one (its calls time out)
            urllib.request.urlopen(f"{api_url}/execution/health", timeout=30).close()
            sick = [name for name, info in health.items() if (info or {}).get("status") != "healthy"]
            if sick:
                raise RuntimeError(f"not yet healthy: {', '.join(sick)}")
            waiting = [c.name for c in self.components if c.name.startswith("worker") and " ready." not in c.tail(100_000)]
            if waiting:
                raise RuntimeError(f"not yet ready: {', '.join(waiting)}")

        self._wait("the Airflow components", healthy, timeout)

    # -- run and stop
    def watch(self) -> None:
        """Until interrupted: say when a component exits (the others go on, as a cluster does
        without one of its workers)."""
        while True:
            for component in self.components:
                if component.process.poll() is not None and not component.reported:
                    component.reported = True
                    print(f"{component.name} exited with {component.process.returncode}; its log: {component.log}",
                          flush=True)
            time.sleep(1)

    def stop(self) -> None:
        """Airflow first (workers, then the rest), then the local servers, redis and postgres;
        whatever does not stop in time is killed, with the processes it started."""
        airflow = [c for c in self.components if c.name not in ("postgres", "redis")]
        servers = [c for c in self.components if c.name in ("redis", "postgres")]
        stop_trees(_running(sorted(airflow, key=lambda c: not c.name.startswith("worker"))), COMPONENT_STOP_SECONDS)
        if self._cloud is not None:
            self._cloud.stop()
            self._cloud = None
        stop_trees(_running(servers), COMPONENT_STOP_SECONDS, signal.SIGINT)  # SIGINT: postgres's fast shutdown
        self.components.clear()
        self.state_file.unlink(missing_ok=True)

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _running(components: list[Component]) -> list[int]:
    # an exited component's pid may belong to another process by now
    return [c.process.pid for c in components if c.process.poll() is None]


# --- command line ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env",
                        help="the settings docker-compose reads too (default .env; made from .env.example when missing)")
    parser.add_argument("--root", type=Path, default=ROOT / ".cluster", help="data, logs and Airflow home")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers")
    parser.add_argument("--api-port", type=int, default=8080, help="the UI and API (0: a free port)")
    parser.add_argument("--dags-folder", type=Path, default=ROOT / "dags")
    parser.add_argument("--demo-rows", type=int, default=20_000,
                        help="rows of the demo table when it does not exist yet (0: none)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")

    def interrupt(*_) -> None:
        raise KeyboardInterrupt  # SIGTERM stops everything, as Ctrl-C does

    signal.signal(signal.SIGTERM, interrupt)
    if not args.env_file.exists() and args.env_file == ROOT / ".env":
        write_env_file(args.env_file)
        print(f"Wrote {args.env_file} from {EXAMPLE_ENV_FILE.name} with new secrets (git-ignored; docker compose "
              "reads it too).", flush=True)
    cluster = Cluster(args.root, args.env_file, workers=args.workers, api_port=args.api_port,
                      dags_folder=args.dags_folder.resolve(), demo_rows=args.demo_rows)
    try:
        print(f"Starting postgres, redis, the local cloud servers and Airflow with {args.workers} Celery workers "
              f"(logs in {cluster.logs})...", flush=True)
        state = cluster.start()
        print(f"\nAirflow UI: {state['api_url']}  (login: {state['login']}; the password is in {state['passwords_file']})\n"
              f"Workers: {', '.join(w['name'] for w in state['workers'])}; component logs in {state['logs']}\n"
              "Ctrl-C stops everything.\n", flush=True)
        cluster.watch()
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    except SetupError as error:
        print(f"make cluster: {error}", file=sys.stderr)
        return 2
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
