"""Import of council papers from an OParl 1.0 / 1.1 interface (issue 14).

Layers, each usable without the next:

- ``client``: HTTP (httpx) with timeouts and retries; every failure is an
  ``OParlError`` whose message names the URL and what was wrong;
- ``normalise``: pure functions from OParl JSON (as real servers send it)
  to plain dataclasses (``ImportedPaper`` ...), no Django models;
- ``walker``: System -> Body -> the paginated lists, keyword filter,
  incremental by ``modified_since`` (checked again on the client side);
- ``importing``: writes one walk's result in one transaction through the
  council services, and records the run (``OParlRun``).
"""
