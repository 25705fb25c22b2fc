"""What every typed reader and writer shares: keyword-only snake_case arguments, type checks,
templated values, and the one semantic validation (the plugin's parameter class in
:mod:`tablestore_channels.config`), run when the object is built: in a DAG file, at parse time.

A value may be a Jinja template (``"{{ params.table }}"``) wherever a plain value is allowed: it
is checked when the task renders it. Everything else is checked now, and a wrong argument is a
:class:`~tablestore_channels.errors.ConfigError` naming the class, the argument, the fix and the
line of the DAG file that built it (Airflow shows it as the file's import error).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType, UnionType
from typing import Annotated, Any, ClassVar, Literal, Self, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from tablestore_channels.config import connection_ids
from tablestore_channels.config.parameters import is_templated
from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.registry import READERS, WRITERS

_PACKAGE = str(Path(__file__).resolve().parents[1])


def _template_only(value: str) -> str:
    if not is_templated(value):
        raise ValueError("not a Jinja template")
    return value


# A value Airflow renders when the task runs ("{{ params.x }}"); checked then.
Templated = Annotated[str, AfterValidator(_template_only)]


def holds_template(value: Any) -> bool:
    """True when ``value`` is, or contains, a Jinja template."""
    if isinstance(value, Mapping):
        return any(holds_template(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(holds_template(v) for v in value)
    return is_templated(value)


def caller() -> str:
    """``file:line`` of the first frame outside this package and pydantic: the DAG file's line."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(_PACKAGE) and "pydantic" not in name:
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def located(error: ConfigError, where: str) -> ConfigError:
    """``error`` with the place in the DAG file that caused it appended (once)."""
    if error.problem.endswith(")") and " (in " in error.problem:
        return error
    return ConfigError(error.key, f"{error.problem} (in {where})")


class Arguments(BaseModel):
    """Keyword-only, typed, frozen arguments, checked when built: a wrong one raises a
    ConfigError naming the class, the argument, the fix and the DAG file's line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, **arguments: Any) -> None:
        try:
            super().__init__(**arguments)
        except ValidationError as error:
            raise located(_argument_error(type(self), error), caller()) from None
        try:
            self._check()
        except ConfigError as error:
            raise located(error, caller()) from None

    def _check(self) -> None:
        """The checks across arguments (subclasses)."""


class PluginArguments(Arguments):
    """Base of the typed readers and writers. Subclasses declare their arguments as fields whose
    ``serialization_alias`` is the plugin's parameter name (``data_table`` -> ``dataTable``)."""

    PLUGIN: ClassVar[str]  # the job's plugin name ("ots", "otsstream", "oss", "odps")
    ROLE: ClassVar[str]  # "reader" or "writer"

    # -- the job's view -------------------------------------------------------------------------

    def to_parameter(self) -> dict[str, Any]:
        """The plugin's ``parameter`` object, DataX's names, unset arguments left out."""
        return self.model_dump(by_alias=True, exclude_none=True, warnings=False)

    def to_plugin(self) -> dict[str, Any]:
        """``{"plugin": ..., "parameter": ...}``: the job's reader or writer block."""
        return {"plugin": self.PLUGIN, "parameter": self.to_parameter()}

    @classmethod
    def _argument_names(cls) -> dict[str, str]:
        """The plugin's parameter name -> the Python argument (``dataTable`` -> ``data_table``)."""
        return {field.serialization_alias or name: name for name, field in cls.model_fields.items()}

    @classmethod
    def from_parameter(cls, parameter: Mapping[str, Any]) -> Self:
        """The typed object of a job's ``parameter`` object (DataX's names)."""
        names = cls._argument_names()
        unknown = sorted(set(parameter) - set(names))
        if unknown:
            raise ConfigError(f"{cls.ROLE}.parameter.{unknown[0]}", f"is not a parameter of {cls.__name__}.",
                              f"use one of: {', '.join(sorted(names))}.")
        return cls(**{names[key]: value for key, value in parameter.items()})

    # -- validation -----------------------------------------------------------------------------

    def _check(self) -> None:
        """Validate with the plugin's parameter class. Templated values wait for the run: checked
        without them, and where that fails, with them as they are (a template passes where any
        string does), an error about one of them is not raised now."""
        parameter = self.to_parameter()
        waiting = {key for key, value in parameter.items() if holds_template(value)}
        try:
            self._validate({key: value for key, value in parameter.items() if key not in waiting})
        except ConfigError as error:
            if not waiting:
                raise self._renamed(error) from None
            try:
                self._validate(parameter)
            except ConfigError as with_templates:
                if self._top_key(with_templates.key) not in waiting:
                    raise self._renamed(with_templates) from None

    def _validate(self, parameter: dict[str, Any]) -> None:
        registry = READERS if self.ROLE == "reader" else WRITERS
        config: Any = registry[self.PLUGIN].config
        config.from_parameter(self._completed(parameter), f"{self.ROLE}.parameter")

    def _top_key(self, key: str) -> str:
        return key.removeprefix(f"{self.ROLE}.parameter.").split(".")[0].split("[")[0]

    def _renamed(self, error: ConfigError) -> ConfigError:
        return ConfigError(f"{type(self).__name__}({self._argument(error.key)})", error.problem)

    def _completed(self, parameter: dict[str, Any]) -> dict[str, Any]:
        """``parameter`` with what a channel adds later filled in, for the check."""
        return parameter

    @classmethod
    def _argument(cls, key: str) -> str:
        """The Python argument of a job key (``reader.parameter.column[2]`` -> ``columns[2]``)."""
        path = f"{cls.ROLE}.parameter."
        if not key.startswith(path):
            return key
        rest = key.removeprefix(path)
        head = rest.split(".")[0].split("[")[0]
        names = cls._argument_names()
        return names.get(head, head) + rest[len(head):]


def _argument_error(cls: type[Arguments], error: ValidationError) -> ConfigError:
    """The first problem pydantic found, as a ConfigError naming the argument and the fix."""
    problems = error.errors()
    problem = next((p for p in problems if p["type"] == "extra_forbidden"), problems[0])
    name = str(problem["loc"][0]) if problem["loc"] else "?"
    if problem["type"] == "extra_forbidden":
        close = difflib.get_close_matches(name, cls.model_fields, n=1)
        fix = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(cls.model_fields)}."
        return ConfigError(f"{cls.__name__}({name}=...)", "unknown argument.", fix)
    if problem["type"] == "missing":
        return ConfigError(f"{cls.__name__}({name}=...)", "is required.", f"pass {name}=...")
    field = cls.model_fields.get(name)
    expected = describe_type(field.annotation) if field else "another value"
    return ConfigError(f"{cls.__name__}({name}=...)", f"must be {expected}, got {problem.get('input')!r}.",
                       "give such a value, or a Jinja template such as \"{{ params.x }}\" rendered at run time.")


def describe_type(annotation: Any) -> str:
    """``int | Templated | None`` -> ``int, a template or None``."""
    args = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    names = []
    for arg in args:
        if get_origin(arg) is Literal:
            names.append("one of " + ", ".join(repr(choice) for choice in get_args(arg)))
        elif getattr(arg, "__metadata__", None):
            names.append("a template")
        elif arg is type(None):
            names.append("None")
        else:
            names.append(arg.__name__ if isinstance(arg, type) else str(arg).replace("typing.", ""))
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


class TablestoreCalls(PluginArguments):
    """The arguments of a plugin that calls Tablestore: the connection and the retries."""

    tablestore_conn_id: str | Templated = Field(
        connection_ids.TABLESTORE, serialization_alias="datasource",
        description="Airflow connection (type tablestore) of the instance. Job: `datasource`.")
    max_retry_time: int | Templated = Field(18, serialization_alias="maxRetryTime",
                                            description="Retries of each call. Job: `maxRetryTime`.")
    retry_pause_ms: int | Templated = Field(
        100, serialization_alias="retryPauseInMillisecond",
        description="First pause between retries, ms (doubling). Job: `retryPauseInMillisecond`.")


class OSSCalls(PluginArguments):
    """The arguments of a plugin that calls OSS: the connection and the bucket."""

    oss_conn_id: str | Templated = Field(
        connection_ids.OSS, serialization_alias="datasource",
        description="Airflow connection (type oss) of the bucket. Job: `datasource`.")
    bucket: str | Templated | None = Field(None, description="Bucket; None = the connection's. Job: `bucket`.")

