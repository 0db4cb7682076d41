// The SNS binding (pybind11): topics, subscriptions and publish. A publish is one call however
// many subscribers there are: the core filters and delivers to queues, and hands back only the
// copies Python must deliver (callables, HTTP endpoints, dead-letter routing).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "journal.hpp"
#include "pymsg/broker.hpp"
#include "pymsg/common/message_attributes.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace pymsg::bindings {
namespace {

FilterPolicy::Scope parse_scope(const std::string& scope) {
  if (scope == "MessageAttributes") return FilterPolicy::Scope::kMessageAttributes;
  if (scope == "MessageBody") return FilterPolicy::Scope::kMessageBody;
  throw Error(ErrorCode::InvalidParameter, "Invalid parameter: FilterPolicyScope: Invalid value [" + scope +
                                               "]. Please use either MessageBody or MessageAttributes");
}

const char* scope_name(FilterPolicy::Scope scope) {
  return scope == FilterPolicy::Scope::kMessageBody ? "MessageBody" : "MessageAttributes";
}

// {"name": {"DataType": ..., "StringValue" | "BinaryValue": ...}}
std::vector<MessageAttribute> read_attributes(const py::object& attributes) {
  std::vector<MessageAttribute> out;
  if (attributes.is_none()) return out;
  if (!py::isinstance<py::dict>(attributes)) {
    throw Error(ErrorCode::InvalidParameterValue, "MessageAttributes must be a dict of name -> {'DataType': ..., ...}.");
  }
  for (const auto& [name, shape] : attributes.cast<py::dict>()) {
    MessageAttribute& a = out.emplace_back();
    if (!py::isinstance<py::str>(name) || !py::isinstance<py::dict>(shape)) {
      throw Error(ErrorCode::InvalidParameterValue,
                  "Each message attribute is name -> {'DataType': ..., 'StringValue' | 'BinaryValue': ...}.");
    }
    a.name = name.cast<std::string>();
    const py::dict d = shape.cast<py::dict>();
    for (const auto& [field, value] : d) {
      const std::string f = py::isinstance<py::str>(field) ? field.cast<std::string>() : std::string();
      if (f == "DataType" && py::isinstance<py::str>(value)) {
        a.data_type = value.cast<std::string>();
      } else if (f == "StringValue" && py::isinstance<py::str>(value)) {
        a.value = value.cast<std::string>();
      } else if (f == "BinaryValue" && py::isinstance<py::bytes>(value)) {
        a.value = value.cast<std::string>();
        a.binary = true;
      } else {
        throw Error(ErrorCode::InvalidParameterValue,
                    "Message attribute '" + a.name + "' has an unsupported or mistyped field '" + f + "'.");
      }
    }
  }
  return out;
}

py::tuple subscription_tuple(const TopicSubscription& s) {
  return py::make_tuple(s.arn, s.protocol, s.endpoint, s.raw, s.filter_policy, scope_name(s.filter_scope),
                        s.dead_letter_target_arn, s.pending_confirmation);
}

void apply_settings(TopicSubscription& s, bool raw, const std::string& filter_policy, const std::string& scope,
                    const std::string& dead_letter_target_arn, bool pending) {
  s.raw = raw;
  s.filter_policy = filter_policy;
  s.filter_scope = parse_scope(scope);
  s.filter = filter_policy.empty() ? nullptr : FilterPolicy::compile(filter_policy, s.filter_scope);
  s.dead_letter_target_arn = dead_letter_target_arn;
  s.pending_confirmation = pending;
}

}  // namespace

void register_sns(py::module_& m) {
  py::class_<Topic, std::shared_ptr<Topic>>(m, "Topic", "The core of one SNS topic.")
      .def_property_readonly("name", &Topic::name)
      .def_property_readonly("arn", &Topic::arn)
      .def_property_readonly("fifo", &Topic::fifo)
      .def_property_readonly("deleted", &Topic::deleted)
      .def("options",
           [](const Topic& t) {
             const TopicOptions o = t.options();
             return py::make_tuple(o.content_based_deduplication, o.display_name);
           })
      .def("set_options",
           [](Topic& t, bool content_based_deduplication, const std::string& display_name) {
             t.set_options({content_based_deduplication, display_name});
           })
      .def(
          "subscribe",
          [](Topic& t, const std::string& protocol, const std::string& endpoint, std::shared_ptr<Queue> queue, bool raw,
             const std::string& filter_policy, const std::string& scope, const std::string& dead_letter_target_arn,
             bool pending, const std::string& arn) {
            TopicSubscription s;
            s.arn = arn;
            s.protocol = protocol;
            s.endpoint = endpoint;
            s.queue = queue;
            apply_settings(s, raw, filter_policy, scope, dead_letter_target_arn, pending);
            return t.subscribe(std::move(s));
          },
          py::arg("protocol"), py::arg("endpoint"), py::arg("queue"), py::arg("raw"), py::arg("filter_policy"),
          py::arg("scope"), py::arg("dead_letter_target_arn"), py::arg("pending"), py::arg("arn") = "")
      .def("unsubscribe", &Topic::unsubscribe, py::arg("arn"))
      .def("subscriptions",
           [](const Topic& t) {
             py::list out;
             for (const auto& s : t.subscriptions()) out.append(subscription_tuple(*s));
             return out;
           })
      .def("subscription", [](const Topic& t, const std::string& arn) { return subscription_tuple(*t.subscription(arn)); })
      .def("set_subscription",
           [](Topic& t, const std::string& arn, bool raw, const std::string& filter_policy, const std::string& scope,
              const std::string& dead_letter_target_arn, bool pending) {
             auto updated = std::make_shared<TopicSubscription>(*t.subscription(arn));
             apply_settings(*updated, raw, filter_policy, scope, dead_letter_target_arn, pending);
             t.replace_subscription(updated);
           })
      .def(
          "publish",
          [](Topic& t, const std::string& message, std::optional<std::string> subject, const py::object& attributes,
             bool json_structure, std::optional<std::string> group_id, std::optional<std::string> deduplication_id) {
            PublishRequest r;
            r.message = message;
            if (subject) r.subject = *subject;
            r.attributes = read_attributes(attributes);
            r.json_structure = json_structure;
            if (group_id) r.group_id = *group_id;
            if (deduplication_id) r.deduplication_id = *deduplication_id;
            PublishOutcome o = t.publish(r);
            commit_journal();  // the copies sent to queues and a FIFO topic's record (fsync=always: on the disk)
            py::list pending;
            for (const PendingDelivery& p : o.pending) {
              const TopicSubscription& s = *o.subscriptions[p.subscription];
              pending.append(py::make_tuple(s.arn, s.protocol, s.endpoint, py::str(p.body), p.error,
                                            s.dead_letter_target_arn));
            }
            py::object sequence = o.sequence_number == 0 ? py::object(py::none()) : py::str(std::to_string(o.sequence_number));
            return py::make_tuple(o.message_id, sequence, o.duplicate, o.delivered, pending);
          },
          py::arg("message"), py::arg("subject"), py::arg("attributes"), py::arg("json_structure"),
          py::arg("group_id"), py::arg("deduplication_id"))
      .def("unsubscribe_url", &Topic::unsubscribe_url)
      .def("dump_fifo",
           [](Topic& t) {
             std::uint64_t cut = 0;
             std::string out = t.dump_fifo(cut);
             return py::make_tuple(py::bytes(out), cut);
           },
           "A FIFO topic's deduplication window and last sequence number, and the log LSN they cover.")
      .def("restore_fifo", [](Topic& t, const py::bytes& dump) { t.restore_fifo(std::string_view(dump)); },
           py::arg("dump"))
      .def("replay_publish", [](Topic& t, const py::bytes& payload) { t.replay_publish(std::string_view(payload)); },
           py::arg("payload"), "Recovery: a kTopicPublish record.");
  m.def("topic_publish_arn", [](const py::bytes& payload) { return Topic::publish_record_arn(std::string_view(payload)); },
        py::arg("payload"), "The topic ARN a kTopicPublish record is for.");

  auto broker = py::reinterpret_borrow<py::class_<Broker, std::shared_ptr<Broker>>>(m.attr("Broker"));
  broker
      .def(
          "create_topic",
          [](Broker& b, const std::string& name, bool content_based_deduplication, const std::string& display_name) {
            return b.create_topic(name, {content_based_deduplication, display_name});
          },
          py::arg("name"), py::arg("content_based_deduplication"), py::arg("display_name"))
      .def("get_topic", &Broker::get_topic, py::arg("name_or_arn"))
      .def("list_topics", &Broker::list_topics)
      .def("delete_topic", &Broker::delete_topic, py::arg("name_or_arn"));
  m.def("iso8601", [](double seconds) { return iso8601(seconds_to_us(seconds)); }, "ISO-8601 UTC with milliseconds.");
  m.def(
      "check_sns_message_attributes",
      [](const py::object& attributes) {
        std::vector<MessageAttribute> parsed = read_attributes(attributes);
        encode_message_attributes(parsed, UINT32_MAX, AttributeRules::kSns);
      },
      py::arg("attributes"), "Raises what Publish would for these message attributes; publishes nothing.");
}

}  // namespace pymsg::bindings
