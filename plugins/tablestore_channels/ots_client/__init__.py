"""Tablestore calls the Python SDK lacks: Stream APIs, split points and stream settings on tables.

- ``client.TablestoreClient``: the SDK's ``OTSClient`` extended with those calls;
- ``models``: their typed arguments and results;
- ``codec``: request encoders / response decoders plugged into the SDK's protocol object;
- ``plainbuffer``: reader of stream-record and split-point rows (checksums verified);
- ``retry``: the client's default retry policy;
- ``ots_api.proto``: the current wire shapes; ``ots_api_pb2`` is generated from it by ``make proto``.
"""
