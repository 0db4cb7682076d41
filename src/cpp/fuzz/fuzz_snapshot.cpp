// libFuzzer harness: the snapshot reader, as restore sees it (Queue, Stream and Cache dumps, read
// by SnapshotReader). Real dumps are made once at start: a standard queue with messages visible,
// delayed and in flight; a FIFO queue with groups and its deduplication window; a stream of
// 3 shards, one split, with records; a cache with TTLs. An input picks one (first byte) and
// either patches it (the rest read as pairs of a 2-byte offset and a byte, the last odd byte a
// truncation) or, when bit 7 of the first byte is set, is itself the dump. A restore must
// succeed or throw a pymsg::Error; a restored object is used once (receive, dump again).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "pymsg/broker.hpp"
#include "pymsg/cache/cache.hpp"
#include "pymsg/common/clock.hpp"
#include "pymsg/common/errors.hpp"
#include "pymsg/kinesis/stream.hpp"
#include "pymsg/sqs/queue.hpp"

namespace {

constexpr pymsg::TimeUs kStart = 1'700'000'000'000'000;

struct World {
  std::shared_ptr<pymsg::ManualClock> clock = std::make_shared<pymsg::ManualClock>(kStart);
  pymsg::Broker broker{clock, options()};
  pymsg::QueueConfig standard, fifo;
  pymsg::StreamOptions stream_options;
  pymsg::CacheOptions cache_options;
  std::vector<std::string> dumps;  // standard queue, FIFO queue, stream, cache

  static pymsg::BrokerOptions options() {
    pymsg::BrokerOptions o;
    o.strict_timing = false;  // a restored queue is deleted and its name used again at once
    return o;
  }

  World() {
    auto q = broker.create_queue("s", standard);
    for (int i = 0; i < 40; ++i) {
      pymsg::SendRequest r;
      const std::string body = "message " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 7), 'x');
      r.body = body;
      if (i % 5 == 0) r.delay_seconds = 30;
      q->send(r);
    }
    pymsg::ReceivedBatch batch;
    q->receive(10, 60 * pymsg::kUsPerSecond, 0, batch);
    dumps.push_back(q->dump());

    fifo.content_based_deduplication = true;
    auto f = broker.create_queue("f.fifo", fifo);
    for (int i = 0; i < 30; ++i) {
      pymsg::SendRequest r;
      const std::string body = "fifo " + std::to_string(i);
      const std::string group = "g" + std::to_string(i % 3);
      r.body = body;
      r.group_id = group;
      f->send(r);
    }
    pymsg::ReceivedBatch fifo_batch;
    f->receive(4, std::nullopt, 0, fifo_batch);
    dumps.push_back(f->dump());

    stream_options.shard_count = 3;
    stream_options.enforce_limits = false;
    auto s = broker.create_stream("k", stream_options);
    for (int i = 0; i < 60; ++i) {
      pymsg::PutRecordRequest r;
      const std::string data = "record " + std::to_string(i);
      const std::string key = "pk" + std::to_string(i);
      r.data = data;
      r.partition_key = key;
      s->put_record(r);
    }
    dumps.push_back(s->dump());

    cache_options.max_memory = 1 << 20;
    auto c = broker.create_cache("c", cache_options);
    for (int i = 0; i < 50; ++i) {
      const std::string key = "key" + std::to_string(i);
      c->set(key, std::string(static_cast<std::size_t>(i * 3), 'v'),
             i % 2 ? std::optional<pymsg::TimeUs>(60 * pymsg::kUsPerSecond) : std::nullopt);
    }
    dumps.push_back(c->dump());
  }
};

World& world() {
  static World* w = new World();  // never destroyed: the harness runs until the process exits
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  World& w = world();
  const std::size_t which = (data[0] & 0x7F) % w.dumps.size();
  std::string dump;
  if (data[0] & 0x80) {
    dump.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    dump = w.dumps[which];
    std::size_t i = 1;
    for (; i + 3 <= size; i += 3) {
      const std::size_t at = (static_cast<std::size_t>(data[i]) | static_cast<std::size_t>(data[i + 1]) << 8);
      if (!dump.empty()) dump[at % dump.size()] = static_cast<char>(data[i + 2]);
    }
    if (i < size && !dump.empty()) dump.resize(data[i] % dump.size());
  }
  try {
    switch (which) {
      case 0:
      case 1: {
        const std::string name = which == 0 ? "restored" : "restored.fifo";
        auto q = w.broker.restore_queue(name, which == 0 ? w.standard : w.fifo, dump);
        pymsg::ReceivedBatch batch;
        try {
          q->receive(10, std::nullopt, 0, batch);
          (void)q->dump();
        } catch (const pymsg::Error&) {
        }
        w.broker.delete_queue(name);
        break;
      }
      case 2: {
        auto s = w.broker.restore_stream("restored", w.stream_options, dump);
        (void)s->dump();
        w.broker.delete_stream("restored");
        break;
      }
      default: {
        auto c = w.broker.restore_cache("restored", w.cache_options, dump);
        std::string out;
        (void)c->get("key7", out);
        (void)c->dump();
        w.broker.delete_cache("restored");
      }
    }
  } catch (const pymsg::Error&) {
    // refused: the dump was damaged
  }
  return 0;
}
