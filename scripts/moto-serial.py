"""moto for the tests that drive concurrent workers, started as
`python scripts/moto-serial.py PORT`.

moto's stock server answers requests on threads, and its DynamoDB
transactions then race: two conditional writes can both pass, which looks
exactly like an oversell (the 200-buyers conformance test once sold 21 of 20
against it). This one is moto unchanged, served one request at a time
(werkzeug `run_simple(..., threaded=False)`, which also speaks HTTP/1.0 so a
connection closes after its answer). A client that connects and sends nothing
would hold the only thread, so such a connection is dropped after 5 s.
"""

import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, run_simple


class _Handler(WSGIRequestHandler):
    timeout = 5  # seconds a connection may sit idle before it is dropped


if __name__ == "__main__":
    run_simple(
        "127.0.0.1",
        int(sys.argv[1]),
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        request_handler=_Handler,
    )
