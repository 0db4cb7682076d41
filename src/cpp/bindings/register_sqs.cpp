// The SQS binding's cold calls through pybind11: the broker (queue registry), queue identity,
// attributes and purge. The per-message calls are in sqs_hot.cpp.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>
#include <string>

#include "pymsg/broker.hpp"
#include "pymsg/durability/journal.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

DeduplicationScope parse_scope(const std::string& s) {
  if (s == "queue") return DeduplicationScope::kQueue;
  if (s == "messageGroup") return DeduplicationScope::kMessageGroup;
  throw Error(ErrorCode::InvalidAttributeValue, "Invalid value for the parameter DeduplicationScope.");
}

FifoThroughputLimit parse_throughput(const std::string& s) {
  if (s == "perQueue") return FifoThroughputLimit::kPerQueue;
  if (s == "perMessageGroupId") return FifoThroughputLimit::kPerMessageGroupId;
  throw Error(ErrorCode::InvalidAttributeValue, "Invalid value for the parameter FifoThroughputLimit.");
}

QueueConfig make_config(double visibility_timeout, double delay_seconds, double message_retention_period,
                        std::uint64_t maximum_message_size, double receive_message_wait_time_seconds,
                        const std::string& dead_letter_target_arn, std::uint32_t max_receive_count,
                        bool content_based_deduplication, const std::string& deduplication_scope,
                        const std::string& fifo_throughput_limit) {
  QueueConfig c;
  c.visibility_timeout = seconds_to_us(visibility_timeout);
  c.delay = seconds_to_us(delay_seconds);
  c.retention = seconds_to_us(message_retention_period);
  c.maximum_message_size = maximum_message_size;
  c.receive_wait = seconds_to_us(receive_message_wait_time_seconds);
  c.dead_letter_target_arn = dead_letter_target_arn;
  c.max_receive_count = max_receive_count;
  c.content_based_deduplication = content_based_deduplication;
  c.deduplication_scope = parse_scope(deduplication_scope);
  c.fifo_throughput_limit = parse_throughput(fifo_throughput_limit);
  return c;
}

#define PYMSG_CONFIG_ARGS                                                                              \
  py::arg("visibility_timeout"), py::arg("delay_seconds"), py::arg("message_retention_period"),        \
      py::arg("maximum_message_size"), py::arg("receive_message_wait_time_seconds"),                  \
      py::arg("dead_letter_target_arn"), py::arg("max_receive_count"), py::arg("content_based_deduplication"), \
      py::arg("deduplication_scope"), py::arg("fifo_throughput_limit")

// Broker(quotas=...) names and the AccountQuotas field each sets.
constexpr std::pair<const char*, std::uint32_t AccountQuotas::*> kQuotas[] = {
    {"queues", &AccountQuotas::queues},
    {"topics", &AccountQuotas::topics},
    {"fifo_topics", &AccountQuotas::fifo_topics},
    {"on_demand_streams", &AccountQuotas::on_demand_streams},
    {"shards", &AccountQuotas::shards},
};

// AWS's quotas for `region` with `overrides` applied (InvalidParameterValue for an unknown name).
AccountQuotas make_quotas(const std::string& region, const std::map<std::string, std::uint32_t>& overrides) {
  AccountQuotas q = AccountQuotas::aws_defaults(region);
  for (const auto& [name, value] : overrides) {
    const auto* it = std::find_if(std::begin(kQuotas), std::end(kQuotas), [&](const auto& e) { return name == e.first; });
    if (it == std::end(kQuotas)) {
      std::string known;
      for (const auto& [known_name, field] : kQuotas) known += (known.empty() ? "" : ", ") + std::string(known_name);
      throw Error(ErrorCode::InvalidParameterValue, "Unknown quota " + name + " (quotas are " + known + ").");
    }
    q.*(it->second) = value;
  }
  return q;
}

}  // namespace

void register_sqs(py::module_& m) {
  py::class_<QueueConfig>(m, "QueueConfig", "A queue's settable attributes (durations in seconds).")
      .def_property_readonly("visibility_timeout", [](const QueueConfig& c) { return to_seconds(c.visibility_timeout); })
      .def_property_readonly("delay_seconds", [](const QueueConfig& c) { return to_seconds(c.delay); })
      .def_property_readonly("message_retention_period", [](const QueueConfig& c) { return to_seconds(c.retention); })
      .def_readonly("maximum_message_size", &QueueConfig::maximum_message_size)
      .def_property_readonly("receive_message_wait_time_seconds",
                             [](const QueueConfig& c) { return to_seconds(c.receive_wait); })
      .def_readonly("dead_letter_target_arn", &QueueConfig::dead_letter_target_arn)
      .def_readonly("max_receive_count", &QueueConfig::max_receive_count)
      .def_readonly("content_based_deduplication", &QueueConfig::content_based_deduplication)
      .def_property_readonly("deduplication_scope", [](const QueueConfig& c) {
        return c.deduplication_scope == DeduplicationScope::kQueue ? "queue" : "messageGroup";
      })
      .def_property_readonly("fifo_throughput_limit", [](const QueueConfig& c) {
        return c.fifo_throughput_limit == FifoThroughputLimit::kPerQueue ? "perQueue" : "perMessageGroupId";
      });

  py::class_<Queue, std::shared_ptr<Queue>> queue(m, "Queue", "The core of one SQS queue.");
  queue.def_property_readonly("name", &Queue::name)
      .def_property_readonly("url", &Queue::url)
      .def_property_readonly("arn", &Queue::arn)
      .def_property_readonly("fifo", &Queue::fifo)
      .def_property_readonly("deleted", &Queue::deleted)
      .def_property_readonly("created_timestamp", [](const Queue& q) { return to_seconds(q.created_us()); })
      .def_property_readonly("last_modified_timestamp", [](const Queue& q) { return to_seconds(q.last_modified_us()); })
      .def("config", &Queue::config)
      .def("counts", [](Queue& q) {
        const QueueCounts c = q.counts();
        return py::make_tuple(c.visible, c.in_flight, c.delayed);
      }, "(visible, in_flight, delayed) message counts.")
      .def("purge", &Queue::purge, "PurgeQueue.")
      .def("wake_long_polls", &Queue::wake_long_polls, "Ends the receives waiting on the queue, empty.")
      .def("dump", [](Queue& q) {
        std::string out;
        {
          py::gil_scoped_release release;
          out = q.dump();
        }
        return py::bytes(out);
      }, "The queue's messages, ids and counters as bytes, for Broker.restore_queue (pymsg serve --state).")
      .def("dump_cut", [](Queue& q) {
        std::string out;
        std::uint64_t cut = 0;
        {
          py::gil_scoped_release release;
          out = q.dump(&cut);
        }
        return py::make_tuple(py::bytes(out), cut);
      }, "(dump, cut): the dump and the last LSN of the journal it covers.")
      .def("attach_journal", &Queue::attach_journal, py::arg("journal"), py::arg("id"),
           "From now on, every change is appended to `journal` as a record naming `id`.")
      .def_property_readonly("journal_id", &Queue::journal_id);

  py::class_<Broker, std::shared_ptr<Broker>>(m, "Broker", "The queue registry and shared settings.")
      .def(py::init([](std::shared_ptr<Clock> clock, std::string region, std::string account_id,
                       bool strict_limits, bool strict_timing, const std::map<std::string, std::uint32_t>& quotas) {
             AccountQuotas q = make_quotas(region, quotas);
             return std::make_shared<Broker>(std::move(clock),
                                             BrokerOptions{std::move(region), std::move(account_id),
                                                           strict_limits, strict_timing, q});
           }),
           py::arg("clock"), py::arg("region"), py::arg("account_id"), py::arg("strict_limits"),
           py::arg("strict_timing"), py::arg("quotas"))
      .def_property_readonly("quotas", [](const Broker& b) {
        py::dict out;
        for (const auto& [name, field] : kQuotas) out[name] = b.options().quotas.*field;
        return out;
      }, "The account quotas in force: queues, topics, fifo_topics, on_demand_streams, shards.")
      .def("kinesis_usage", [](const Broker& b) {
        const auto [open_shards, on_demand] = b.kinesis_usage();
        return py::make_tuple(open_shards, on_demand);
      }, "(open shards, ON_DEMAND streams) for DescribeLimits.")
      .def_property_readonly("clock", &Broker::clock)
      .def_property_readonly("region", [](const Broker& b) { return b.options().region; })
      .def_property_readonly("account_id", [](const Broker& b) { return b.options().account_id; })
      .def_property_readonly("strict_limits", [](const Broker& b) { return b.options().strict_limits; })
      .def_property_readonly("strict_timing", [](const Broker& b) { return b.options().strict_timing; })
      .def("create_queue",
           [](Broker& b, const std::string& name, double vt, double ds, double mrp, std::uint64_t mms, double rw,
              const std::string& dlq, std::uint32_t mrc, bool cbd, const std::string& scope,
              const std::string& throughput) {
             return b.create_queue(name, make_config(vt, ds, mrp, mms, rw, dlq, mrc, cbd, scope, throughput));
           },
           py::arg("name"), PYMSG_CONFIG_ARGS)
      .def("restore_queue",
           [](Broker& b, const std::string& name, const py::bytes& dump, double vt, double ds, double mrp,
              std::uint64_t mms, double rw, const std::string& dlq, std::uint32_t mrc, bool cbd,
              const std::string& scope, const std::string& throughput) {
             const std::string_view bytes = dump;  // held by `dump` for the call
             return b.restore_queue(name, make_config(vt, ds, mrp, mms, rw, dlq, mrc, cbd, scope, throughput), bytes);
           },
           py::arg("name"), py::arg("dump"), PYMSG_CONFIG_ARGS)
      .def("set_queue_config",
           [](Broker& b, Queue& q, double vt, double ds, double mrp, std::uint64_t mms, double rw,
              const std::string& dlq, std::uint32_t mrc, bool cbd, const std::string& scope,
              const std::string& throughput) {
             b.set_queue_config(q, make_config(vt, ds, mrp, mms, rw, dlq, mrc, cbd, scope, throughput));
           },
           py::arg("queue"), PYMSG_CONFIG_ARGS)
      .def("set_journal", &Broker::set_journal, py::arg("journal"),
           "Queues made from now on are attached to `journal` and their creation logged.")
      .def("replay_create_queue",
           [](Broker& b, const py::bytes& payload) { return b.replay_create_queue(std::string_view(payload)); },
           py::arg("payload"), "Recovery: the queue a kQueueCreate record made.")
      .def("get_queue", &Broker::get_queue, py::arg("name"))
      .def("get_queue_by_url", &Broker::get_queue_by_url, py::arg("url"))
      .def("get_queue_by_arn", &Broker::get_queue_by_arn, py::arg("arn"))
      .def("list_queues", &Broker::list_queues, py::arg("prefix"))
      .def("dead_letter_source_queues", &Broker::dead_letter_source_queues, py::arg("queue"))
      .def("delete_queue", &Broker::delete_queue, py::arg("name"));
}

}  // namespace pymsg::bindings
