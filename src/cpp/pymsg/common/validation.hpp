// SQS request validation rules that do not depend on queue state.
//
// Each check_* function throws pymsg::Error with the AWS code and a message naming the parameter
// and what was wrong; each is_* function only answers. None allocates on the success path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pymsg/common/errors.hpp"

namespace pymsg {

// True when every code point of the UTF-8 text is in SQS's allowed set:
// #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF, and the text is valid UTF-8. O(n).
bool is_valid_message_text(std::string_view utf8) noexcept;

// Queue names: 1-80 of [A-Za-z0-9_-], FIFO names end in ".fifo" (counted in the 80).
void check_queue_name(std::string_view name);

// Batch entry ids: 1-80 of [A-Za-z0-9_-] (InvalidBatchEntryId).
bool is_valid_batch_entry_id(std::string_view id) noexcept;

// MessageGroupId / MessageDeduplicationId: 1-128 characters of alphanumerics and ASCII
// punctuation (InvalidParameterValue naming `parameter`).
void check_fifo_id(std::string_view value, const char* parameter);

// An integer-valued number of seconds in [lo, hi] (InvalidParameterValue naming `parameter`).
void check_seconds_range(double seconds, std::int64_t lo, std::int64_t hi, const char* parameter);

// A number as AWS echoes it in a message: 2000, not 2000.000000; 2.5 as 2.5.
std::string format_number(double value);

// ReceiveMessage's MaxNumberOfMessages out of [1, limit], in AWS's words with the value given.
Error invalid_max_messages(std::int64_t value, std::uint32_t limit);

}  // namespace pymsg
