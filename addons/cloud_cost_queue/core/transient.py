"""Which failures are worth trying again later: network outages, throttling, server errors.

A bill store or an API that does not answer, answers "slow down" or fails on its side
(HTTP 5xx) is *transient*: the same import succeeds when tried again later. A bad file,
a missing bucket, refused credentials or a rule that does not compile is *permanent*:
trying again changes nothing, the user must act.

Errors arrive wrapped (a botocore error inside a store error inside a refused import):
``transient_cause`` walks the chain of causes and returns the first transient one.
"""

import socket

# botocore / boto3 error codes that mean "try again later"
RETRY_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "SlowDown",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TooManyRequests",
    }
)
# exception class names of botocore, urllib3 and requests that mean the network failed
NETWORK_ERRORS = frozenset(
    {
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "ProxyConnectionError",
        "ResponseStreamingError",
        "IncompleteReadError",
        "NewConnectionError",
        "ProtocolError",
        "MaxRetryError",
        "ConnectionError",
        "Timeout",
        "ReadTimeout",
        "ConnectTimeout",
        "ChunkedEncodingError",
    }
)
# errors of Python's own network layer; FileNotFoundError, PermissionError are not among them
OS_ERRORS = (ConnectionError, TimeoutError, socket.timeout, socket.gaierror)


def _chain(error):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _http_status(error):
    response = getattr(error, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        return response.get("ResponseMetadata", {}).get("HTTPStatusCode"), response.get("Error", {}).get("Code")
    status = getattr(response, "status_code", None)  # requests HTTPError
    return status, None


def is_transient_error(error):
    """True when this one exception (not its causes) is worth a later try."""
    if isinstance(error, OS_ERRORS):
        return True
    if any(cls.__name__ in NETWORK_ERRORS for cls in type(error).__mro__):
        return True
    status, code = _http_status(error)
    if code in RETRY_CODES:
        return True
    return isinstance(status, int) and (status == 429 or status >= 500)


def transient_cause(error):
    """The first transient exception in ``error``'s chain of causes, or None."""
    for link in _chain(error):
        if is_transient_error(link):
            return link
    return None
