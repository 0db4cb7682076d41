// Benchmarks of the core alone, for `pymsg bench`: the same SQS work as the Python workloads, in
// C++ loops with the GIL released, so the report can show what the binding costs, and how the
// core scales with threads. Private (`_core._bench_*`).
#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pymsg/broker.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

double elapsed_ns(std::chrono::steady_clock::time_point start) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
}

// send (or send a batch), receive, delete: `messages` messages through one queue. Returns ns per message.
double cycle(Queue& queue, std::size_t messages, std::size_t batch) {
  const std::string body(100, 'x');
  std::vector<SendRequest> requests(batch);
  for (SendRequest& r : requests) {
    r.body = body;
    r.body_kind = BodyKind::kAsciiText;
  }
  std::vector<SendOutcome> outcomes;
  EntryErrors errors;
  std::vector<ReceiptHandle> handles;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t done = 0; done < messages; done += batch) {
    if (batch == 1) {
      queue.send(requests[0]);
    } else {
      queue.send_batch(requests, outcomes, errors);
    }
    ReceivedBatch out;
    queue.receive(static_cast<std::uint32_t>(batch), std::nullopt, std::optional<TimeUs>(0), out, false);
    handles.clear();
    for (const ReceivedMessage& m : out.messages) handles.push_back(m.handle);
    queue.delete_batch(handles, errors);
  }
  return elapsed_ns(start) / static_cast<double>(messages);
}

}  // namespace

void register_bench(py::module_& m) {
  m.def(
      "_bench_sqs_cycle",
      [](std::size_t messages, std::size_t batch) {
        auto broker = std::make_shared<Broker>(std::make_shared<SystemClock>(), BrokerOptions{"us-east-1", "0", false, false});
        auto queue = broker->create_queue("bench", QueueConfig{});
        py::gil_scoped_release release;  // pure C++ from here on
        return cycle(*queue, messages, batch);
      },
      py::arg("messages"), py::arg("batch"),
      "ns per message of send(+batch)/receive/delete cycles in C++ alone (no Python).");

  m.def(
      "_bench_sqs_threads",
      [](std::size_t threads, std::size_t messages_per_thread, bool shared_queue) {
        auto broker = std::make_shared<Broker>(std::make_shared<SystemClock>(), BrokerOptions{"us-east-1", "0", false, false});
        std::vector<std::shared_ptr<Queue>> queues;
        for (std::size_t i = 0; i < (shared_queue ? 1 : threads); ++i) {
          queues.push_back(broker->create_queue("bench" + std::to_string(i), QueueConfig{}));
        }
        py::gil_scoped_release release;
        std::atomic<bool> go{false};
        std::vector<std::thread> workers;
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t t = 0; t < threads; ++t) {
          workers.emplace_back([&, t] {
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            cycle(*queues[shared_queue ? 0 : t], messages_per_thread, 10);
          });
        }
        go.store(true, std::memory_order_release);
        for (std::thread& w : workers) w.join();
        const double seconds = elapsed_ns(start) / 1e9;
        return static_cast<double>(threads * messages_per_thread) / seconds;  // messages a second, all threads
      },
      py::arg("threads"), py::arg("messages_per_thread"), py::arg("shared_queue"),
      "Messages a second of `threads` C++ threads each cycling batches of 10 through one shared queue or their own.");
}

}  // namespace pymsg::bindings
