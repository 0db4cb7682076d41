"""Where SNS's HTTP(S) deliveries may go.

An HTTP subscription makes the broker POST to a URL its subscriber chose: without a check, any
client of ``pymsg serve`` could aim those POSTs at the host's neighbours, a cloud's instance
metadata service (169.254.169.254) first among them. AWS itself delivers to public endpoints
only. Here every connection a delivery opens is checked against the address it actually
reaches, after name resolution (so a name that resolves, or later re-resolves, to a forbidden
address is caught), and a redirect is never followed: a 3xx answer is a failed delivery, as
any other status outside 2xx.

Refused by default: link-local addresses (169.254.0.0/16 and fe80::/10, where the metadata
services of AWS, GCP and Azure live), AWS's IPv6 metadata address, the unspecified, multicast
and broadcast addresses, and, where ``loopback=False``, loopback. ``allow`` names networks
delivered to even so (``pymsg serve --allow-http-targets 169.254.0.0/16``). Private ranges
(10/8, 172.16/12, 192.168/16) are delivered to: a container next door is a usual subscriber.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any, Iterable, Optional, Union

from .messages import BROKER, error

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

# (network, why it is refused), most specific first so the reason names the metadata service.
_REFUSED: tuple[tuple[Network, str], ...] = tuple((ipaddress.ip_network(n), why) for n, why in (
    ("169.254.169.254/32", "the instance metadata service"),
    ("fd00:ec2::254/128", "the instance metadata service"),
    ("169.254.0.0/16", "link-local"),
    ("fe80::/10", "link-local"),
    ("0.0.0.0/8", "unspecified"),
    ("::/128", "unspecified"),
    ("224.0.0.0/4", "multicast"),
    ("ff00::/8", "multicast"),
    ("255.255.255.255/32", "broadcast"),
))
_LOOPBACK: tuple[tuple[Network, str], ...] = ((ipaddress.ip_network("127.0.0.0/8"), "loopback"),
                                              (ipaddress.ip_network("::1/128"), "loopback"))


class HttpTargets:
    """The addresses HTTP(S) subscriptions may reach (see the module's text). Thread-safe: it
    holds no state past its construction."""

    def __init__(self, allow: Iterable[str] = (), *, loopback: bool = True) -> None:
        if isinstance(allow, (str, bytes)) or not hasattr(allow, "__iter__"):
            raise error(BROKER, "http_targets_allow", value=repr(allow))
        networks: list[Network] = []
        for item in allow:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except (TypeError, ValueError):
                raise error(BROKER, "http_targets_network", value=repr(item)) from None
        self.allow: tuple[Network, ...] = tuple(networks)
        self.loopback = bool(loopback)
        self._refused = _REFUSED if self.loopback else _REFUSED + _LOOPBACK
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # a proxy would make the checked address the proxy's
            _NoRedirects(), _HTTPHandler(self), _HTTPSHandler(self))

    def __repr__(self) -> str:
        return f"HttpTargets(allow={[str(n) for n in self.allow]!r}, loopback={self.loopback})"

    def refusal(self, address: str) -> Optional[str]:
        """Why a delivery may not reach `address` (an IP literal), or None when it may."""
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0: the zone is not the address
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
        if any(ip in network for network in self.allow if network.version == ip.version):
            return None
        return next((why for network, why in self._refused if network.version == ip.version and ip in network), None)

    def connect(self, address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                source_address: Optional[tuple[str, int]] = None) -> socket.socket:
        """socket.create_connection, to the first address the host resolves to that a delivery
        may reach; OSError naming the address and why when it resolves to none."""
        host, port = address
        refused: list[str] = []
        last: Optional[OSError] = None
        for family, kind, proto, _, peer in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
            why = self.refusal(str(peer[0]))
            if why is not None:
                refused.append(why if peer[0] == host else f"{peer[0]} ({why})")
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(peer)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        if last is not None:
            raise last
        raise ConnectionRefusedError(f"{host} is {', '.join(refused)}: HTTP subscriptions may not reach it "
                                     "(pymsg serve --allow-http-targets, or HttpTargets(allow=...), lets them)")

    def post(self, request: urllib.request.Request, timeout: float) -> Any:
        """Opens `request` through the checked connections; a redirect raises HTTPError."""
        return self._opener.open(request, timeout=timeout)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx comes back as an HTTPError: a failed delivery


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, targets: HttpTargets) -> None:
        super().__init__()
        self._targets = targets

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(host, **kwargs)
        connection._create_connection = self._targets.connect  # type: ignore[attr-defined]
        return connection


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, targets: HttpTargets) -> None:
        super().__init__()
        self._targets = targets

    def https_open(self, req: urllib.request.Request) -> Any:
        options = {"context": self._context}  # type: ignore[attr-defined]
        if getattr(self, "_check_hostname", None) is not None:  # Python before 3.12
            options["check_hostname"] = self._check_hostname  # type: ignore[attr-defined]
        return self.do_open(self._connection, req, **options)

    def _connection(self, host: str, **kwargs: Any) -> http.client.HTTPSConnection:
        connection = http.client.HTTPSConnection(host, **kwargs)
        connection._create_connection = self._targets.connect  # type: ignore[attr-defined]
        return connection
