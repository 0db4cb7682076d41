#include "pymsg/sqs/message.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

namespace pymsg {

Message::Message(std::uint64_t s, TimeUs sent, std::uint32_t size_and_flags,
                 std::unique_ptr<MessageExtras> ex) noexcept
    : extras(std::move(ex)), seq(s), sent_us(sent), size_and_flags_(size_and_flags) {}

Message* Message::create(std::uint64_t seq, TimeUs sent_us, std::string_view body, BodyKind kind,
                         std::unique_ptr<MessageExtras> extras) {
  const std::size_t bytes = std::max(sizeof(Message), kBodyOffset + body.size());
  void* memory = ::operator new(bytes);
  const auto flags = static_cast<std::uint32_t>(body.size()) | (static_cast<std::uint32_t>(kind) << kKindShift);
  auto* message = new (memory) Message(seq, sent_us, flags, std::move(extras));
  assert(message->body_head_ - reinterpret_cast<char*>(message) == static_cast<std::ptrdiff_t>(kBodyOffset));
  if (!body.empty()) std::memcpy(reinterpret_cast<char*>(message) + kBodyOffset, body.data(), body.size());
  return message;
}

void Message::destroy(Message* message) noexcept {
  if (message == nullptr) return;
  message->~Message();
  ::operator delete(static_cast<void*>(message));
}

}  // namespace pymsg
