"""AWS's error messages, verbatim: one table per service.

Each entry names an error pymsg raises where AWS refuses a call: the AWS error code (the
pymsg exception of that name) and AWS's message, with ``{field}`` where AWS puts a value.
The Python layers raise through :func:`error`; the C++ core words the same messages itself
(it raises before Python sees the call), and ``tests/test_aws_message_table.py`` makes every
entry happen and checks the words, so the table and the core cannot drift apart. A message
not here is pymsg's own: a Python type error, or something AWS has no answer for.

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


SQS: dict[str, Message] = {
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
    # batches
    "empty_batch": Message("EmptyBatchRequest", "There should be at least one {operation}RequestEntry in the "
                           "request."),
    "batch_entry_id": Message("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, "
                              "hyphens and underscores. It can be at most 80 letters long."),
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
    # tags and permissions
    "label": Message("InvalidParameterValue", "Value {label} for parameter Label is invalid. Reason: {reason}."),
    # message move tasks
    "not_a_dead_letter_queue": Message("InvalidParameterValue",
                                       "Source queue must be configured as a Dead Letter Queue."),
    "task_running": Message("InvalidParameterValue", "There is already a task running. Only one active task is "
                            "allowed for a source queue arn at a given time."),
    "task_handle": Message("InvalidParameterValue", "Value for parameter TaskHandle is invalid."),
    "task_resource_missing": Message("ResourceNotFoundException",
                                     "The resource that you specified for the {name} parameter doesn't exist."),
    "task_missing": Message("ResourceNotFoundException", "Task does not exist."),
}

SNS: dict[str, Message] = {
    # names and ARNs
    "topic_name": Message("InvalidParameter", "Invalid parameter: Topic Name"),
    "arn_elements": Message("InvalidParameter",
                            "Invalid parameter: {name} Reason: An ARN must have at least 6 elements, not {count}"),
    "no_value": Message("InvalidParameter", "Invalid parameter: {name} Reason: no value for required parameter"),
    "arn_region": Message("InvalidParameter", "Invalid parameter: {name}"),
    "topic_missing": Message("NotFound", "Topic does not exist"),
    "subscription_missing": Message("NotFound", "Subscription does not exist"),
    "subscription_id": Message("InvalidParameter", "Invalid parameter: SubscriptionId"),
    "resource_missing": Message("ResourceNotFound", "Resource does not exist"),
    # attributes
    "attribute_name": Message("InvalidParameter", "Invalid parameter: AttributeName"),
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
    # subscribe and confirm
    "protocol": Message("InvalidParameter",
                        "Invalid parameter: Amazon SNS does not support this protocol string: {protocol}"),
    "endpoint_protocol": Message("InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol"),
    "sqs_endpoint": Message("InvalidParameter", "Invalid parameter: SQS endpoint ARN"),
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
    # mobile push
    "application_missing": Message("NotFound", "PlatformApplication does not exist"),
    "endpoint_missing": Message("NotFound", "Endpoint does not exist"),
    "endpoint_token": Message("InvalidParameter", "Invalid parameter: Token Reason: Endpoint {arn} already exists "
                              "with the same Token, but different attributes."),
}

KINESIS: dict[str, Message] = {
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
}
