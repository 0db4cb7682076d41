"""AWS wire protocols over a pymsg broker, and :func:`mock_aws` for boto3 in process.

SQS over AWS JSON 1.0, Kinesis over AWS JSON 1.1 and SNS over the query/XML protocol, as
botocore sends them today. The ``pymsg serve`` HTTP endpoint builds on the same dispatcher.
"""

from __future__ import annotations

from .dispatch import handle
from .mock import MockAWS, mock_aws

__all__ = ["handle", "MockAWS", "mock_aws"]
