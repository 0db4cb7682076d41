"""Every error message pymsg raises, in AWS's (or Redis's) words: one table per service.

Each entry is an error pymsg raises: the AWS error code (the pymsg exception of that name)
and AWS's message, with ``{field}`` where AWS puts a value. Entries under a "pymsg's own"
comment have no AWS counterpart (a Python type error, a pymsg quota or file format) or stand
where AWS's words are not on record. The Python layers raise only through :func:`error`; the
C++ core words its entries itself (it raises before Python sees the call).
``tests/test_message_sources.py`` reads the sources to hold both to the tables, and
``tests/test_aws_message_table.py`` makes every entry happen and checks its words.

Sources: messages AWS returned in recorded runs (the ones peer emulators' test suites
replay), AWS's documentation and botocore's service models.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from . import errors


class Message(NamedTuple):
    code: str  # the AWS error code: a class in pymsg.errors
    template: str  # AWS's message; {field} where AWS puts a value

    def pattern(self) -> re.Pattern[str]:
        """The messages this entry stands for, any value in each field."""
        parts = re.split(r"\{[a-z_]+\}", self.template)
        return re.compile("(?s)" + "(.*?)".join(re.escape(p) for p in parts) + r"\Z")


def error(table: dict[str, Message], name: str, /, **fields: Any) -> errors.PymsgError:
    """The exception for entry `name` of `table`, its fields filled in."""
    entry = table[name]
    return getattr(errors, entry.code)(entry.template.format(**fields))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> int:
    """The index of the first lone surrogate in `text` (which UTF-8, and so the core, cannot
    carry), or -1."""
    found = None if text.isascii() else _LONE_SURROGATE.search(text)
    return found.start() if found else -1


def check_unicode(table: dict[str, Message], /, **fields: Any) -> None:
    """Raises `table`'s "unicode" error for the first str field holding a lone surrogate; other
    values are left to the caller's own checks."""
    for name, value in fields.items():
        index = lone_surrogate(value) if isinstance(value, str) else -1
        if index >= 0:
            raise error(table, "unicode", name=name, index=index)


SQS: dict[str, Message] = {
    "unicode": Message("InvalidParameterValue", "Value for parameter {name} is invalid. Reason: it holds a lone "
                       "surrogate at index {index}, which is not a Unicode character."),
    # queues
    "queue_does_not_exist": Message("QueueDoesNotExist", "The specified queue does not exist."),
    "queue_does_not_exist_query": Message("QueueDoesNotExist",
                                          "The specified queue does not exist for this wsdl version."),
    "queue_name": Message("InvalidParameterValue",
                          "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
    "fifo_queue_name": Message("InvalidParameterValue",
                               "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                               "underscores, must end with .fifo suffix and be 1 to 80 in length"),
    "queue_exists": Message("QueueNameExists",
                            "A queue already exists with the same name and a different value for attribute {name}"),
    "unknown_attribute": Message("InvalidAttributeName", "Unknown Attribute {name}."),
    "attribute_value": Message("InvalidAttributeValue", "Invalid value for the parameter {name}."),
    "sse_conflict": Message("InvalidAttributeName", "You can use one type of server-side encryption (SSE) at one "
                            "time. You can either enable KMS SSE or SQS SSE."),
    "fifo_id": Message("InvalidParameterValue", "Value {value} for parameter {name} is invalid. Reason: {name} can "
                       "only include alphanumeric and punctuation characters. 1 to 128 in length."),
    "seconds_range": Message("InvalidParameterValue", "Value {value} for parameter {name} is invalid. Reason: {name} "
                             "must be >= {low} and <= {high}."),
    "fifo_delay": Message("InvalidParameterValue", "Value {value} for parameter DelaySeconds is invalid. Reason: The "
                          "request include parameter that is not valid for this queue type."),
    "message_too_long": Message("InvalidParameterValue",
                                "One or more parameters are invalid. Reason: Message must be shorter than {size} bytes."),
    "invalid_characters": Message("InvalidMessageContents", "Invalid characters found. Valid unicode characters are "
                                  "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"),
    "modify_queue_type": Message("InvalidAttributeValue",
                                 "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
                                 "supported."),
    "queue_deleted_recently": Message("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before "
                                      "you can create another with the same name."),
    # RedriveAllowPolicy
    "redrive_allow_policy": Message("InvalidAttributeValue", "Invalid value for the parameter RedriveAllowPolicy. "
                                    "Reason: Amazon SQS can't create the redrive allow policy, as it’s in an "
                                    "unsupported format."),
    "redrive_allow_by_queue": Message("InvalidAttributeValue", "Value {policy} for parameter RedriveAllowPolicy is "
                                      "invalid. Reason: Amazon SQS can't create the redrive allow policy. When you "
                                      "specify the byQueue permission type, you must also specify one or more "
                                      "sourceQueueArns values."),
    "redrive_allow_too_many": Message("InvalidAttributeValue", "Value {policy} for parameter RedriveAllowPolicy is "
                                      "invalid. Reason: Amazon SQS can't create the redrive allow policy. The maximum "
                                      "number of source queue ARNs you can specify is 10."),
    # RedrivePolicy ({policy} is the policy as the request gave it)
    "redrive_not_a_map": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is invalid. "
                                 "Reason: Redrive policy is not a valid JSON map."),
    "redrive_mandatory": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is invalid. "
                                 "Reason: Redrive policy does not contain mandatory attribute: {name}."),
    "redrive_target_arn": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is invalid. "
                                  "Reason: Invalid value for deadLetterTargetArn."),
    "redrive_max_receive_count": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is "
                                         "invalid. Reason: Invalid value for maxReceiveCount: {value}, valid values "
                                         "are from 1 to 1000 both inclusive."),
    "redrive_not_sqs": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is invalid. "
                               "Reason: Only SQS queues are valid resources for deadLetterTargetArn."),
    "redrive_target_missing": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is "
                                      "invalid. Reason: Dead letter target does not exist."),
    "redrive_target_type": Message("InvalidParameterValue", "Value {policy} for parameter RedrivePolicy is invalid. "
                                   "Reason: Dead-letter queue must be same type of queue as the source.."),
    # requests
    "missing_parameter": Message("MissingParameter", "The request must contain the parameter {name}."),
    "tag_keys_str": Message("InvalidParameterValue", "TagKeys must be a list of tag keys, not a str."),
    "max_number_of_messages": Message("InvalidParameterValue", "Value {value} for parameter MaxNumberOfMessages is "
                                      "invalid. Reason: Must be between 1 and 10, if provided."),
    "wait_time_seconds": Message("InvalidParameterValue", "Value {value} for parameter WaitTimeSeconds is invalid. "
                                 "Reason: Must be >= 0 and <= 20, if provided."),
    "visibility_timeout": Message("InvalidParameterValue", "Value {value} for parameter VisibilityTimeout is "
                                  "invalid. Reason: Must be between 0 and 43200, if provided."),
    "receipt_handle": Message("ReceiptHandleIsInvalid",
                              'The input receipt handle "{handle}" is not a valid receipt handle.'),
    "receipt_handle_expired": Message("InvalidParameterValue", "Value {handle} for parameter ReceiptHandle is "
                                      "invalid. Reason: The receipt handle has expired."),
    "visibility_change": Message("InvalidParameterValue", "Value {handle} for parameter ReceiptHandle is invalid. "
                                 "Reason: Message does not exist or is not available for visibility timeout change."),
    # The core words these two with the parameter written out.
    "missing_message_body": Message("MissingParameter", "The request must contain the parameter MessageBody."),
    "missing_group_id": Message("MissingParameter", "The request must contain the parameter MessageGroupId."),
    "deduplication_required": Message("InvalidParameterValue", "The queue should either have ContentBasedDeduplication "
                                      "enabled or MessageDeduplicationId provided explicitly"),
    "deduplication_on_standard": Message("InvalidParameterValue", "Value {value} for parameter MessageDeduplicationId "
                                         "is invalid. Reason: The request include parameter that is not valid for "
                                         "this queue type."),
    "visibility_beyond_limit": Message("InvalidParameterValue", "Value {value} for parameter VisibilityTimeout is "
                                       "invalid. Reason: Total VisibilityTimeout for the message is beyond the limit "
                                       "[43200 seconds]."),
    "purge_in_progress": Message("PurgeQueueInProgress",
                                 "Only one PurgeQueue operation on {name} is allowed every 60 seconds."),
    # batches
    "empty_batch": Message("EmptyBatchRequest", "There should be at least one {operation}RequestEntry in the "
                           "request."),
    "batch_entry_id": Message("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, "
                              "hyphens and underscores. It can be at most 80 letters long."),
    "batch_too_many": Message("TooManyEntriesInBatchRequest",
                              "Maximum number of entries per request are {most}. You have sent {count}."),
    "batch_ids_not_distinct": Message("BatchEntryIdsNotDistinct", "Id {id} repeated."),
    "batch_too_long": Message("BatchRequestTooLong",
                              "Batch requests cannot be longer than {most} bytes. You have sent {size} bytes."),
    # message attributes
    "attribute_name_length": Message("InvalidParameterValue",
                                     "Message (user) attribute names must be shorter than 256 Bytes"),
    "attribute_name_characters": Message("InvalidParameterValue", "Message (user) attributes name can only contain "
                                         "upper and lower score characters, digits, periods, hyphens and "
                                         "underscores. "),
    "attribute_name_reserved": Message("InvalidParameterValue", "You can't use message attribute names beginning "
                                       "with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. "
                                       "Additionally, they cannot start or end with '.'."),
    "attribute_type": Message("InvalidParameterValue", "The type of message (user) attribute '{name}' is invalid. "
                              "You must use only the following supported type prefixes: Binary, Number, String."),
    "attribute_empty": Message("InvalidParameterValue", "Message (user) attribute '{name}' must contain a non-empty "
                               "value of type '{type}'."),
    "attribute_number": Message("InvalidParameterValue",
                                "Can't cast the value of message (user) attribute '{name}' to a number."),
    "attribute_count": Message("InvalidParameterValue",
                               "Number of message attributes [{count}] exceeds the allowed maximum [{most}]."),
    "attribute_type_length": Message("InvalidParameterValue",
                                     "Message (user) attribute types must be shorter than 256 Bytes"),
    # tags and permissions (tag shapes are pymsg's words; AWS's are not on record)
    "tags_type": Message("InvalidParameterValue", "Tags must be a mapping of str to str, not {type}."),
    "tag_key": Message("InvalidParameterValue", "Tag key {key} must be a str of 1 to 128 characters."),
    "tag_value": Message("InvalidParameterValue", "Tag value for {key} must be a str of at most 256 characters."),
    "tags_limit": Message("InvalidParameterValue", "Too many tags added for queue {name}."),
    "label": Message("InvalidParameterValue", "Value {label} for parameter Label is invalid. Reason: {reason}."),
    "permission_actions": Message("OverLimit", "{count} Actions were found, maximum allowed is {most}."),
    # message move tasks
    "not_a_dead_letter_queue": Message("InvalidParameterValue",
                                       "Source queue must be configured as a Dead Letter Queue."),
    "task_running": Message("InvalidParameterValue", "There is already a task running. Only one active task is "
                            "allowed for a source queue arn at a given time."),
    "task_handle": Message("InvalidParameterValue", "Value for parameter TaskHandle is invalid."),
    "task_resource_missing": Message("ResourceNotFoundException",
                                     "The resource that you specified for the {name} parameter doesn't exist."),
    "task_missing": Message("ResourceNotFoundException", "Task does not exist."),
    # pymsg's own: the Python API's types and arguments, the broker's quotas and state files, and
    # cases AWS has no recorded words for.
    "str_type": Message("InvalidParameterValue", "{name} must be a str, not {type}."),
    # The braces are the text's, not fields: the core words this one, error() never formats it.
    "attributes_type": Message("InvalidParameterValue", "MessageAttributes must be a dict of name -> {'DataType': ..., "
                               "'StringValue' or 'BinaryValue': ...}, not {type}."),
    "entry_body": Message("MissingParameter", "The request must contain the parameter MessageBody (entry {id})."),
    "queue_name_type": Message("QueueDoesNotExist", "The specified queue does not exist ({value} is not a str)."),
    "queue_restored_over": Message("QueueNameExists", "A queue named {name} already exists."),
    "queue_quota": Message("OverLimit", "Cannot create queue {name}: {count} queues exist under account {account} in "
                           "{region} (a pymsg Broker quota: raise it with Broker(quotas=...) or pymsg serve --quota)."),
    "seconds_type": Message("InvalidAttributeValue",
                            "Invalid value for the parameter {name}: {value} is not a number of seconds."),
    "setting_type": Message("InvalidAttributeValue", "Invalid value for the parameter {name}: must be a str."),
    "dead_letter_queue_type": Message("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy: "
                                      "dead_letter_queue must be a Queue or a queue ARN, not {type}."),
    "max_receive_count_type": Message("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy: "
                                      "maxReceiveCount must be an int (1-1000)."),
    "max_receive_count_alone": Message("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy: "
                                       "max_receive_count needs a dead_letter_queue."),
    "maximum_message_size_type": Message("InvalidAttributeValue", "Invalid value for the parameter "
                                         "MaximumMessageSize: must be an int number of bytes."),
    "redrive_not_allowed": Message("InvalidParameterValue", "Value {arn} for parameter RedrivePolicy is invalid. "
                                   "Reason: Dead-letter target does not allow this queue ({source}) as a source (its "
                                   "RedriveAllowPolicy)."),
    "in_flight_limit": Message("OverLimit", "Too many messages in flight: the queue has {count} messages in flight "
                               "(limit {most})."),
    "message_not_in_flight": Message("MessageNotInflight", "The message referred to by receipt handle {handle} is not "
                                     "in flight: its visibility timeout has already expired."),
    "list_queues_max_results": Message("InvalidParameterValue",
                                       "Value {value} for parameter MaxResults is invalid. Reason: 1 to 1000."),
    "query_numbered": Message("InvalidParameterValue", "Expected numbered members, got {node}."),
    "query_integer": Message("InvalidParameterValue",
                             "Value {value} for parameter {name} is invalid. Reason: must be an integer."),
    "body_not_unicode": Message("InvalidMessageContents",
                                "MessageBody is not valid Unicode (it holds lone surrogates)."),
    "body_type": Message("InvalidParameterValue", "MessageBody must be str or bytes, not {type}."),
    "seconds_not_a_number": Message("InvalidParameterValue", "{name} must be a number of seconds, not {type}."),
    "seconds_out_of_range": Message("InvalidParameterValue", "{name} is out of range."),
    "max_number_of_messages_type": Message("InvalidParameterValue", "Value for parameter MaxNumberOfMessages is "
                                           "invalid. Reason: must be an int between 1 and 10."),
    "attribute_shape": Message("InvalidParameterValue", "Message attribute '{name}' must be a dict with DataType and "
                               "StringValue or BinaryValue."),
    "attribute_binary_type": Message("InvalidParameterValue",
                                     "BinaryValue of message attribute '{name}' must be bytes."),
    "attribute_field": Message("InvalidParameterValue", "Message attribute '{name}' has an unsupported field {field} "
                               "(use DataType, StringValue, BinaryValue; StringListValues and BinaryListValues are "
                               "reserved by AWS)."),
    "attribute_incomplete": Message("InvalidParameterValue",
                                    "Message attribute '{name}' needs a DataType and a StringValue or BinaryValue."),
    "attribute_repeated": Message("InvalidParameterValue", "Message attribute name '{name}' is repeated."),
    "attribute_contents": Message("InvalidMessageContents", "Message attribute '{name}' contains characters outside "
                                  "the allowed set (#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
                                  "#x10FFFF)."),
    "entries_type": Message("InvalidParameterValue", "Entries must be a list of dicts, not {type}."),
    "entries_mixed": Message("InvalidParameterValue", "Entries must be all dicts or all Message objects."),
    "entry_type": Message("InvalidParameterValue", "Each entry must be a dict, not {type}."),
    "entry_key": Message("InvalidParameterValue", "Unknown batch entry key {key}."),
    "entry_id_missing": Message("MissingParameter", "Each entry must have an 'id'."),
    "entry_visibility_missing": Message("MissingParameter",
                                        "Every entry must contain receipt_handle and visibility_timeout."),
    "move_task_types": Message("InvalidParameterValue", "The source and destination queues must be of the same type "
                               "(both FIFO or both standard)."),
    "move_task_rate": Message("InvalidParameterValue", "Value {value} for parameter MaxNumberOfMessagesPerSecond is "
                              "invalid. Reason: must be an integer from 1 to {most}."),
    "move_task_max_results": Message("InvalidParameterValue",
                                     "Value {value} for parameter MaxResults is invalid. Reason: must be between 1 and "
                                     "10."),
    "move_task_arn_type": Message("InvalidParameterValue", "Value for parameter {name} must be a queue ARN."),
}

SNS: dict[str, Message] = {
    "unicode": Message("InvalidParameter", "Invalid parameter: {name} Reason: it holds a lone surrogate at index "
                       "{index}, which is not a Unicode character."),
    # names and ARNs
    "topic_name": Message("InvalidParameter", "Invalid parameter: Topic Name"),
    "arn_elements": Message("InvalidParameter",
                            "Invalid parameter: {name} Reason: An ARN must have at least 6 elements, not {count}"),
    "no_value": Message("InvalidParameter", "Invalid parameter: {name} Reason: no value for required parameter"),
    # another region's ARN ({name} TopicArn), a missing parameter, a bad NextToken
    "parameter": Message("InvalidParameter", "Invalid parameter: {name}"),
    "topic_missing": Message("NotFound", "Topic does not exist"),
    "subscription_missing": Message("NotFound", "Subscription does not exist"),
    "subscription_id": Message("InvalidParameter", "Invalid parameter: SubscriptionId"),
    "resource_missing": Message("ResourceNotFound", "Resource does not exist"),
    # attributes
    "attribute_name": Message("InvalidParameter", "Invalid parameter: {reason}AttributeName"),
    "topic_attributes_differ": Message("InvalidParameter", "Invalid parameter: Attributes Reason: Topic already "
                                       "exists with different attributes"),
    "topic_tags_differ": Message("InvalidParameter",
                                 "Invalid parameter: Tags Reason: Topic already exists with different tags"),
    "subscription_attributes_differ": Message("InvalidParameter", "Invalid parameter: Attributes Reason: "
                                              "Subscription already exists with different attributes"),
    "raw_delivery_value": Message("InvalidParameter",
                                  "Invalid parameter: {reason}RawMessageDelivery: Invalid value [{value}]. Must be true "
                                  "or false."),
    "raw_delivery_protocol": Message("InvalidParameter", "Invalid parameter: {reason}Delivery protocol [{protocol}] "
                                     "does not support raw message delivery."),
    "filter_policy_scope": Message("InvalidParameter", "Invalid parameter: {reason}FilterPolicyScope: Invalid value "
                                   "[{value}]. Please use either MessageBody or MessageAttributes"),
    "redrive_arn": Message("InvalidParameter",
                           "Invalid parameter: {reason}RedrivePolicy: deadLetterTargetArn is an invalid arn"),
    "redrive_json": Message("InvalidParameter", "Invalid parameter: {reason}RedrivePolicy: failed to parse JSON."),
    "fifo_dead_letter_queue": Message("InvalidParameter", "Invalid parameter: {reason}RedrivePolicy: must use a FIFO "
                                      "queue as DLQ for a FIFO Subscription to a FIFO Topic."),
    "delivery_policy_json": Message("InvalidParameter",
                                    "Invalid parameter: {reason}DeliveryPolicy: failed to parse JSON."),
    # {why}: the core's reason, as AWS words it ("Filter policy is too complex", "failed to parse JSON. ...");
    # Subscribe words them as one of its Attributes
    "filter_policy": Message("InvalidParameter", "Invalid parameter: FilterPolicy: {why}"),
    "filter_policy_on_subscribe": Message("InvalidParameter",
                                          "Invalid parameter: Attributes Reason: FilterPolicy: {why}"),
    "filter_policy_nested": Message("InvalidParameter", "Invalid parameter: Filter policy scope MessageAttributes "
                                    "does not support nested filter policy"),
    "filter_policy_nested_on_subscribe": Message("InvalidParameter", "Invalid parameter: Attributes Reason: Filter "
                                                 "policy scope MessageAttributes does not support nested filter policy"),
    "sample_rate": Message("InvalidParameter",
                           "Invalid parameter: {name}: {value} value provided is not an integer between 0-100"),
    # subscribe and confirm
    "protocol": Message("InvalidParameter",
                        "Invalid parameter: Amazon SNS does not support this protocol string: {protocol}"),
    "endpoint_protocol": Message("InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol"),
    "sqs_endpoint": Message("InvalidParameter", "Invalid parameter: SQS endpoint ARN"),
    "application_endpoint": Message("InvalidParameter", "Invalid parameter: Endpoint Reason: Endpoint does not exist "
                                    "for endpoint arn{endpoint}"),  # no space: AWS's words
    "fifo_queue_on_standard_topic": Message("InvalidParameter", "Invalid parameter: Invalid parameter: Endpoint "
                                            "Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"),
    "sms_endpoint": Message("InvalidParameter", "Invalid SMS endpoint: {endpoint}"),
    "email_endpoint": Message("InvalidParameter", "Invalid parameter: Email address"),
    "invalid_token": Message("InvalidParameter", "Invalid token"),
    "unknown_token": Message("InvalidParameter", "Invalid parameter: Token"),
    "token_topic": Message("InvalidParameter", "Invalid parameter: Topic"),
    # permissions and tags
    "statement_exists": Message("InvalidParameter", "Invalid parameter: Statement already exists"),
    "action_scope": Message("InvalidParameter", "Invalid parameter: Policy statement action out of service scope!"),
    "duplicate_tag_keys": Message("InvalidParameter", "Invalid parameter: Duplicated keys are not allowed."),
    "tag_key_length": Message("ValidationError", "1 validation error detected: Value '{key}' at "
                              "'tags.{index}.member.key' failed to satisfy constraint: Member must have length less "
                              "than or equal to 128"),
    "tag_quota": Message("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded"),
    "tags_type": Message("InvalidParameter", "Invalid parameter: Tags Reason: must be a mapping of str to str, not "
                         "{type}."),
    "tag_key": Message("InvalidParameter", "Invalid parameter: Tags Reason: tag key {key} must be a str of 1 to 128 "
                       "characters."),
    "tag_value": Message("InvalidParameter", "Invalid parameter: Tags Reason: the value for {key} must be a str of at "
                         "most 256 characters."),
    # publish
    "empty_message": Message("InvalidParameter", "Invalid parameter: Empty message"),
    "message_too_long": Message("InvalidParameter", "Invalid parameter: Message too long"),
    "subject": Message("InvalidParameter", "Invalid parameter: Subject"),
    "structure_parse": Message("InvalidParameter",
                               "Invalid parameter: Message Structure - JSON message body failed to parse"),
    "structure_default": Message("InvalidParameter",
                                 "Invalid parameter: Message Structure - No default entry in JSON message body"),
    "group_id_required": Message("InvalidParameter",
                                 "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"),
    "deduplication_required": Message("InvalidParameter", "Invalid parameter: The topic should either have "
                                      "ContentBasedDeduplication enabled or MessageDeduplicationId provided "
                                      "explicitly"),
    "deduplication_on_standard": Message("InvalidParameter", "Invalid parameter: MessageDeduplicationId Reason: The "
                                         "request includes MessageDeduplicationId parameter that is not valid for "
                                         "this topic type"),
    "phone_number": Message("InvalidParameter",
                            "Invalid parameter: PhoneNumber Reason: {number} is not valid to publish to"),
    "phone_number_format": Message("InvalidParameter",
                                   "Invalid parameter: PhoneNumber Reason: input incorrectly formatted"),
    "target_endpoint": Message("InvalidParameter",
                               "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified"),
    "endpoint_disabled": Message("EndpointDisabled", "Endpoint is disabled"),
    # message attributes
    "attribute_type": Message("ParameterValueInvalid", "The message attribute '{name}' has an invalid message "
                              "attribute type, the set of supported type prefixes is Binary, Number, and String."),
    "attribute_empty": Message("ParameterValueInvalid", "The message attribute '{name}' must contain non-empty "
                               "message attribute value for message attribute type '{type}'."),
    "attribute_field": Message("ParameterValueInvalid",
                               "The message attribute '{name}' with type '{type}' must use field '{field}'."),
    "attribute_number": Message("ParameterValueInvalid", "Could not cast message attribute '{name}' value to number."),
    "attribute_data_type": Message("ValidationError", "1 validation error detected: Value null at "
                                   "'{path}.{name}.member.dataType' failed to satisfy constraint: Member must not be "
                                   "null"),
    "attribute_name_length": Message("ParameterValueInvalid",
                                     "Length of message attribute name must be less than 256 bytes."),
    "attribute_name_character": Message("ParameterValueInvalid", "Invalid non-alphanumeric character '{code}' was "
                                        "found in the message attribute name. Can only include alphanumeric "
                                        "characters, hyphens, underscores, or dots."),
    "attribute_name_start": Message("ParameterValueInvalid",
                                    "Invalid message attribute name starting with character '.' was found."),
    "attribute_name_end": Message("ParameterValueInvalid",
                                  "Invalid message attribute name ending with character '.' was found."),
    "attribute_name_dots": Message("ParameterValueInvalid",
                                   "Message attribute name can not have successive '.' character."),
    # batches
    "batch_too_many": Message("TooManyEntriesInBatchRequest",
                              "The batch request contains more entries than permissible."),
    "batch_empty": Message("EmptyBatchRequest", "The batch request doesn't contain any entries."),
    "batch_ids_not_distinct": Message("BatchEntryIdsNotDistinct",
                                      "Two or more batch entries in the request have the same Id."),
    "batch_too_long": Message("BatchRequestTooLong",
                              "The length of all the messages put together is more than the limit."),
    "batch_id_character": Message("InvalidBatchEntryId", "The Id of a batch entry in the batch request contains an "
                                  "impermissible character: {id}"),
    "batch_id_too_long": Message("InvalidBatchEntryId", "The Id of a batch entry in the batch request is too long: "
                                 "{id}"),
    "batch_id_invalid": Message("InvalidBatchEntryId",
                                "The Id of a batch entry in a batch request doesn't abide by the specification."),
    # mobile push
    "application_missing": Message("NotFound", "PlatformApplication does not exist"),
    "endpoint_missing": Message("NotFound", "Endpoint does not exist"),
    "endpoint_token": Message("InvalidParameter", "Invalid parameter: Token Reason: Endpoint {arn} already exists "
                              "with the same Token, but different attributes."),
    "platform": Message("InvalidParameter", "Invalid parameter: Platform Reason: {platform} is not supported"),
    # quotas (the broker's topics and fifo_topics quotas)
    "topic_limit": Message("TopicLimitExceeded", "Topic limit exceeded"),
    # pymsg's own: the Python API's types and settings AWS has no answer for
    "topic_name_type": Message("InvalidParameter", "Invalid parameter: Topic Name must be a str, not {type}."),
    "topic_attribute_unknown": Message("InvalidParameter",
                                       "Invalid parameter: Attributes Reason: unknown attribute {name}."),
    "content_based_deduplication_standard": Message("InvalidParameter", "Invalid parameter: Attributes Reason: "
                                                    "ContentBasedDeduplication is for FIFO topics only"),
    "content_based_deduplication": Message("InvalidParameter", "Invalid parameter: ContentBasedDeduplication Reason: "
                                           "true or false, for FIFO topics only"),
    "display_name": Message("InvalidParameter", "Invalid parameter: DisplayName (at most 100 characters)"),
    "topic_attribute_value": Message("InvalidParameter", "Invalid parameter: {name} Reason: {reason}"),
    "subscription_arn_type": Message("InvalidParameter", "Invalid parameter: SubscriptionArn must be a str, not "
                                     "{type}."),
    "attributes_mapping": Message("InvalidParameter", "Invalid parameter: Attributes Reason: must be a mapping of "
                                  "attribute names to values, not {type}."),
    "attribute_types": Message("InvalidParameter", "Invalid parameter: AttributeName and AttributeValue must be str."),
    "tag_keys": Message("InvalidParameter", "Invalid parameter: TagKeys needs at least one str."),
    "tag_keys_str": Message("InvalidParameter", "Invalid parameter: TagKeys must be a list of str, not a str."),
    "endpoint_type": Message("InvalidParameter",
                             "Invalid parameter: Endpoint must be a Queue, a callable or an http(s) URL, not {endpoint}."),
    "protocol_unsupported": Message("InvalidParameter", "Invalid parameter: Protocol {protocol} (pymsg delivers to "
                                    "Python callables in process; it cannot call AWS Lambda or Firehose)"),
    "fifo_topic_protocol": Message("InvalidParameter", "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO "
                                   "topics accept only sqs subscriptions (got {protocol})."),
    "filter_policy_scope_type": Message("InvalidParameter", "Invalid parameter: FilterPolicyScope must be a str."),
    "filter_policy_scope_value": Message("InvalidParameter", "Invalid parameter: FilterPolicyScope: Invalid value "
                                         "[{scope}]. Please use either MessageBody or MessageAttributes"),
    "filter_policy_type": Message("InvalidParameter", "Invalid parameter: FilterPolicy must be a dict or a JSON str."),
    "delivery_policy_type": Message("InvalidParameter", "Invalid parameter: {reason}DeliveryPolicy: must be a JSON "
                                    "object."),
    "dead_letter_queue_type": Message("InvalidParameter", "Invalid parameter: RedrivePolicy: dead_letter_queue must be "
                                      "a Queue or an SQS queue ARN."),
    "message_type": Message("InvalidParameter", "Invalid parameter: {name} must be a str, not {type}."),
    "message_structure_value": Message("InvalidParameter",
                                       "Invalid parameter: MessageStructure must be 'json' or None."),
    "batch_entries_type": Message("InvalidParameter",
                                  "Invalid parameter: PublishBatchRequestEntries must be a list of dicts."),
    "batch_entry_key": Message("InvalidParameter", "Invalid parameter: unknown entry key {key}."),
    # MessageAttributes of the wrong shape (the core's words; the braces are literal, not fields)
    "attributes_type": Message("InvalidParameterValue",
                               "MessageAttributes must be a dict of name -> {'DataType': ..., ...}."),
    "attribute_shape": Message("InvalidParameterValue", "Each message attribute is name -> {'DataType': ..., "
                               "'StringValue' | 'BinaryValue': ...}."),
    "attribute_field_type": Message("InvalidParameterValue",
                                    "Message attribute '{name}' has an unsupported or mistyped field '{field}'."),
    "endpoint_token_empty": Message("InvalidParameter", "Invalid parameter: Token Reason: Token must be a non-empty str"),
}

KINESIS: dict[str, Message] = {
    "unicode": Message("ValidationException", "1 validation error detected: Value at '{name}' failed to satisfy "
                       "constraint: Member must hold Unicode characters only (a lone surrogate at index {index})."),
    "stream_missing": Message("ResourceNotFoundException", "Stream {name} under account {account} not found."),
    "shard_missing": Message("ResourceNotFoundException",
                             "Could not find shard {shard} in stream {name} under account {account}."),
    "shard_closed": Message("InvalidArgumentException", "Shard {shard} in stream {name} under account {account} has "
                            "already been merged or split, and thus is not eligible for merging or splitting."),
    "on_demand": Message("ValidationException",
                         "Request is invalid. Stream {name} under account {account} is in On-Demand mode."),
    "scale_up": Message("LimitExceededException", "UpdateShardCount cannot scale up over double your current open "
                        "shard count. Current open shard count: {current}, Target shard count: {target}"),
    "scale_down": Message("LimitExceededException", "UpdateShardCount cannot scale down below half your current "
                          "open shard count. Current open shard count: {current}, Target shard count: {target}"),
    "shard_count_required": Message("InvalidArgumentException",
                                    "ShardCount cannot be null when creating stream in PROVISIONED StreamMode"),
    "encryption_type": Message("InvalidArgumentException", "KMS is the only valid EncryptionType for this request."),
    "consumer_missing": Message("ResourceNotFoundException", "Consumer {name}, account {account} not found."),
    "invalid_iterator": Message("InvalidArgumentException", "Invalid ShardIterator."),
    "iterator_shard_missing": Message("ResourceNotFoundException",
                                      "Shard {shard} in stream {name} under account {account} does not exist"),
    "partition_key_long": Message("ValidationException", "1 validation error detected: Value '{key}' at "
                                  "'{at}partitionKey' failed to satisfy constraint: Member must have length less than "
                                  "or equal to 256"),
    "partition_key_short": Message("ValidationException", "1 validation error detected: Value '{key}' at "
                                   "'{at}partitionKey' failed to satisfy constraint: Member must have length greater "
                                   "than or equal to 1"),
    "stream_exists": Message("ResourceInUseException", "Stream {name} under account {account} already exists."),
    "iterator_type": Message("ValidationException", "1 validation error detected: Value '{value}' at "
                             "'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: "
                             "[AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"),
    "sequence_number_required": Message("InvalidArgumentException", "Must specify StartingSequenceNumber for iterator "
                                        "type AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER."),
    "timestamp_required": Message("InvalidArgumentException",
                                  "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP."),
    "iterator_expired": Message("ExpiredIteratorException", "Iterator expired. The iterator was created at time "
                                "{issued} (epoch ms) while right now it is {now} which is further in the future than "
                                "the tolerated delay of 300000 milliseconds."),
    "explicit_hash_key": Message("InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the "
                                 "range [0, 2^128-1]. Specified value was {value}"),
    "records_size": Message("InvalidArgumentException", "Records size exceeds {most} MB limit"),
    "split_key_range": Message("InvalidArgumentException", "NewStartingHashKey {key} used in SplitShard() on shard "
                               "{shard} in stream {name} under account {account} is not both greater than one plus the "
                               "shard's StartingHashKey {start} and less than the shard's EndingHashKey {end}."),
    "not_adjacent": Message("InvalidArgumentException", "Shards {first} and {second} in stream {name} under account "
                            "{account} are not an adjacent pair of shards eligible for merging"),
    "retention_too_long": Message("InvalidArgumentException", "Maximum allowed retention period is 8760 hours. "
                                  "Requested retention period ({hours} hours) is too long."),
    "retention_too_short": Message("InvalidArgumentException", "Minimum allowed retention period is 24 hours. "
                                   "Requested retention period ({hours} hours) is too short."),
    "retention_decrease": Message("InvalidArgumentException", "Requested retention period ({hours} hours) for stream "
                                  "{name} can not be shorter than existing retention period ({current} hours). Use "
                                  "DecreaseRetentionPeriod API."),
    "retention_increase": Message("InvalidArgumentException", "Requested retention period ({hours} hours) for stream "
                                  "{name} can not be longer than existing retention period ({current} hours). Use "
                                  "IncreaseRetentionPeriod API."),
    "data_too_long": Message("ValidationException", "1 validation error detected: Value "
                             "'java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]' at '{at}data' failed to satisfy "
                             "constraint: Member must have length less than or equal to {most}"),
    # streams (the C++ core words these)
    "stream_name": Message("ValidationException", "1 validation error detected: Value '{name}' at 'streamName' failed "
                           "to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    "stream_name_length": Message("ValidationException", "1 validation error detected: Value '{name}' at 'streamName' "
                                  "failed to satisfy constraint: Member must have length less than or equal to 128"),
    "stream_mode": Message("ValidationException", "1 validation error detected: Value '{value}' at "
                           "'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum "
                           "value set: [PROVISIONED, ON_DEMAND]"),
    "shard_count_least": Message("ValidationException", "1 validation error detected: Value '{value}' at 'shardCount' "
                                 "failed to satisfy constraint: Member must have value greater than or equal to 1"),
    "max_record_size_least": Message("ValidationException", "1 validation error detected: Value '{value}' at "
                                     "'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value "
                                     "greater than or equal to 1024"),
    "max_record_size_most": Message("ValidationException", "1 validation error detected: Value '{value}' at "
                                    "'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less "
                                    "than or equal to 10240"),
    "shard_limit": Message("LimitExceededException", "This request would exceed the shard limit for the account "
                           "{account}: {open} open shards and {more} more asked for, {limit} allowed."),
    "stream_name_empty": Message("ValidationException", "2 validation errors detected: Value '' at 'streamName' failed "
                                 "to satisfy constraint: Member must satisfy regular expression pattern: "
                                 "[a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to satisfy constraint: Member must "
                                 "have length greater than or equal to 1"),
    # tags (the shapes in pymsg's words; AWS's are not on record)
    "tags_type": Message("InvalidArgumentException", "Tags must be a mapping of str to str, not {type}."),
    "tag_key": Message("InvalidArgumentException", "Tag key {key} must be a str of 1 to 128 characters."),
    "tag_value": Message("InvalidArgumentException", "Tag value for {key} must be a str of at most 256 characters."),
    "tags_limit": Message("InvalidArgumentException", "Failed to add tags to stream {name} under account {account} "
                          "because a given stream cannot have more than {limit} tags."),
    # records
    "rate_exceeded": Message("ProvisionedThroughputExceededException",
                             "Rate exceeded for shard {shard} in stream {name} under account {account}."),
    "records_empty": Message("ValidationException", "1 validation error detected: Value at 'records' failed to satisfy "
                             "constraint: Member must have length greater than or equal to 1"),
    "records_too_many": Message("ValidationException", "1 validation error detected: Value at 'records' failed to "
                                "satisfy constraint: Member must have length less than or equal to {most}"),
    # {0,128} is the pattern's, not a field: the core words this one, error() never formats it.
    "sequence_number_for_ordering": Message("ValidationException", "1 validation error detected: Value '{value}' at "
                                            "'{at}sequenceNumberForOrdering' failed to satisfy constraint: Member "
                                            "must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"),
    # iterators
    "sequence_number_not_allowed": Message("InvalidArgumentException", "Request must not contain StartingSequenceNumber "
                                           "unless the iterator type is AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER."),
    "timestamp_not_allowed": Message("InvalidArgumentException",
                                     "Request must not contain a Timestamp unless the iterator type is AT_TIMESTAMP."),
    "sequence_number_invalid": Message("InvalidArgumentException", "StartingSequenceNumber {number} used in "
                                       "GetShardIterator on shard {shard} in stream {name} under account {account} is "
                                       "invalid."),
    "get_records_limit": Message("InvalidArgumentException", "1 validation error detected: Value at 'limit' failed to "
                                 "satisfy constraint: Member must have value between 1 and {most}"),
    # resharding
    "hash_key": Message("InvalidArgumentException",
                        "NewStartingHashKey {key} is not a decimal integer in [0, 2^128-1]."),
    "merge_closed_shard": Message("ResourceInUseException", "Shard {shard} in stream {name} under account {account} "
                                  "has already been merged or split, and thus is not eligible for merging or "
                                  "splitting."),
    "target_shard_count_least": Message("ValidationException", "1 validation error detected: Value '{value}' at "
                                        "'targetShardCount' failed to satisfy constraint: Member must have value "
                                        "greater than or equal to 1"),
    "shard_count_most": Message("LimitExceededException", "Target shard count or number of open shards cannot be "
                                "greater than {most}. Current open shard count: {current}, Target shard count: "
                                "{target}"),
    "next_token_and_stream_name": Message("InvalidArgumentException",
                                          "NextToken and StreamName cannot be provided together."),
    # the service model's constraints, as AWS words them ({at} is the member's path, lowerCamelCase)
    "not_null": Message("ValidationException", "1 validation error detected: Value null at '{at}' failed to satisfy "
                        "constraint: Member must not be null"),
    "length_least": Message("ValidationException", "1 validation error detected: Value '{value}' at '{at}' failed to "
                            "satisfy constraint: Member must have length greater than or equal to {least}"),
    "length_most": Message("ValidationException", "1 validation error detected: Value '{value}' at '{at}' failed to "
                           "satisfy constraint: Member must have length less than or equal to {most}"),
    "value_least": Message("ValidationException", "1 validation error detected: Value '{value}' at '{at}' failed to "
                           "satisfy constraint: Member must have value greater than or equal to {least}"),
    "value_most": Message("ValidationException", "1 validation error detected: Value '{value}' at '{at}' failed to "
                          "satisfy constraint: Member must have value less than or equal to {most}"),
    "pattern": Message("ValidationException", "1 validation error detected: Value '{value}' at '{at}' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: {pattern}"),
    "enum": Message("ValidationException", "1 validation error detected: Value '{value}' at '{at}' failed to satisfy "
                    "constraint: Member must satisfy enum value set: [{values}]"),
    "metrics_enum": Message("ValidationException", "1 validation error detected: Value '[{value}]' at "
                            "'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: [Member "
                            "must satisfy enum value set: [{values}]]"),
    # pymsg's own: pymsg's Python API (types, the KCL-style consumer), what pymsg does not serve,
    # and refusals AWS makes in words not on record
    "data_type": Message("InvalidArgumentException", "Data must be bytes, bytearray or str, not {type}."),
    "records_type": Message("InvalidArgumentException", "Records must be a list, not {type}."),
    "record_type": Message("InvalidArgumentException",
                           "Each record must be a (data, partition_key) tuple or a dict, not {type}."),
    "record_key": Message("InvalidArgumentException",
                          "Unknown record key {key} (use data, partition_key, explicit_hash_key)."),
    "record_fields": Message("InvalidArgumentException", "Each record needs data and partition_key."),
    "retention_out_of_range": Message("InvalidArgumentException", "RetentionPeriodHours {hours} is out of range: it "
                                      "must be {low} to {high} hours."),
    "on_demand_limit": Message("LimitExceededException", "Cannot create ON_DEMAND stream {name}: the account has "
                               "{count} ON_DEMAND streams, the most allowed under account {account} in {region} (a "
                               "pymsg Broker quota: raise it with Broker(quotas=...) or pymsg serve --quota)."),
    "scalings_per_day": Message("LimitExceededException", "Stream {name} under account {account} has already been "
                                "scaled {count} times in the last 24 hours."),
    "consumer_exists": Message("ResourceInUseException",
                               "Consumer {name} under stream {stream} already exists for account {account}."),
    "consumer_limit": Message("LimitExceededException",
                              "Consumer limit of {most} reached for stream {name} under account {account}."),
    "consumer_selector": Message("InvalidArgumentException",
                                 "Either ConsumerARN or both ConsumerName and StreamARN must be provided."),
    "next_token": Message("InvalidArgumentException", "Invalid NextToken: {token}."),
    "shard_filter": Message("InvalidArgumentException", "ShardFilter type {kind} is not served by pymsg "
                            "(AFTER_SHARD_ID, AT_LATEST, AT_TRIM_HORIZON and FROM_TRIM_HORIZON are)."),
    "base64": Message("ValidationException", "1 validation error detected: Value at 'data' is not valid base64."),
    "cbor_tag": Message("ValidationException", "1 validation error detected: CBOR tag {tag} is not served."),
    "wrong_type": Message("ValidationException",
                          "1 validation error detected: Value at '{at}' must be {kind}, not {type}."),  # "a str"
    "stream_name_type": Message("ResourceNotFoundException", "Stream {name} not found (a stream name must be a str)."),
    "timestamp_type": Message("InvalidArgumentException",
                              "Timestamp must be epoch seconds or a datetime, not {type}."),
    "sequence_number_type": Message("InvalidArgumentException",
                                    "StartingSequenceNumber must be a str of decimal digits."),
    "hash_key_type": Message("InvalidArgumentException", "A hash key must be a decimal str or an int, not {type}."),
    "application_name": Message("InvalidArgumentException", "application_name must be a non-empty str."),
    "processor": Message("InvalidArgumentException", "processor must be a callable(records, context), not {type}."),
    "initial_position": Message("InvalidArgumentException", "initial_position must be TRIM_HORIZON or LATEST."),
    "lease_duration": Message("InvalidArgumentException", "lease_duration must be a positive number of seconds."),
}

# The cache (ElastiCache's engines): Redis's words where Redis has an answer.
CACHE: dict[str, Message] = {
    "unicode": Message("InvalidParameterValue", "{name} holds a lone surrogate at index {index}, which is not a "
                       "Unicode character."),
    # Redis's replies
    "oom": Message("OutOfMemoryError", "OOM command not allowed when used memory > 'maxmemory'."),
    "not_an_integer": Message("InvalidParameterValue", "ERR value is not an integer or out of range"),
    "increment_overflow": Message("InvalidParameterValue", "ERR increment or decrement would overflow"),
    "invalid_expire_time": Message("InvalidParameterValue", "ERR invalid expire time in '{command}' command"),
    "syntax_error": Message("InvalidParameterValue", "ERR syntax error"),  # SET's NX with XX
    # ElastiCache's control plane
    "cache_not_found": Message("CacheClusterNotFound", "CacheCluster not found: {name}"),
    "cache_exists": Message("CacheClusterAlreadyExists", "Cache cluster already exists"),
    # pymsg's own: the Python API's types, pymsg's size limits and the cache's settings
    "cache_name": Message("InvalidParameterValue", "A cache name must have 1 to 40 characters (got '{name}')."),
    "eviction_policy": Message("InvalidParameterValue", "Unknown eviction policy '{policy}' (use allkeys-lru, "
                               "volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, "
                               "volatile-ttl or noeviction)."),
    "key_type": Message("InvalidParameterValue", "Cache keys are str or bytes, not {type}."),
    "callable": Message("InvalidParameterValue", "{name} must be callable, not {type}."),
    "mget_keys": Message("InvalidParameterValue", "mget takes a sequence of keys, not {type}."),
    "key_unicode": Message("InvalidParameterValue", "A cache key must be valid Unicode (it holds lone surrogates)."),
    "key_too_long": Message("InvalidParameterValue", "Cache keys are at most {most} bytes (got {size})."),
    "value_type": Message("InvalidParameterValue", "Cache values are bytes, not {type} (create the cache with "
                          "codec='msgpack' to store other values)."),
    "value_too_long": Message("InvalidParameterValue", "Cache values are at most {most} bytes (got {size})."),
    "mset_mapping": Message("InvalidParameterValue", "mset takes a dict of key -> bytes, not {type}."),
    "incr_codec": Message("InvalidParameterValue",
                          "incr works on caches without a codec (values are decimal strings there)."),
    "msgpack_value": Message("InvalidParameterValue", "The value cannot be packed with msgpack: {reason}."),
    "cache_name_type": Message("InvalidParameterValue", "A cache name must be a str, not {type}."),
    "codec": Message("InvalidParameterValue", "Unknown codec {codec} (use None or 'msgpack')."),
    "default_ttl": Message("InvalidParameterValue",
                           "default_ttl must be a positive number of seconds or None, not {ttl}."),
    "eviction_policy_type": Message("InvalidParameterValue", "eviction_policy must be a str, not {type}."),
    "cache_limit": Message("InvalidParameterValue", "{name} must be a positive int or None, not {value}."),
}

# pymsg's own: the broker's lookups and settings, quotas, clocks and state files, which have no
# AWS counterpart.
BROKER: dict[str, Message] = {
    # pymsg's own
    # scopes
    "account_id": Message("InvalidParameterValue", "An account id is 12 digits, not {value}."),
    "no_such_scope": Message("InvalidParameterValue", "No such account and region: {account}, {region} (an account "
                             "is 12 digits, a region like us-west-2)."),
    # quotas
    "quotas_type": Message("InvalidParameterValue", "quotas must be a mapping of quota names to counts, not {type}."),
    "quota_name_type": Message("InvalidParameterValue", "Quota names are str (queues, topics, fifo_topics, "
                               "on_demand_streams, shards), not {name}."),
    "quota_value": Message("InvalidParameterValue", "Quota {name} must be a count from 0 to 2**32 - 1, not {value}."),
    "unknown_quota": Message("InvalidParameterValue", "Unknown quota {name} (quotas are {known})."),
    # clocks
    "clock_advance": Message("InvalidParameterValue", "ManualClock.advance: seconds must be >= 0"),
    "clock_backwards": Message("InvalidParameterValue",
                               "ManualClock.set: time cannot move backwards (timers never run backwards)"),
    # state files and the core's dumps ({what}: "state file", "queue snapshot", ...)
    "not_a_snapshot": Message("InvalidParameterValue", "Not a pymsg {what}: {why}."),
    "state_format": Message("InvalidParameterValue",
                            "pymsg state format {format} is not {expected}; this pymsg cannot read it."),
    "state_scope": Message("InvalidParameterValue", "The state was saved for {key} {saved}, not {value}."),
    "state_clash": Message("InvalidParameterValue", "Cannot restore {kind} {name}: the broker already has one."),
    # data directories
    "fsync_policy": Message("InvalidParameterValue", "fsync must be 'always', 'everysec' or 'no', not {value}."),
    "http_targets_allow": Message("InvalidParameterValue", "allow must be a list of networks (\"10.0.0.0/8\"), "
                                  "not {value}."),
    "http_targets_network": Message("InvalidParameterValue", "{value} is not an IP network (\"169.254.0.0/16\", "
                                    "\"fd00::/8\") or address."),
    "http_targets_type": Message("InvalidParameterValue", "http_targets must be a pymsg.HttpTargets, not {type}."),
    "data_dir_type": Message("InvalidParameterValue", "data_dir must be a path (str or os.PathLike), not {type}."),
    "segment_bytes": Message("InvalidParameterValue", "segment_bytes must be an int from 4096 to 2**40, not {value}."),
    "auto_checkpoint_bytes": Message("InvalidParameterValue",
                                     "auto_checkpoint_bytes must be an int of 0 (never) or more, not {value}."),
}

# SigV4 checks (pymsg serve --verify-signatures), in the words AWS's endpoints use.
AUTH: dict[str, Message] = {
    "missing_token": Message("MissingAuthenticationToken", "Request is missing Authentication Token"),
    "both_forms": Message("SignatureDoesNotMatch", "Found both 'X-Amz-Algorithm' as a query-string param and "
                          "'Authorization' as HTTP header."),
    # {missing}: "AWS query-string parameters must include 'X-Amz-Date'. " for each one missing
    "incomplete_query": Message("IncompleteSignature", "{missing}Re-examine the query-string parameters."),
    # {requirements}: what is missing, joined by ". Authorization header requires ", as AWS lists them
    "incomplete_authorization": Message("IncompleteSignature",
                                        "Authorization header requires {requirements}. Authorization={authorization}"),
    "missing_equal_sign": Message("IncompleteSignature", "'{pair}' not a valid key=value pair (missing equal-sign) in "
                                  "Authorization header: '{authorization}'."),
    # AWS ends this one with a space
    "unsupported_algorithm": Message("IncompleteSignature", "Unsupported AWS 'algorithm': '{algorithm}' (only "
                                     "AWS4-HMAC-SHA256 for now). "),
    "credential_elements": Message("IncompleteSignature", "Credential must have exactly 5 slash-delimited elements, "
                                   "e.g. keyid/date/region/service/term, got '{credential}'"),
    # The four parts of a credential scope; a scope wrong in several gets their messages in one, in
    # this order (AWS ends the first three with a space).
    "scope_region": Message("SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '{region}'. "),
    "scope_service": Message("SignatureDoesNotMatch", "Credential should be scoped to correct service: '{service}'. "),
    "credential_terminator": Message("SignatureDoesNotMatch", "Credential should be scoped with a valid terminator: "
                                     "'aws4_request', not '{terminator}'. "),
    "credential_date": Message("SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from "
                               "ISO-8601 version of date from HTTP: '{date}' != '{expected}', from '{amz_date}'."),
    "credential_scope": Message("SignatureDoesNotMatch", "{wrong}"),  # two or more of the four above, run together
    "invalid_token": Message("InvalidClientTokenId", "The security token included in the request is invalid."),
    "date_format": Message("IncompleteSignature", "Date must be in ISO-8601 'basic format'. Got '{date}'. See "
                           "http://en.wikipedia.org/wiki/ISO_8601"),
    "host_not_signed": Message("SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization."),
    "signature_mismatch": Message("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                                  "signature you provided. Check your AWS Secret Access Key and signing method. "
                                  "Consult the service documentation for details."),
    "signature_expired": Message("SignatureDoesNotMatch",
                                 "Signature expired: {date} is now earlier than {earliest} ({now} - 15 min.)"),
    "signature_not_yet_current": Message("SignatureDoesNotMatch",
                                         "Signature not yet current: {date} is still later than {latest} ({now} + 15 "
                                         "min.)"),
    # S3's words (XAmzContentSHA256Mismatch); the other services check the body through the signature
    "payload_hash": Message("SignatureDoesNotMatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed."),
}

TABLES: dict[str, dict[str, Message]] = {"SQS": SQS, "SNS": SNS, "KINESIS": KINESIS, "CACHE": CACHE,
                                         "BROKER": BROKER, "AUTH": AUTH}
