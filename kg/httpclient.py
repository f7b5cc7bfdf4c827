"""One HTTP exchange with a server cdkg does not control, with limits that hold whatever it answers.

* **Deadline** — ``deadline`` (a :func:`time.monotonic` instant) bounds the whole exchange:
  connecting, sending, reading the status line, the headers and the whole body.  Every socket
  read and send waits only for the time that is left, so a server dripping one byte at a time
  cannot hold the request past it.
* **Size** — the body is read in chunks and reading stops at ``max_bytes``: the rest is never
  read (a ``Content-Length`` over the cap fails before reading anything).
* **Redirects** — followed only to the same host (same scheme and port, or http → https on the
  default ports), at most :data:`MAX_REDIRECTS` times; credentials are sent to the first URL
  only, never after a redirect.  A redirect to another host is an error naming the target.
* **Malformed HTTP** — a bad status line, an over-long header line, too many headers, a body
  shorter than its ``Content-Length``, a reset connection, a TLS failure: an error saying so.

Failures are :class:`HttpFailure` subclasses with a message meant for people; the caller
(:mod:`cdkg.kg.remote`) names the endpoint and decides what to retry.  Proxies from the usual
environment variables (``http_proxy``, ``https_proxy``, ``no_proxy``) are honoured.
"""

from __future__ import annotations

import base64
import http.client
import io
import socket
import ssl
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ERROR_DETAIL_BYTES = 1000  # of an error page (4xx/5xx), enough to show what the server said
_REDIRECTS = {301, 302, 303, 307, 308}
_DEFAULT_PORT = {"http": 80, "https": 443}


class HttpFailure(Exception):
    """The exchange failed; ``transient`` failures may succeed if tried again."""

    transient = False


class Unreachable(HttpFailure):
    """No connection, or the connection was refused or reset."""

    transient = True


class TimedOut(HttpFailure):
    """The deadline passed before the whole answer arrived."""


class Malformed(HttpFailure):
    """What came back is not well-formed HTTP."""


class TooLarge(HttpFailure):
    """The answer is bigger than ``max_bytes``."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        super().__init__(f"the answer is over {max_bytes:,} bytes")


class RedirectRefused(HttpFailure):
    """The server redirected to another host (or too many times, or in a way cdkg cannot follow)."""

    def __init__(self, message: str, target: str | None = None):
        self.target = target
        super().__init__(message)


@dataclass
class Response:
    """A complete answer: status, headers, body (whole for 2xx, the start of it otherwise)."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    url: str
    redirected_from: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def basic_auth(user: str, password: str | None) -> str:
    """The ``Authorization`` header value for HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()


def request(method: str, url: str, body: bytes | None, headers: dict[str, str], *, deadline: float,
            max_bytes: int, auth: str | None = None) -> Response:
    """Send one request (following same-host redirects) and read the answer within the limits."""
    hops = []
    for _ in range(MAX_REDIRECTS + 1):
        sent = {**headers, "Authorization": auth} if auth and not hops else headers
        response = _exchange(method, url, body, sent, deadline, max_bytes)
        if response.status not in _REDIRECTS:
            response.redirected_from = hops
            return response
        location = response.headers.get("Location")
        if not location:
            raise Malformed(f"answered HTTP {response.status} (a redirect) without saying where to")
        target = urllib.parse.urljoin(url, location.strip())
        if not same_host(url, target):
            raise RedirectRefused(
                f"redirected to {target}, another host; cdkg does not follow redirects to other hosts "
                f"(nor send credentials there) — if you trust it, use {target} as the URL", target)
        if response.status == 303 and method != "GET":
            if method != "POST" or headers.get("Content-Type") != "application/x-www-form-urlencoded":
                raise RedirectRefused(f"answered 303 See Other ({target}) to a {method}; "
                                      f"use {target} as the URL if that is where it should go", target)
            # See Other: ask again with GET, the form (the SPARQL query) in the URL.
            target += ("&" if urllib.parse.urlsplit(target).query else "?") + (body or b"").decode("ascii")
            method, body = "GET", None
            headers = {k: v for k, v in headers.items() if k != "Content-Type"}
        hops.append(url)
        url = target
    raise RedirectRefused(f"redirected more than {MAX_REDIRECTS} times (last to {url}); "
                          "use the final URL directly", url)


def same_host(url: str, target: str) -> bool:
    """Same host name and port and scheme — or an upgrade from http to https on the default ports."""
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(target)
    if b.scheme not in _DEFAULT_PORT or (a.hostname or "").lower() != (b.hostname or "").lower():
        return False
    try:
        port_a, port_b = a.port or _DEFAULT_PORT[a.scheme], b.port or _DEFAULT_PORT[b.scheme]
    except ValueError:  # a port that is not a number
        return False
    if a.scheme == b.scheme:
        return port_a == port_b
    return (a.scheme, b.scheme) == ("http", "https") and (port_a, port_b) == (80, 443)


# -- one exchange ------------------------------------------------------------------------------

def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut("the time allowed ran out")
    return left


class _DeadlineSocket:
    """The connection's socket as http.client uses it, with every send and read given only the
    time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(_remaining(self._deadline))
        self._sock.sendall(data)  # the timeout bounds the whole sendall (Python >= 3.5)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        """http.client closes the connection while the response is still being read; the socket
        itself is closed by :func:`_exchange` when the exchange is over."""

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self._sock.settimeout(_remaining(self._deadline))
        return self._sock.recv_into(buffer)


def _connection(url: str, deadline: float) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """A connection to the URL's host (or to the proxy for it), the request target and extra headers."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in _DEFAULT_PORT or not parts.hostname:
        raise Malformed(f"{url} is not an http(s) URL")
    try:
        port = parts.port or _DEFAULT_PORT[parts.scheme]
    except ValueError:
        raise Malformed(f"{url} has an invalid port") from None
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    timeout = _remaining(deadline)
    https = parts.scheme == "https"
    proxy = urllib.request.getproxies().get(parts.scheme)
    extra: dict[str, str] = {}
    if proxy and not urllib.request.proxy_bypass(parts.hostname):
        p = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        auth = {"Proxy-Authorization": basic_auth(urllib.parse.unquote(p.username), urllib.parse.unquote(
            p.password or ""))} if p.username else {}
        if https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                p.hostname, p.port or 8080, timeout=timeout, context=ssl.create_default_context())
            conn.set_tunnel(parts.hostname, port, headers=auth)
        else:
            conn = http.client.HTTPConnection(p.hostname, p.port or 8080, timeout=timeout)
            path, extra = urllib.parse.urlunsplit(parts._replace(fragment="")), auth
    elif https:
        conn = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    return conn, path, extra


def _exchange(method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: float,
              max_bytes: int) -> Response:
    conn, target, extra = _connection(url, deadline)
    raw: socket.socket | None = None
    try:
        conn.connect()
        raw = conn.sock
        conn.sock = _DeadlineSocket(raw, deadline)  # type: ignore[assignment]
        conn.request(method, target, body=body, headers={**headers, **extra})
        response = conn.getresponse()
        status, reason = response.status, response.reason
        if status in _REDIRECTS:
            data = b""
        elif 200 <= status < 300:
            data = _read_body(response, max_bytes)
        else:
            data = response.read(ERROR_DETAIL_BYTES)
        return Response(status, reason, response.headers, data, url)
    except HttpFailure:
        raise
    except (socket.timeout, TimeoutError):
        raise TimedOut("the time allowed ran out") from None
    except ssl.CertificateError as exc:
        raise Malformed(f"its TLS certificate was refused ({getattr(exc, 'verify_message', '') or exc})") from None
    except ssl.SSLError as exc:
        raise Malformed(f"the TLS connection failed ({exc.reason or exc})") from None
    except http.client.InvalidURL as exc:
        raise Malformed(f"is not a valid URL ({exc})") from None
    except http.client.RemoteDisconnected:
        raise Unreachable("it closed the connection without answering") from None
    except http.client.IncompleteRead as exc:
        raise Malformed(f"the answer broke off after {len(exc.partial):,} bytes"
                        + (f", {exc.expected:,} more were announced" if exc.expected else "")) from None
    except http.client.LineTooLong as exc:
        what = str(exc).rpartition("when reading ")[2] or "line"  # "got more than 65536 bytes when reading header line"
        raise Malformed(f"sent a {what} over {http.client._MAXLINE:,} bytes") from None
    except http.client.BadStatusLine as exc:
        line = str(exc.args[0] if exc.args else "")
        raise Malformed("did not answer in HTTP" + (f" (its first line: {line[:80]!r})" if line.strip("'\"") else
                                                     " (it sent an empty status line)")) from None
    except http.client.HTTPException as exc:
        raise Malformed(f"sent malformed HTTP ({exc})") from None
    except (ConnectionError, OSError) as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise Unreachable(reason) from None
    finally:
        conn.close()
        if raw is not None:
            raw.close()


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The whole body in chunks, stopping (without reading further) once it is over ``max_bytes``."""
    announced = response.length
    if announced is not None and announced > max_bytes:
        raise TooLarge(max_bytes)
    chunks, size = [], 0
    while True:
        chunk = response.read(min(CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(max_bytes)
    if response.length:  # the connection closed before the announced Content-Length arrived
        raise Malformed(f"the answer broke off after {size:,} bytes, {response.length:,} more were announced")
    return b"".join(chunks)
