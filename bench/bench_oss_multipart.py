"""Throughput of a 1 GB multipart upload with oss2 against the local OSS server (loopback).

Starts ``localcloud serve --services oss`` in a temporary folder, uploads generated data as
10 MB parts from memory (``Bucket.upload_part``, 2 threads), completes, and prints MB/s and wall
time: once with oss2's own CRC-64 check (its default) and once with ``enable_crc=False``, since
on a 2-core machine the client's CRC competes with the server for CPU.

    .venv/bin/python bench/bench_oss_multipart.py [--size-mb 1024] [--part-mb 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import oss2

from localcloud.process import LocalCloudProcess


def upload(bucket: oss2.Bucket, key: str, size: int, part_size: int, threads: int, enable_crc: bool) -> float:
    """Upload ``size`` bytes as one multipart object; return the wall time in seconds."""
    block = os.urandom(part_size)  # generated once: the benchmark measures transfer, not random numbers
    count = -(-size // part_size)
    started = time.perf_counter()
    upload_id = bucket.init_multipart_upload(key).upload_id

    def send(number: int) -> oss2.models.PartInfo:
        data = block[: min(part_size, size - (number - 1) * part_size)]
        result = bucket.upload_part(key, upload_id, number, data)
        return oss2.models.PartInfo(number, result.etag, size=len(data), part_crc=result.crc)

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(send, range(1, count + 1)))
    bucket.complete_multipart_upload(key, upload_id, parts)
    elapsed = time.perf_counter() - started
    if bucket.head_object(key).content_length != size:
        raise RuntimeError("the completed object has the wrong size")
    bucket.delete_object(key)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--part-mb", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    size, part_size = args.size_mb << 20, args.part_mb << 20
    with tempfile.TemporaryDirectory(prefix="bench-oss-") as tmp, \
            LocalCloudProcess(Path(tmp), services=("oss",)) as cloud:
        info = cloud.endpoints["oss"]
        auth = oss2.Auth(info["access_key_id"], info["access_key_secret"])
        print(f"multipart upload of {args.size_mb} MiB in {args.part_mb} MiB parts, {args.threads} threads")
        for enable_crc in (True, False):
            bucket = oss2.Bucket(auth, info["endpoint"], info["bucket"], enable_crc=enable_crc)
            elapsed = upload(bucket, f"bench/{enable_crc}", size, part_size, args.threads, enable_crc)
            print(f"  oss2 enable_crc={enable_crc!s:5}  {size / elapsed / 1e6:7.1f} MB/s  "
                  f"({size / elapsed / (1 << 20):7.1f} MiB/s)  wall {elapsed:6.2f} s")


if __name__ == "__main__":
    main()
