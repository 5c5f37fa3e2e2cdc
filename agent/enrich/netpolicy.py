"""Where fetching may go: public addresses only, checked after DNS and at connect time.

Refused unless the user passes ``--allow-private``: private, loopback, link-local,
multicast, reserved, unspecified and shared-address ranges, cloud metadata addresses, and
IPv6 forms that embed them (IPv4-mapped, 6to4, NAT64). Hostnames written as bare numbers
(``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``) are parsed the way
``inet_aton`` (and so most HTTP stacks) would read them, then checked like any address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from agent.base.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[str]]]

METADATA = {ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_ip_literal(host: str) -> IPAddress | None:
    """An IP address written in any form a resolver would accept, else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part, 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def forbidden_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None:
            return forbidden_reason(embedded)
    if ip in METADATA:
        return "a cloud metadata address"
    for attribute, words in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                             ("is_multicast", "multicast"), ("is_unspecified", "unspecified"),
                             ("is_reserved", "reserved"), ("is_private", "private")):
        if getattr(ip, attribute):
            return f"a {words} address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if not ip.is_global:
        return "not a public address"
    return None


async def system_resolve(host: str) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class NetPolicy:
    """Checks URLs and resolved addresses; ``allow_private`` lifts the address checks."""

    def __init__(self, allow_private: bool = False, resolver: Resolver = system_resolve) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    def check_url(self, url: str) -> str:
        """The URL's host, after scheme and literal-address checks."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedAddress(f"{url}: only http and https URLs are fetched")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise BlockedAddress(f"{url}: no host name")
        if parts.username or parts.password:
            raise BlockedAddress(f"{url}: credentials in URLs are not allowed")
        literal = parse_ip_literal(host)
        if literal is not None:
            self.check_ip(literal, url)
        return host

    def check_ip(self, ip: IPAddress, what: str) -> None:
        reason = forbidden_reason(ip)
        if reason and not self.allow_private:
            raise BlockedAddress(f"{what}: refused, {ip} is {reason} "
                                 "(pass --allow-private to fetch local sites)")

    async def resolve(self, host: str) -> list[str]:
        """Addresses for ``host``; every one must pass, or the host is refused."""
        literal = parse_ip_literal(host)
        if literal is not None:
            self.check_ip(literal, host)
            return [str(literal)]
        try:
            addresses = await self.resolver(host)
        except OSError as exc:
            raise LookupError(f"{host}: DNS lookup failed ({exc})") from exc
        if not addresses:
            raise LookupError(f"{host}: DNS lookup returned no address")
        for address in addresses:
            self.check_ip(ipaddress.ip_address(address.split("%")[0]), host)
        return addresses
