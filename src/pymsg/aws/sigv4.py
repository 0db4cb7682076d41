"""Checking AWS Signature Version 4 (``pymsg serve --verify-signatures``).

The server recomputes the signature of each request from the secret of its access key id, the
way the SDK made it: canonical request, string to sign, derived key (AWS's "Create a signed AWS
API request"), from the Authorization header or from a presigned URL's query string (what the
SDKs' generate_presigned_url makes). The credential scope must name the request's service and
a valid region (the one its host names, when it names one).
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import hmac
import re
import time
from typing import Callable, Mapping, Optional
from urllib.parse import parse_qsl, quote

from ..broker import REGION_NAME
from ..messages import AUTH, error

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60  # AWS refuses a signature made more than 15 minutes from its own clock
_SEPARATORS = re.compile(r"[,\s]+")  # between an Authorization header's key=value pairs
_SPACES = re.compile(r"\s+")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=256)  # one key a day per access key, region and service
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    return _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request")


def canonical_request(method: str, path: str, query: str, headers: Mapping[str, str], signed: list[str],
                      payload_hash: str, skip: Optional[str] = None) -> str:
    """AWS's canonical request; `skip` names a query parameter left out (a presigned URL's
    X-Amz-Signature, which cannot sign itself)."""
    uri = quote(_remove_dot_segments(path), safe="/~")  # non-S3 services encode the encoded path again
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                   for k, v in parse_qsl(query, keep_blank_values=True) if k != skip)
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    lowered = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{_SPACES.sub(' ', lowered.get(name, '').strip())}\n" for name in signed)
    return "\n".join([method, uri, canonical_query, canonical_headers, ";".join(signed), payload_hash])


def _remove_dot_segments(path: str) -> str:
    """RFC 3986's remove_dot_segments as the SDKs apply it: "." and ".." resolved, empty
    segments dropped ("//a" is "/a"), a trailing slash kept."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalized = "/" + "/".join(segments)
    return normalized + "/" if path.endswith("/") and normalized != "/" else normalized


# What a presigned URL carries in place of the Authorization header, in the order AWS lists the
# missing ones; X-Amz-Expires is not among them: services other than S3 ignore it, and a
# presigned URL lasts as long as the clock skew allows a signature (15 minutes).
_QUERY_PARAMETERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")


def verify(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
           secret_for: Callable[[str], Optional[str]], now: Optional[float] = None, *,
           service: Optional[str] = None, region: Optional[str] = None) -> str:
    """Raises the AWS error for a request whose signature does not check out; returns its
    access key id. `secret_for(key_id)` gives the secret of a configured key, or None. The
    signature is in the Authorization header or, in a presigned URL, in the query string.
    `service` is the signing name of the service the request is for ("sqs"), `region` the
    region its host names: the credential scope must name both. None accepts any service (for
    pymsg's own routes) and any valid region name (a host such as localhost names none)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    authorization = lowered.get("authorization")
    presigned = dict(parse_qsl(query, keep_blank_values=True)) if "X-Amz-Algorithm" in query else {}
    if "X-Amz-Algorithm" in presigned:
        if authorization:
            raise error(AUTH, "both_forms")
        missing = [name for name in _QUERY_PARAMETERS if not presigned.get(name)]
        if missing:
            raise error(AUTH, "incomplete_query", missing="".join(
                f"AWS query-string parameters must include '{name}'. " for name in missing))
        algorithm, credential = presigned["X-Amz-Algorithm"], presigned["X-Amz-Credential"]
        signed_text, signature, amz_date = (presigned["X-Amz-SignedHeaders"], presigned["X-Amz-Signature"],
                                            presigned["X-Amz-Date"])
    else:
        if not authorization:
            raise error(AUTH, "missing_token")
        params = _parameters(authorization)
        amz_date = lowered.get("x-amz-date", "")
        requirements = [f"'{name}' parameter" for name in ("Credential", "Signature", "SignedHeaders")
                        if not params.get(name)]
        if not amz_date:
            requirements.append("existence of either a 'X-Amz-Date' or a 'Date' header")
        if requirements:
            raise error(AUTH, "incomplete_authorization",
                        requirements=". Authorization header requires ".join(requirements), authorization=authorization)
        algorithm = authorization.split(None, 1)[0]
        credential, signed_text, signature = params["Credential"], params["SignedHeaders"], params["Signature"]
    if algorithm != ALGORITHM:
        raise error(AUTH, "unsupported_algorithm", algorithm=algorithm)
    scope = credential.split("/")
    if len(scope) != 5:
        raise error(AUTH, "credential_elements", credential=credential)
    if _AMZ_DATE.fullmatch(amz_date) is None:
        raise error(AUTH, "date_format", date=amz_date)
    key_id, date, scope_region, scope_service, terminator = scope
    _check_scope(scope_region, scope_service, terminator, date, amz_date, service, region)
    secret = secret_for(key_id)
    if secret is None:
        raise error(AUTH, "invalid_token")
    d = amz_date  # strptime costs a quarter of a verify; the fields are at fixed places
    signed_at = calendar.timegm((int(d[0:4]), int(d[4:6]), int(d[6:8]), int(d[9:11]), int(d[11:13]), int(d[13:15]), 0, 0, 0))
    signed = signed_text.split(";")
    if "host" not in signed:
        raise error(AUTH, "host_not_signed")
    body_hash = hashlib.sha256(body).hexdigest()
    payload_hash = lowered.get("x-amz-content-sha256") or body_hash
    request = canonical_request(method, path, query, lowered, signed, payload_hash,
                                skip="X-Amz-Signature" if presigned else None)
    string_to_sign = "\n".join([ALGORITHM, amz_date, "/".join(scope[1:]), hashlib.sha256(request.encode()).hexdigest()])
    expected = hmac.new(signing_key(secret, date, scope_region, scope_service), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "backslashreplace")):
        raise error(AUTH, "signature_mismatch")
    current = time.time() if now is None else now
    if abs(current - signed_at) > MAX_SKEW_SECONDS:
        if signed_at < current:
            raise error(AUTH, "signature_expired", date=amz_date, earliest=_stamp(current - MAX_SKEW_SECONDS),
                        now=_stamp(current))
        raise error(AUTH, "signature_not_yet_current", date=amz_date, latest=_stamp(current + MAX_SKEW_SECONDS),
                    now=_stamp(current))
    if body_hash != payload_hash:  # UNSIGNED-PAYLOAD is for S3 alone
        raise error(AUTH, "payload_hash")
    return key_id


def _check_scope(region: str, service: str, terminator: str, date: str, amz_date: str,
                 expected_service: Optional[str], expected_region: Optional[str]) -> None:
    """The credential scope's four checked parts: every wrong one is named in one
    SignatureDoesNotMatch, as AWS answers."""
    wrong: list[tuple[str, dict[str, str]]] = []
    if REGION_NAME.fullmatch(region) is None or (expected_region is not None and region != expected_region):
        wrong.append(("scope_region", {"region": region}))
    if expected_service is not None and service != expected_service:
        wrong.append(("scope_service", {"service": expected_service}))
    if terminator != "aws4_request":
        wrong.append(("credential_terminator", {"terminator": terminator}))
    if date != amz_date[:8]:
        wrong.append(("credential_date", {"date": date, "expected": amz_date[:8], "amz_date": amz_date}))
    if len(wrong) == 1:
        raise error(AUTH, wrong[0][0], **wrong[0][1])
    if wrong:
        raise error(AUTH, "credential_scope", wrong="".join(AUTH[name].template.format(**fields)
                                                            for name, fields in wrong))


def host_region(host: Optional[str]) -> Optional[str]:
    """The region a Host header names, as AWS's endpoints and LocalStack's do
    ("sqs.eu-west-1.amazonaws.com", "sqs.eu-west-1.localhost.localstack.cloud:4566"); None for
    a host that names none ("localhost:4566", "127.0.0.1")."""
    if not host:
        return None
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # an IPv6 literal keeps its colons
    return next((label for label in name.split(".") if REGION_NAME.fullmatch(label)), None)


def _stamp(seconds: float) -> str:
    """A time as X-Amz-Date writes it."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))


def _parameters(authorization: str) -> dict[str, str]:
    """The key=value pairs of an AWS4 Authorization header, split at commas and spaces as AWS
    does (IncompleteSignature at a piece with no "="); none for another scheme (Basic, Bearer)."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if not algorithm.startswith("AWS4-"):
        return {}
    params: dict[str, str] = {}
    for pair in _SEPARATORS.split(rest):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        if not equals:
            raise error(AUTH, "missing_equal_sign", pair=pair, authorization=authorization)
        params[name] = value
    return params
