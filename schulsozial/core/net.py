"""The client's address, read the same way for the login lock-out
(django-axes, AXES_CLIENT_IP_CALLABLE) and for the audit log.

`X-Forwarded-For` is a header any client can send, so it is believed only
when the request comes from a proxy the operator named in TRUSTED_PROXIES
(addresses or networks, e.g. `127.0.0.1,10.0.0.0/24`). Then the header is
read from the right: each hop the proxies appended is skipped while it is a
trusted proxy itself, and the first address that is not is the client.
Whatever a client put in the header before it reached our proxy lies to the
left of that and is never used (security review F-09).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in configured if item)


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _is_trusted(address: Any, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: Any) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the
    nearest untrusted address of X-Forwarded-For. None without a request or
    a readable address."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    remote = _parse(str(meta.get("REMOTE_ADDR", "")))
    if remote is None:
        return None
    networks = trusted_proxies()
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    nearest = remote
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a garbled hop: do not believe anything left of it
        if not _is_trusted(address, networks):
            return str(address)
        nearest = address
    # Only trusted proxies in the chain: the farthest of them sent the request.
    return str(nearest)
