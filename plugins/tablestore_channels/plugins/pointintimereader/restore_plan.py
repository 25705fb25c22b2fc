"""Which full export and which stream windows rebuild a table as it was at a moment T, or why
none can; found from the manifests alone, before anything is written.

A full export is not a snapshot: it read each row at some moment of its reading. Every stream
change is an assignment to cells, versions or rows (:mod:`tablestore_channels.plugins.otsreplaywriter.row_effects`),
so replaying, in commit order, every change from the export's *start* onto rows that already
reflect some of them gives the state at T. The export must have *finished* reading at or before
T: it may hold changes made after that, which no replay undoes. Hence:

- the export: the latest committed full export of the table that kept every version
  (``multiVersion``, whole table, every column) and finished reading by ``T - skew``;
- the windows: committed (a manifest), multi-version, covering ``[export start - skew, T]`` without
  a gap (overlaps replay harmlessly), in start order; the last one is cut at T by each change's
  commit time, which only its sequence info carries.

``skew`` is the most the workers' clocks (which timed the export) and Tablestore's (which times
the changes) may differ. A change belongs to T when committed at or before it.

T ``latest`` is the newest moment the backups reach: the newest usable export whose unbroken run
of committed windows (from its start) reaches past its reading's end, T the end of that run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import oss2

from tablestore_channels.backup_layout import MANIFEST_SUFFIX, Manifest, ManifestError, WindowFolder, day_folders, iso
from tablestore_channels.errors import PreconditionError
from tablestore_channels.plugins.export_source import ExportedWindow, TableExport
from tablestore_channels.plugins.otsstreamreader.config import MULTI_VERSION, SINGLE_VERSION
from tablestore_channels.plugins.pointintimereader.config import PointInTimeReaderConfig, iso_moment
from tablestore_channels.retrying import Retry

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Replayed:
    """A window to replay; ``cut_us``: keep only its changes committed at or before it."""

    window: ExportedWindow
    cut_us: int | None


@dataclass(frozen=True)
class RestorePlan:
    export: TableExport
    windows: tuple[Replayed, ...]
    point_us: int  # T (resolved when the config asks for the latest)

    def describe(self) -> str:
        cut = self.windows[-1]
        return (f"export oss://…/{self.export.manifest_key} (read {iso(self.export.read_started_ms)} .. "
                f"{iso(self.export.read_finished_ms)}), then {len(self.windows)} window(s) "
                f"{iso(self.windows[0].window.start_ms)} .. {iso(cut.window.end_ms)}"
                + (" (the last cut at T)" if cut.cut_us is not None else ""))


def resolve(bucket: oss2.Bucket, retry: Retry, config: PointInTimeReaderConfig) -> RestorePlan:
    """The plan for ``config``; PreconditionError naming the gap and the fix when there is none."""
    if config.point_us is None:
        return _latest(bucket, retry, config)
    finder = _Finder(bucket, retry, config, config.point_us)
    export = finder.export()
    return RestorePlan(export, finder.windows(export), config.point_us)


def _latest(bucket: oss2.Bucket, retry: Retry, config: PointInTimeReaderConfig) -> RestorePlan:
    """T latest: the end of the newest export's windows, or of an older one's while the newest's
    do not reach past its reading yet. A gap with windows after it is refused, not restored up to:
    the user asked for the newest state."""
    now = _Finder(bucket, retry, config, time.time_ns() // 1000)
    exports = sorted(now.usable_exports(), key=lambda e: (e.read_started_ms, e.manifest_key), reverse=True)
    for export in exports:
        reach_ms = now.reach(export)
        if reach_ms - 1 >= export.read_finished_ms + now.skew:
            point_us = reach_ms * 1000 - 1  # the last µs the windows hold
            log.info("T latest = %s: the end of the committed windows after %s", iso_moment(point_us),
                     export.manifest_key)
            finder = _Finder(bucket, retry, config, point_us)
            return RestorePlan(export, finder.windows(export), point_us)
    newest = exports[0]
    raise PreconditionError(
        f"T latest: the committed stream windows of table {config.table!r} under "
        f"{now._where(config.stream_prefix)} do not reach past the end of any usable full export; after the newest, "
        f"{now._where(newest.manifest_key)} (finished reading at {iso(newest.read_finished_ms)}), they reach only "
        f"{iso(now.reach(newest))}. Fix: wait until the stream sync has committed the windows after the export "
        "(a window is exported lagMinutes after its end), or give a moment.", key=config.key("pointInTime"))


class _Finder:
    def __init__(self, bucket: oss2.Bucket, retry: Retry, config: PointInTimeReaderConfig, point_us: int) -> None:
        self.bucket = bucket
        self.retry = retry
        self.config = config
        self.point_us = point_us
        self.point_ms = point_us // 1000
        self.point_text = config.point_text if config.point_us is not None else f"latest, {iso_moment(point_us)}"
        self.skew = config.max_clock_skew_ms

    def _where(self, prefix: str) -> str:
        return f"oss://{self.bucket.bucket_name}/{prefix}"

    def _listing(self, prefix: str) -> list[oss2.models.SimplifiedObjectInfo]:
        return self.retry.call(f"ListObjects {prefix}", lambda: list(oss2.ObjectIteratorV2(self.bucket, prefix=prefix)))

    def _manifest(self, key: str, param: str) -> Manifest:
        """The manifest at ``key``, found under the prefix ``param`` names."""
        body = self.retry.call(f"GetObject {key}", lambda: self.bucket.get_object(key).read())
        try:
            return Manifest.from_json(body)
        except ManifestError as error:
            raise PreconditionError(f"{self._where(key)} is not an export manifest this version reads ({error}). "
                                    "Fix: move it out of the backup prefixes, or upgrade the package if a newer "
                                    "version wrote it.", key=self.config.key(param)) from None

    # --- the export --------------------------------------------------------------------------
    def usable_exports(self) -> list[TableExport]:
        """The committed full exports of the table that can serve a restore (any T)."""
        config = self.config
        found = [TableExport.of(o.key, self._manifest(o.key, "exportPrefix")) for o in self._listing(config.export_prefix)
                 if o.key.endswith(MANIFEST_SUFFIX)]
        exports = [e for e in found if e is not None and e.table == config.table]
        if not exports:
            raise PreconditionError(
                f"no committed full export of table {config.table!r} under {self._where(config.export_prefix)} (no "
                "manifest of an OTSReader export that records its reading times). Fix: give the prefix the full "
                "exports are written under, or run a full export (tablestore_full_export_oss, mode multiVersion) "
                "and restore to a moment after it.", key=self.config.key("exportPrefix"))
        usable = [e for e in exports if e.full_versions]
        if not usable:
            shown = "; ".join(f"{self._where(e.manifest_key)}: {e.why_not}" for e in exports[:3])
            raise PreconditionError(
                f"none of the {len(exports)} full export(s) of table {config.table!r} can serve a restore that keeps "
                f"cell timestamps: {shown}. Fix: take full exports with mode multiVersion of the whole table (every "
                "column and version), e.g. tablestore_full_export_oss with mode multiVersion.",
                key=self.config.key("exportPrefix"))
        return usable

    def export(self) -> TableExport:
        config = self.config
        usable = self.usable_exports()
        before = [e for e in usable if e.read_finished_ms + self.skew <= self.point_ms]
        if config.export_manifest:
            before = [e for e in before if e.manifest_key == config.export_manifest]
            if not before:
                raise PreconditionError(f"the export {self._where(config.export_manifest)} chosen for this restore "
                                        "is gone or cannot serve it any more. Fix: run the restore again from its "
                                        "start.", key=self.config.key("exportManifest"))
        if not before:
            oldest = min(usable, key=lambda e: e.read_finished_ms)
            raise PreconditionError(
                f"T ({self.point_text}) is before the oldest usable full export of table {config.table!r}: the "
                f"earliest, {self._where(oldest.manifest_key)}, finished reading at "
                f"{iso(oldest.read_finished_ms)} and may hold changes made after T, which no replay undoes. Fix: "
                f"choose T at or after {iso(oldest.read_finished_ms + self.skew)}; a moment before it needs an "
                "export that finished reading before it (keep older exports as long as you may restore to them).",
                key=self.config.key("pointInTime"))
        chosen = max(before, key=lambda e: (e.read_started_ms, e.manifest_key))
        log.info("Full export for T=%s: %s (read %s .. %s)", self.point_text, chosen.manifest_key,
                 iso(chosen.read_started_ms), iso(chosen.read_finished_ms))
        return chosen

    # --- the windows -------------------------------------------------------------------------
    def reach(self, export: TableExport) -> int:
        """Where the run of committed windows from the export's start ends (ms); a gap with
        committed windows after it is refused."""
        start_ms = export.read_started_ms - self.skew
        committed, uncommitted = self._window_folders(start_ms)
        _, cursor, gap_to = self._chain(start_ms, committed)
        if gap_to is not None:
            self._gap(cursor, gap_to, uncommitted)
        return cursor

    def _chain(self, start_ms: int, committed: list[ExportedWindow]) -> tuple[list[ExportedWindow], int, int | None]:
        """The windows covering ``[start_ms, T]`` in start order up to the first gap, where they
        reach, and where the window after the gap starts (None: no gap before T)."""
        cursor, chain = start_ms, list[ExportedWindow]()
        for window in sorted(committed, key=lambda w: (w.start_ms, -w.end_ms)):
            if cursor > self.point_ms:
                break
            if window.end_ms <= cursor:
                continue  # covered already (an overlap replays harmlessly, a duplicate is skipped)
            if window.start_ms > cursor:
                return chain, cursor, window.start_ms
            chain.append(window)
            cursor = window.end_ms
        return chain, cursor, None

    def windows(self, export: TableExport) -> tuple[Replayed, ...]:
        start_ms = export.read_started_ms - self.skew
        committed, uncommitted = self._window_folders(start_ms)
        chain, cursor, gap_to = self._chain(start_ms, committed)
        if gap_to is not None:
            self._gap(cursor, gap_to, uncommitted)
        if cursor <= self.point_ms:
            self._gap(cursor, None, uncommitted)
        replayed = []
        for window in chain:
            self._check_mode(window)
            cut = window.end_ms * 1000 - 1 > self.point_us
            if cut and not window.sequence_info:
                raise PreconditionError(
                    f"stream window {window.window} ({self._where(window.manifest_key)}) holds T ({self.point_text}) "
                    "but was exported without sequence info, so its changes cannot be cut at T. Fix: choose T at "
                    f"its start ({iso(window.start_ms)}) or end, or rerun the window with isExportSequenceInfo "
                    "(export_sequence_info) on.", key=self.config.key("pointInTime"))
            replayed.append(Replayed(window, self.point_us if cut else None))
        return tuple(replayed)

    def _check_mode(self, window: ExportedWindow) -> None:
        if window.mode == MULTI_VERSION:
            return
        why = ("keeps one record per changed row and drops deletes and versions" if window.mode == SINGLE_VERSION
               else f"is of mode {window.mode!r}")
        raise PreconditionError(
            f"stream window {window.window} ({self._where(window.manifest_key)}) was exported in mode "
            f"{window.mode}, which {why}: it cannot be replayed. Fix: export the stream in mode multi_version "
            "(rerun the windows from this one while the stream still holds them), or choose a T before "
            f"{iso(window.start_ms)}.", key=self.config.key("streamPrefix"))

    def _gap(self, from_ms: int, to_ms: int | None, uncommitted: list[tuple[int, int, str]]) -> None:
        config = self.config
        upto = to_ms if to_ms is not None else self.point_ms + 1
        # a folder's name holds its end to the second: the window may end up to a second later
        open_runs = [(s, e, folder) for s, e, folder in uncommitted if s < upto and e + 1000 > from_ms]
        if open_runs:
            s, e, folder = open_runs[0]
            raise PreconditionError(
                f"stream window [{iso(s)}, {iso(e)}) of table {config.table!r} at {self._where(folder)} has "
                "objects but no manifest: its run did not commit, so its changes cannot be replayed. Fix: rerun "
                "that window's stream sync (clear its failed tasks) until it commits, then restore again.",
                key=self.config.key("streamPrefix"))
        if to_ms is None:
            raise PreconditionError(
                f"the committed stream windows of table {config.table!r} under {self._where(config.stream_prefix)} "
                f"reach only {iso(from_ms)}, before T ({self.point_text}). Fix: wait until the stream sync has "
                "committed the window that holds T (a window is exported lagMinutes after its end), or choose a "
                f"T before {iso(from_ms)}.", key=self.config.key("pointInTime"))
        raise PreconditionError(
            f"no committed stream window of table {config.table!r} under {self._where(config.stream_prefix)} covers "
            f"[{iso(from_ms)}, {iso(to_ms)}), between the full export's start and T ({self.point_text}): those "
            "changes are missing. Fix: run the stream sync for that time (tablestore_stream_sync_oss, e.g. airflow "
            "backfill create ... --reprocess-behavior completed) while the stream still holds it, or choose a T "
            f"before {iso(from_ms)}.", key=self.config.key("streamPrefix"))

    def _window_folders(self, start_ms: int) -> tuple[list[ExportedWindow], list[tuple[int, int, str]]]:
        """The committed windows (their newest manifest) and the bounds of folders without one,
        in the days that can hold windows of ``[start_ms, T]``."""
        prefix = self.config.stream_prefix
        folders: dict[WindowFolder, list[oss2.models.SimplifiedObjectInfo]] = {}
        for day in day_folders(start_ms - _DAY_MS, self.point_ms):
            for entry in self._listing(prefix + day):
                found = WindowFolder.of(entry.key, prefix)
                if found:
                    folders.setdefault(found, []).append(entry)
        committed, uncommitted = [], []
        for folder, entries in sorted(folders.items(), key=lambda item: item[0].path):
            low, high = folder.start_ms, folder.end_ms
            if high + 1000 <= start_ms or low > self.point_ms:  # the name holds the end to the second
                continue
            manifests = [e for e in entries if e.key.endswith(MANIFEST_SUFFIX)]
            if not manifests:
                uncommitted.append((low, high, folder.path))
                continue
            newest = max(manifests, key=lambda e: (e.last_modified, e.key))
            window = ExportedWindow.of(newest.key, self._manifest(newest.key, "streamPrefix"))
            if window is None or window.table != self.config.table:
                log.warning("%s is not a stream window of table %s; ignored", self._where(newest.key), self.config.table)
                continue
            committed.append(window)
        return committed, uncommitted

