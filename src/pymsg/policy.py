"""Access-policy statements, as SQS's and SNS's AddPermission and RemovePermission write them:
one statement per label, allowing some accounts some of the service's actions on one resource.
pymsg keeps these policies and returns them; it does not enforce them."""

from __future__ import annotations

import json
from typing import Callable, Sequence


# What add_statement and remove_statement hand their `invalid` callback: the label and AWS's
# reason, which each service words in its own way.
ALREADY_EXISTS = "Already exists"
NOT_FOUND = "can't find label"


def add_statement(policy: str, label: str, account_ids: Sequence[str], actions: Sequence[str], service: str,
                  resource: str, invalid: Callable[[str, str], Exception]) -> str:
    """`policy` (JSON) with a statement `label` letting `account_ids` call `actions` (prefixed
    with `service`, as in "SQS:SendMessage"). Raises invalid(label, reason) for a bad label, no
    accounts or actions, or a label already used (reason ALREADY_EXISTS)."""
    if not isinstance(label, str) or not 1 <= len(label) <= 80 or not label.replace("-", "").replace("_", "").isalnum():
        raise invalid(str(label), "Label must be 1 to 80 letters, digits, - and _")
    if (not isinstance(account_ids, (list, tuple)) or not isinstance(actions, (list, tuple)) or not account_ids
            or not actions or not all(isinstance(x, str) for x in [*account_ids, *actions])):
        raise invalid(label, "AWSAccountId and ActionName need at least one str each")
    document = json.loads(policy)
    if any(statement.get("Sid") == label for statement in document.get("Statement", [])):
        raise invalid(label, ALREADY_EXISTS)
    principals = [f"arn:aws:iam::{account}:root" for account in account_ids]
    names = [f"{service}:{action}" for action in actions]
    document.setdefault("Statement", []).append({
        "Sid": label, "Effect": "Allow", "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": names[0] if len(names) == 1 else names, "Resource": resource})
    return json.dumps(document)


def remove_statement(policy: str, label: str, invalid: Callable[[str, str], Exception] | None) -> str:
    """`policy` without the statement `label`; invalid(label, NOT_FOUND) when it has none, or
    the policy unchanged when `invalid` is None (SNS answers success)."""
    document = json.loads(policy)
    kept = [statement for statement in document.get("Statement", []) if statement.get("Sid") != label]
    if len(kept) == len(document.get("Statement", [])):
        if invalid is None:
            return policy
        raise invalid(label, NOT_FOUND)
    document["Statement"] = kept
    return json.dumps(document)
