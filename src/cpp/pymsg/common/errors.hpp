// Caller errors of the core, one code per AWS error name.
//
// The core validates first and mutates second: a function that throws pymsg::Error has changed
// nothing. The binding maps each code to the Python exception of the same name (pymsg.errors) in
// one translator, so the names below must match those class names exactly.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace pymsg {

#define PYMSG_ERROR_CODES(X)         \
  X(InvalidParameterValue)           \
  X(MissingParameter)                \
  X(InvalidAttributeName)            \
  X(InvalidAttributeValue)           \
  X(InvalidMessageContents)          \
  X(QueueDoesNotExist)               \
  X(QueueNameExists)                 \
  X(QueueDeletedRecently)            \
  X(ReceiptHandleIsInvalid)          \
  X(MessageNotInflight)              \
  X(PurgeQueueInProgress)            \
  X(OverLimit)                       \
  X(TooManyEntriesInBatchRequest)    \
  X(EmptyBatchRequest)               \
  X(BatchEntryIdsNotDistinct)        \
  X(InvalidBatchEntryId)             \
  X(BatchRequestTooLong)             \
  X(ResourceNotFoundException)       \
  X(ResourceInUseException)          \
  X(InvalidArgumentException)        \
  X(ExpiredIteratorException)        \
  X(LimitExceededException)          \
  X(ProvisionedThroughputExceededException) \
  X(ValidationException)             \
  X(OutOfMemoryError)                \
  X(CacheClusterNotFound)            \
  X(CacheClusterAlreadyExists)       \
  X(InvalidParameter)                \
  X(ParameterValueInvalid)           \
  X(NotFound)                        \
  X(TopicLimitExceeded)              \
  X(AuthorizationError)

enum class ErrorCode {
#define PYMSG_ENUM_ENTRY(name) name,
  PYMSG_ERROR_CODES(PYMSG_ENUM_ENTRY)
#undef PYMSG_ENUM_ENTRY
};

// How many codes there are (tables indexed by code size themselves by it).
constexpr std::size_t kErrorCodeCount = 0
#define PYMSG_COUNT_ENTRY(name) +1
    PYMSG_ERROR_CODES(PYMSG_COUNT_ENTRY)
#undef PYMSG_COUNT_ENTRY
    ;

// The AWS error name of a code ("QueueDoesNotExist").
inline const char* error_name(ErrorCode code) noexcept {
  switch (code) {
#define PYMSG_NAME_ENTRY(name) \
  case ErrorCode::name:        \
    return #name;
    PYMSG_ERROR_CODES(PYMSG_NAME_ENTRY)
#undef PYMSG_NAME_ENTRY
  }
  return "InternalError";
}

// A caller error: the AWS code and a message saying what was wrong.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;  // which AWS error this is
};

}  // namespace pymsg
