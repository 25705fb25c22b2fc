"""Local servers that speak the wire protocols of Tablestore, OSS and MaxCompute.

They are the embedded default of ``make demo`` and the ground of every test: the real SDKs
(``tablestore``, ``oss2``, ``alibabacloud-oss-v2``, ``pyodps``) talk to them unchanged. Nothing in
the production package imports this code.

Start them with ``python -m localcloud serve`` (see :mod:`localcloud.serve`).

Each server (``tablestore/``, ``oss/``, ``maxcompute/``) has the same shape:

``models``
    The state and the operations on it, no wire format. ``models.py`` holds the records; the
    operations sit beside it in modules named for what they keep (Tablestore: ``models.py`` itself
    with ``table``, ``stream``, ``journal``; OSS: ``store``, ``multipart``, ``blobs``; MaxCompute:
    ``catalog``, ``storage``, ``instances``, ``tunnel``).
``responses.py``
    Results turned into the wire answer: protobuf (Tablestore), XML and headers (OSS), XML and
    JSON (MaxCompute).
``routes.py``
    The API as data: request -> operation name (faults are keyed on it) -> action.
``errors.py``
    The service's error codes, statuses and messages.
``handler.py``
    The HTTP front: parse, faults, signature, dispatch, send.
``service.py``
    The object ``serve`` runs (:class:`localcloud.service.Service`): state, handler class,
    endpoint entry, admin routes; the package's ``build`` returns it.

The actions between routes and responses are where each protocol puts them: Tablestore's
``responses`` functions parse a protobuf request and call the models, OSS's ``*_api.py`` modules
read the request and act on the store, MaxCompute's are methods of its handler. The shared parts:
:mod:`localcloud.httpserver`, :mod:`localcloud.service`, :mod:`localcloud.faults`,
:mod:`localcloud.settings`.
"""
