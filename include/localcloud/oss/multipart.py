"""Multipart uploads in progress: one folder per upload holding ``upload.json``, the part files
and one JSON record per part (written last, so a part is visible only once complete). The object
appears only when :meth:`localcloud.oss.store.Store.complete` links the parts into it."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from pathlib import Path

from localcloud.oss import blobs
from localcloud.oss.blobs import Blob
from localcloud.oss.errors import OssError
from localcloud.oss.models import Attributes, Part, Upload

_UPLOAD_FILE = "upload.json"


def _new_upload_id() -> str:
    # Time first, so ordering by id is ordering by initiation (ListMultipartUploads pages by id).
    return f"{time.time_ns():016X}{secrets.token_hex(8).upper()}"


class Uploads:
    """The uploads of every bucket, kept in memory and mirrored on disk under ``root``."""

    def __init__(self, root: Path, tmp: Path, lock: threading.RLock) -> None:
        self._root = root
        self._tmp = tmp
        self._lock = lock
        self._uploads: dict[str, Upload] = {}
        self._parts: dict[str, dict[int, Part]] = {}

    def load(self, completed: set[str]) -> None:
        """Read the uploads back; drop those already completed into an object (a crash between
        the object's commit and the upload's removal) and part files without a record."""
        self._root.mkdir(parents=True, exist_ok=True)
        for folder in self._root.iterdir():
            record = folder / _UPLOAD_FILE
            if folder.name in completed or not record.exists():
                shutil.rmtree(folder, ignore_errors=True)
                continue
            upload = Upload.from_json(blobs.read_json(record))
            parts = {}
            for part_record in folder.glob("part-*.json"):
                part = Part(**blobs.read_json(part_record))
                parts[part.number] = part
            referenced = {p.file for p in parts.values()} | {_UPLOAD_FILE} | {
                f"part-{n:05d}.json" for n in parts}
            for path in folder.iterdir():
                if path.name not in referenced:
                    path.unlink()
            self._uploads[upload.upload_id] = upload
            self._parts[upload.upload_id] = parts

    def initiate(self, bucket: str, key: str, attributes: Attributes) -> Upload:
        upload = Upload(_new_upload_id(), bucket, key, time.time(), attributes)
        folder = self._root / upload.upload_id
        folder.mkdir()
        blobs.write_json(self._tmp, folder / _UPLOAD_FILE, upload.to_json())
        with self._lock:
            self._uploads[upload.upload_id] = upload
            self._parts[upload.upload_id] = {}
        return upload

    def get(self, upload_id: str, bucket: str, key: str) -> Upload:
        """The upload ``upload_id`` of ``bucket``/``key``, or ``NoSuchUpload``."""
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None or upload.bucket != bucket or upload.key != key:
            raise OssError("NoSuchUpload", UploadId=upload_id)
        return upload

    def put_part(self, upload: Upload, number: int, blob: Blob) -> Part:
        """Move a written blob in as part ``number`` (replacing an earlier upload of that part)."""
        folder = self._root / upload.upload_id
        part = Part(number, blob.size, blob.md5.hex().upper(), blob.crc64, time.time(),
                    f"part-{number:05d}.{secrets.token_hex(6)}")
        with self._lock:
            if upload.upload_id not in self._uploads:  # aborted or completed meanwhile
                blob.path.unlink()
                raise OssError("NoSuchUpload", UploadId=upload.upload_id)
            os.replace(blob.path, folder / part.file)
            blobs.write_json(self._tmp, folder / f"part-{number:05d}.json", part.to_json())
            previous = self._parts[upload.upload_id].get(number)
            self._parts[upload.upload_id][number] = part
        if previous is not None:
            (folder / previous.file).unlink(missing_ok=True)
        return part

    def parts(self, upload_id: str) -> dict[int, Part]:
        with self._lock:
            return dict(self._parts.get(upload_id, {}))

    def part_path(self, upload_id: str, part: Part) -> Path:
        return self._root / upload_id / part.file

    def in_bucket(self, bucket: str) -> list[Upload]:
        """The bucket's uploads, ordered by key, then by initiation."""
        with self._lock:
            uploads = [u for u in self._uploads.values() if u.bucket == bucket]
        return sorted(uploads, key=lambda u: (u.key, u.upload_id))

    def remove(self, upload_id: str) -> None:
        """Forget an upload and delete its parts (abort, or after completion)."""
        with self._lock:
            if self._uploads.pop(upload_id, None) is None:
                raise OssError("NoSuchUpload", UploadId=upload_id)
            self._parts.pop(upload_id, None)
            # Renaming first makes the removal atomic for a later start.
            doomed = self._tmp / f"upload-{upload_id}"
            os.replace(self._root / upload_id, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
