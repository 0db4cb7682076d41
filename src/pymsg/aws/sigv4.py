"""Checking AWS Signature Version 4 (``pymsg serve --verify-signatures``).

The server recomputes the signature of each request from the secret of its access key id, the
way the SDK made it: canonical request, string to sign, derived key (AWS's "Create a signed AWS
API request"). Only the Authorization-header form is served; presigned URLs are not.
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

from ..errors import IncompleteSignature, InvalidClientTokenId, MissingAuthenticationToken, SignatureDoesNotMatch

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60  # AWS refuses a signature made more than 15 minutes from its own clock
_AUTHORIZATION = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)")
_SPACES = re.compile(r"\s+")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=256)  # one key a day per access key, region and service
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    return _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request")


def canonical_request(method: str, path: str, query: str, headers: Mapping[str, str], signed: list[str],
                      payload_hash: str) -> str:
    uri = quote(_remove_dot_segments(path), safe="/~")  # non-S3 services encode the encoded path again
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                   for k, v in parse_qsl(query, keep_blank_values=True))
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


def verify(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
           secret_for: Callable[[str], Optional[str]], now: Optional[float] = None) -> str:
    """Raises the AWS error for a request whose signature does not check out; returns its
    access key id. `secret_for(key_id)` gives the secret of a configured key, or None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    authorization = lowered.get("authorization")
    amz_date = lowered.get("x-amz-date")
    if not authorization:
        raise MissingAuthenticationToken("Request is missing Authentication Token")
    match = _AUTHORIZATION.fullmatch(authorization.strip())
    if match is None:
        raise IncompleteSignature(f"Authorization header requires Credential, SignedHeaders and Signature of "
                                  f"{ALGORITHM}; got '{authorization[:120]}'.")
    credential, signed_text, signature = match.groups()
    scope = credential.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise IncompleteSignature(f"Credential should be scoped to a valid date, region and service: '{credential}'.")
    key_id, date, region, service, _ = scope
    secret = secret_for(key_id)
    if secret is None:
        raise InvalidClientTokenId("The security token included in the request is invalid.")
    if not amz_date:
        raise IncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if _AMZ_DATE.fullmatch(amz_date) is None:
        raise IncompleteSignature(f"X-Amz-Date '{amz_date}' is not of the form YYYYMMDD'T'HHMMSS'Z'.")
    d = amz_date  # strptime costs a quarter of a verify; the fields are at fixed places
    signed_at = calendar.timegm((int(d[0:4]), int(d[4:6]), int(d[6:8]), int(d[9:11]), int(d[11:13]), int(d[13:15]), 0, 0, 0))
    if date != amz_date[:8]:
        raise SignatureDoesNotMatch(f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                                    f"from HTTP: '{date}' != '{amz_date[:8]}'.")
    signed = signed_text.split(";")
    if "host" not in signed:
        raise SignatureDoesNotMatch("'Host' must be a signed header.")
    body_hash = hashlib.sha256(body).hexdigest()
    payload_hash = lowered.get("x-amz-content-sha256") or body_hash
    request = canonical_request(method, path, query, lowered, signed, payload_hash)
    string_to_sign = "\n".join([ALGORITHM, amz_date, "/".join(scope[1:]), hashlib.sha256(request.encode()).hexdigest()])
    expected = hmac.new(signing_key(secret, date, region, service), string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureDoesNotMatch("The request signature we calculated does not match the signature you provided. "
                                    "Check your AWS Secret Access Key and signing method.")
    current = time.time() if now is None else now
    if abs(current - signed_at) > MAX_SKEW_SECONDS:
        raise SignatureDoesNotMatch(f"Signature expired: {amz_date} is now earlier than "
                                    f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(current - MAX_SKEW_SECONDS))}.")
    if body_hash != payload_hash:  # UNSIGNED-PAYLOAD is for S3 alone
        raise SignatureDoesNotMatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
    return key_id
