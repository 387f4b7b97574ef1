"""Where the server may connect to on behalf of a source: public addresses, and what the configuration allows.

A source that carries credentials (S3 keys, an OpenCost bearer token, the server's own AWS role)
sends them to the host its URL names. A URL that names, or resolves to, a loopback, link-local,
private or otherwise non-public address would let whoever edits the source reach the server's
own network with them. Such targets are refused unless the server configuration allows them:

- ``cloud_cost_allowed_hosts = opencost.internal, 127.0.0.1:9000`` names hosts (by name as the
  URL writes it, or by address) and optionally a port, that may be reached even when not public;
- ``cloud_cost_allow_private_targets = True`` allows every non-public address (a closed network).

Targets are checked when a source is saved and again right before each connection, since a
name may resolve elsewhere by then: requests checks the address it actually connected to
before sending anything, boto3 resolves and checks the host of each request before it is sent.

Messages about failed calls say what was called, the HTTP status and a short reason of our own,
never what the remote side answered (its body or headers): a refused target must not become a
way to read the server's network through error messages.
"""

import http
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_HOSTS_OPTION = "cloud_cost_allowed_hosts"
ALLOW_PRIVATE_OPTION = "cloud_cost_allow_private_targets"
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefused(ValueError):
    """A URL the server will not call (not a ValueError of the remote side: raised before any traffic)."""


def _truthy(value):
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _split_host_port(entry):
    entry = entry.strip().lower()
    if entry.startswith("["):  # [::1]:9000
        host, _sep, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _sep, port = entry.partition(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port = entry, ""
    if port and not port.isdigit():
        raise TargetRefused(f"server option {ALLOWED_HOSTS_OPTION}: {entry!r} has no valid port")
    return host, int(port) if port else None


@dataclass(frozen=True)
class TargetPolicy:
    allowed: tuple = ()  # (host name or address, port or None)
    allow_private: bool = False

    @classmethod
    def from_options(cls, allowed_hosts=None, allow_private=None):
        entries = allowed_hosts if isinstance(allowed_hosts, list | tuple) else str(allowed_hosts or "").split(",")
        allowed = tuple(_split_host_port(entry) for entry in entries if str(entry).strip())
        return cls(allowed=allowed, allow_private=_truthy(allow_private))

    def allows(self, host, port):
        """True when ``host`` (a name or an address, as text) and ``port`` are listed."""
        host = (host or "").lower().strip("[]")
        return any(
            host == name and (allowed_port is None or allowed_port == port) for name, allowed_port in self.allowed
        )

    def check_address(self, address, host, port, url):
        """Refuse a connection to ``address`` (the resolved or connected address of ``host``) unless allowed."""
        if self.allow_private or self.allows(host, port) or self.allows(address, port):
            return
        reason = non_public_reason(address)
        if reason:
            raise TargetRefused(
                f"{url}: {host} is {reason} ({address}); the server calls only public addresses unless "
                f"{ALLOWED_HOSTS_OPTION} lists the host or {ALLOW_PRIVATE_OPTION} is set in its configuration"
            )


def non_public_reason(address):
    """Why an address is not public (text), or None for a public one."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, reason in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_unspecified", "an unspecified address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(ip, test):
            return reason
    if not ip.is_global:
        return "not a public address"
    return None


def split_url(url):
    """(scheme, host, port) of an http(s) URL; TargetRefused for anything else."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise TargetRefused(f"{text}: not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TargetRefused(f"{text}: only http:// and https:// URLs are called")
    if parts.username or parts.password:
        raise TargetRefused(f"{parts.hostname}: the URL carries credentials; put them in the source's own fields")
    if not parts.hostname:
        raise TargetRefused(f"{text}: the URL names no host")
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def resolve(host, port):
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def check_url(url, policy, *, resolver=None, unresolved_ok=False):
    """Refuse ``url`` unless it is http(s) and every address its host resolves to may be called.

    ``unresolved_ok``: a name that does not resolve (yet) passes, for a check at save time; the
    check before each connection refuses it.
    """
    scheme, host, port = split_url(url)
    if policy.allow_private or policy.allows(host, port):
        return
    try:
        addresses = (resolver or resolve)(host, port)
    except (OSError, UnicodeError):
        if unresolved_ok:
            return
        raise TargetRefused(f"{scheme}://{host}:{port}: the host name does not resolve") from None
    if not addresses and not unresolved_ok:
        raise TargetRefused(f"{scheme}://{host}:{port}: the host name does not resolve")
    for address in addresses:
        policy.check_address(address, host, port, f"{scheme}://{host}:{port}")


def http_reason(status):
    """HTTP status and our own reason phrase for it, e.g. 'HTTP 503 (Service Unavailable)'."""
    try:
        phrase = http.HTTPStatus(int(status)).phrase
    except ValueError:
        return f"HTTP {status}"
    return f"HTTP {status} ({phrase})"


# ---------------------------------------------------------------------------- requests
def checked_session(policy):
    """A requests session whose connections go only where ``policy`` allows: the URL of each request is
    checked, and the address of each new connection once it is made, before anything is sent on it."""
    import requests  # noqa: PLC0415

    session = requests.Session()
    adapter = _checked_adapter_class()(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_ADAPTER = None


def _checked_adapter_class():
    global _ADAPTER  # noqa: PLW0603  (built once, on first use: requests is imported only then)
    if _ADAPTER is not None:
        return _ADAPTER
    from requests.adapters import HTTPAdapter  # noqa: PLC0415
    from urllib3.connection import HTTPConnection, HTTPSConnection  # noqa: PLC0415
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool  # noqa: PLC0415

    def connection_class(base, policy):
        class CheckedConnection(base):
            def _new_conn(self):
                sock = super()._new_conn()
                try:
                    if not getattr(self, "_tunnel_host", None):  # through a proxy: the proxy is the peer
                        policy.check_address(sock.getpeername()[0], self.host, self.port, f"{self.host}:{self.port}")
                except TargetRefused:
                    sock.close()
                    raise
                return sock

        return CheckedConnection

    class CheckedAdapter(HTTPAdapter):
        def __init__(self, policy, **kwargs):
            self.policy = policy
            super().__init__(**kwargs)

        def init_poolmanager(self, *args, **kwargs):
            result = super().init_poolmanager(*args, **kwargs)
            pools = {}
            for scheme, pool, base in (
                ("http", HTTPConnectionPool, HTTPConnection),
                ("https", HTTPSConnectionPool, HTTPSConnection),
            ):
                pools[scheme] = type(
                    f"Checked{pool.__name__}", (pool,), {"ConnectionCls": connection_class(base, self.policy)}
                )
            self.poolmanager.pool_classes_by_scheme = pools
            return result

        def send(self, request, *args, **kwargs):
            check_url(request.url, self.policy)
            return super().send(request, *args, **kwargs)

    _ADAPTER = CheckedAdapter
    return _ADAPTER


def describe_request_error(error):
    """A short reason of our own for a requests exception (never its text, which may quote the remote side)."""
    import requests  # noqa: PLC0415

    for kind, reason in (
        (requests.exceptions.SSLError, "the TLS connection failed (certificate not accepted?)"),
        (requests.exceptions.ProxyError, "the proxy refused the connection"),
        (requests.exceptions.ConnectTimeout, "no connection within the timeout"),
        (requests.exceptions.ReadTimeout, "no answer within the timeout"),
        (requests.exceptions.ConnectionError, "cannot connect, or the connection broke"),
        (requests.exceptions.TooManyRedirects, "too many redirects"),
        (requests.exceptions.InvalidURL, "not a valid URL"),
    ):
        if isinstance(error, kind):
            return reason
    return f"the call failed ({error.__class__.__name__})"


# ---------------------------------------------------------------------------- boto3
def guard_boto_client(client, policy):
    """Check the host of every request ``client`` sends, right before it is sent."""

    def before_send(request, **_kwargs):
        check_url(request.url, policy)

    client.meta.events.register_first("before-send", before_send)
    return client


# error codes AWS documents: kept in messages, being words of this list rather than the remote side's
KNOWN_AWS_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AllAccessDisabled",
        "AuthorizationHeaderMalformed",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidBucketName",
        "InvalidClientTokenId",
        "InvalidObjectState",
        "InvalidRequestException",
        "InvalidToken",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFound",
        "PermanentRedirect",
        "RequestTimeTooSkewed",
        "ResourceNotFoundException",
        "SignatureDoesNotMatch",
        "SlowDown",
        "ThrottlingException",
        "TooManyRequestsException",
        "UnrecognizedClientException",
        "InternalError",
        "InternalServerException",
        "ServiceUnavailable",
    }
)


def describe_boto_error(error):
    """Status and error code (when it is one AWS documents) of a botocore error, never its message."""
    if isinstance(error, TargetRefused):
        return str(error)
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        code = str((response.get("Error") or {}).get("Code") or "")
        parts = [http_reason(status)] if status else []
        if code in KNOWN_AWS_CODES:
            parts.append(code)
        return ", ".join(parts) or "the service refused the request"
    name = error.__class__.__name__
    for marker, reason in (
        ("EndpointConnectionError", "cannot connect to the endpoint"),
        ("ConnectTimeout", "no connection within the timeout"),
        ("ReadTimeout", "no answer within the timeout"),
        ("ConnectionClosed", "the connection was closed"),
        ("NoCredentials", "no AWS credentials (keys on the source, or the server's credential chain)"),
        ("PartialCredentials", "incomplete AWS credentials"),
        ("NoRegion", "no AWS region"),
        ("SSLError", "the TLS connection failed"),
        ("ProxyConnection", "cannot connect to the proxy"),
        ("ResponseParserError", "the answer could not be read"),
        ("ParamValidation", "a request parameter is not valid"),
    ):
        if marker in name:
            return reason
    return f"the call failed ({name})"
