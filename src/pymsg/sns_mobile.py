"""What SNS sends that cannot be delivered for real: SMS, email and mobile push.

pymsg records each such message in the broker's outbox instead of sending it, so tests read
back what was sent (``broker.sent_sms()``, ``broker.sent_emails()``, ``broker.push_messages()``,
and over HTTP from ``pymsg serve`` at ``/_aws/sns/sms-messages`` and
``/_aws/sns/platform-endpoint-messages``). It also keeps what those channels need: the SMS
settings and opted-out numbers, and the platform applications (APNS, GCM, ...) with their
endpoints, as CreatePlatformApplication and CreatePlatformEndpoint make them.
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import TYPE_CHECKING, Any, Mapping, Optional

from .errors import NotFound
from .messages import SNS, error

if TYPE_CHECKING:
    from .broker import Broker

PLATFORMS = ("ADM", "APNS", "APNS_SANDBOX", "GCM", "BAIDU", "WNS", "MPNS")
PHONE_NUMBER = re.compile(r"\+?[1-9]\d{1,14}")  # E.164
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
APPLICATION_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")


class Mobile:
    """One broker's SMS settings, opted-out numbers, platform applications and outbox. Thread-safe."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._lock = threading.Lock()
        self._sms_attributes: dict[str, str] = {}
        self._opted_out: set[str] = set()
        self._applications: dict[str, dict[str, Any]] = {}  # ARN -> {"Attributes": ..., "Endpoints": {ARN: attrs}}
        self._sms: list[dict[str, Any]] = []
        self._emails: list[dict[str, Any]] = []
        self._push: list[dict[str, Any]] = []

    # --- the outbox -----------------------------------------------------------------------

    def record_sms(self, phone_number: str, message: str, **fields: Any) -> None:
        with self._lock:
            self._sms.append({"PhoneNumber": phone_number, "Message": message, **fields})

    def record_email(self, address: str, body: str, **fields: Any) -> None:
        with self._lock:
            self._emails.append({"Endpoint": address, "Body": body, **fields})

    def record_push(self, endpoint_arn: str, message: str, **fields: Any) -> None:
        with self._lock:
            self._push.append({"TargetArn": endpoint_arn, "Message": message, **fields})

    def sent(self, kind: str, clear: bool = False) -> list[dict[str, Any]]:
        """The recorded messages of one kind ("sms", "email", "push"), oldest first."""
        with self._lock:
            box = {"sms": self._sms, "email": self._emails, "push": self._push}[kind]
            out = [dict(m) for m in box]
            if clear:
                box.clear()
            return out

    # --- SMS ------------------------------------------------------------------------------

    def check_phone_number(self, number: Any, entry: str = "phone_number_format") -> str:
        """`number` when it is an E.164 phone number; else SNS's `entry` (phone_number_format,
        or phone_number where Publish refuses it)."""
        if not isinstance(number, str) or not PHONE_NUMBER.fullmatch(number):
            raise error(SNS, entry, number=number)
        return number

    def set_sms_attributes(self, attributes: Mapping[str, str]) -> None:
        with self._lock:
            self._sms_attributes.update({str(k): str(v) for k, v in attributes.items()})

    def get_sms_attributes(self, names: Optional[list[str]] = None) -> dict[str, str]:
        with self._lock:
            return {k: v for k, v in self._sms_attributes.items() if not names or k in names}

    def opt_out(self, number: str) -> None:
        """Marks a number opted out (what a recipient replying STOP does on AWS)."""
        with self._lock:
            self._opted_out.add(self.check_phone_number(number))

    def is_opted_out(self, number: str) -> bool:
        self.check_phone_number(number)
        with self._lock:
            return number in self._opted_out

    def opted_out(self) -> list[str]:
        with self._lock:
            return sorted(self._opted_out)

    def opt_in(self, number: str) -> None:
        self.check_phone_number(number)
        with self._lock:
            self._opted_out.discard(number)

    # --- platform applications and endpoints ----------------------------------------------------

    def create_application(self, name: Any, platform: Any, attributes: Mapping[str, str]) -> str:
        if not isinstance(name, str) or not APPLICATION_NAME.fullmatch(name):
            raise error(SNS, "parameter", name="Name")
        if platform not in PLATFORMS:
            raise error(SNS, "platform", platform=platform)
        arn = f"arn:aws:sns:{self._broker.region}:{self._broker.account_id}:app/{platform}/{name}"
        with self._lock:
            existing = self._applications.get(arn)
            if existing is None:
                self._applications[arn] = {"Attributes": dict(attributes), "Endpoints": {}}
            else:
                existing["Attributes"].update(attributes)
        return arn

    def _application(self, arn: Any) -> dict[str, Any]:
        application = self._applications.get(arn) if isinstance(arn, str) else None
        if application is None:
            raise error(SNS, "application_missing")
        return application

    def application_attributes(self, arn: str) -> dict[str, str]:
        with self._lock:
            return dict(self._application(arn)["Attributes"])

    def set_application_attributes(self, arn: str, attributes: Mapping[str, str]) -> None:
        with self._lock:
            self._application(arn)["Attributes"].update(attributes)

    def applications(self) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            return [(arn, dict(a["Attributes"])) for arn, a in self._applications.items()]

    def delete_application(self, arn: str) -> None:
        with self._lock:
            self._applications.pop(arn, None)

    def create_endpoint(self, application_arn: str, token: Any, custom_user_data: Optional[str],
                        attributes: Mapping[str, str]) -> str:
        if not isinstance(token, str) or not token:
            raise error(SNS, "endpoint_token_empty")
        wanted = {"Token": token, "Enabled": "true", **dict(attributes)}
        if custom_user_data:
            wanted["CustomUserData"] = custom_user_data
        with self._lock:
            application = self._application(application_arn)
            for arn, current in application["Endpoints"].items():
                if current["Token"] == token:
                    if any(current.get(k) != v for k, v in wanted.items()):
                        raise error(SNS, "endpoint_token", arn=arn)
                    return arn  # CreatePlatformEndpoint is idempotent for the same token and attributes
            platform_and_name = application_arn.split(":app/", 1)[1]
            arn = (f"arn:aws:sns:{self._broker.region}:{self._broker.account_id}:endpoint/{platform_and_name}/"
                   f"{uuid.uuid4()}")
            application["Endpoints"][arn] = wanted
            return arn

    def _endpoint(self, arn: Any) -> dict[str, str]:
        for application in self._applications.values():
            found = application["Endpoints"].get(arn)
            if found is not None:
                return found
        raise error(SNS, "endpoint_missing")

    def endpoint_attributes(self, arn: str) -> dict[str, str]:
        with self._lock:
            return dict(self._endpoint(arn))

    def has_endpoint(self, arn: str) -> bool:
        with self._lock:
            return any(arn in a["Endpoints"] for a in self._applications.values())

    def set_endpoint_attributes(self, arn: str, attributes: Mapping[str, str]) -> None:
        with self._lock:
            self._endpoint(arn).update(attributes)

    def endpoints(self, application_arn: str) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            return [(arn, dict(a)) for arn, a in self._application(application_arn)["Endpoints"].items()]

    def delete_endpoint(self, arn: str) -> None:
        with self._lock:
            for application in self._applications.values():
                application["Endpoints"].pop(arn, None)

    def push(self, endpoint_arn: str, message: str, **fields: Any) -> None:
        """A push message to a platform endpoint, recorded; EndpointDisabled when it is disabled."""
        with self._lock:
            try:
                endpoint = self._endpoint(endpoint_arn)
            except NotFound:
                raise error(SNS, "target_endpoint") from None
            if endpoint.get("Enabled", "true").lower() != "true":
                raise error(SNS, "endpoint_disabled")
        self.record_push(endpoint_arn, message, **fields)
