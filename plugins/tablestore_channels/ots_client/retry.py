"""The client's default retry policy: the SDK's, with the added read-only calls counted as reads."""

from __future__ import annotations

from tablestore.retry import DefaultRetryPolicy

READ_ONLY_APIS = frozenset({
    "ComputeSplitPointsBySize", "ListStream", "DescribeStream", "GetShardIterator", "GetStreamRecord",
})


class ReadAwareRetryPolicy(DefaultRetryPolicy):
    """``DefaultRetryPolicy`` that also retries the Stream and split-point reads on OTSTimeout,
    OTSInternalServerError, OTSServerUnavailable and HTTP 500/502/503: the SDK only knows its own
    read APIs, and these calls are as safe to repeat."""

    def is_repeatable_api(self, api_name: str) -> bool:
        return api_name in READ_ONLY_APIS or super().is_repeatable_api(api_name)
