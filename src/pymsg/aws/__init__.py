"""AWS wire protocols over a pymsg broker, and :func:`mock_aws` for boto3 in process.

Today: SQS over AWS JSON 1.0 (what botocore sends). Kinesis (JSON 1.1), SNS (query/XML) and the
``pymsg serve`` HTTP endpoint build on the same dispatcher next.
"""

from __future__ import annotations

from .dispatch import handle
from .mock import mock_aws

__all__ = ["handle", "mock_aws"]
