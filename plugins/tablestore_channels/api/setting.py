"""The job's ``setting``, typed: how many splits run at once, the byte throttle, the error limit."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tablestore_channels.api.arguments import Arguments, Templated, holds_template
from tablestore_channels.config.setting import JobSetting


class Setting(Arguments):
    """Data Integration's ``setting`` block: ``speed`` and ``errorLimit``."""

    concurrent: int | Templated = Field(
        1, description="How many splits run at the same time (the plan cuts at most this many). "
                       "Job: `setting.speed.concurrent`.")
    mbps: float | Templated | None = Field(
        None, description="Throughput limit of the whole job in MB/s; None = unlimited. Job: `setting.speed.mbps`.")
    error_limit_record: int | Templated | None = Field(
        0, description="How many dirty records the run may have (0 = none). Job: `setting.errorLimit.record`.")
    error_limit_percentage: float | Templated | None = Field(
        None, description="Share of dirty records allowed (0..1), when `error_limit_record` is None. "
                          "Job: `setting.errorLimit.percentage`.")

    def to_setting(self) -> dict[str, Any]:
        """The job's ``setting`` object."""
        limit = {"record": self.error_limit_record, "percentage": self.error_limit_percentage}
        speed = {"concurrent": self.concurrent, "mbps": self.mbps}
        return {"errorLimit": {k: v for k, v in limit.items() if v is not None},
                "speed": {k: v for k, v in speed.items() if v is not None}}

    def _check(self) -> None:
        setting = self.to_setting()
        concrete = {section: {k: v for k, v in values.items() if not holds_template(v)}
                    for section, values in setting.items()}
        JobSetting.from_dict(concrete)
