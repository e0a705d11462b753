#include "bot/coordination/etcd_codec.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "bot/base64.hpp"

namespace katabot::coordination {
namespace {

using nlohmann::json;

// Reads fields of one answer, remembering the first thing that did not fit.
class FieldReader {
 public:
  // int64 as a JSON string ("989844268821316357") or number; a missing field is 0.
  std::int64_t int64(const json& object, const char* key) {
    if (!object.is_object()) return 0;
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return 0;
    if (found->is_number_integer()) return found->get<std::int64_t>();
    if (found->is_string()) {
      const auto& text = found->get_ref<const std::string&>();
      std::int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size()) return value;
    }
    fail(std::string(key) + " is not an int64");
    return 0;
  }

  std::string bytes(const json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return {};
    if (found->is_string()) {
      if (auto decoded = base64_decode(found->get_ref<const std::string&>())) return std::move(*decoded);
    }
    fail(std::string(key) + " is not base64");
    return {};
  }

  static bool flag(const json& object, const char* key) {
    if (!object.is_object()) return false;
    const auto found = object.find(key);
    return found != object.end() && found->is_boolean() && found->get<bool>();
  }

  static const json& member(const json& object, const char* key) {
    static const json absent;
    if (!object.is_object()) return absent;
    const auto found = object.find(key);
    return found == object.end() ? absent : *found;
  }

  KeyValue key_value(const json& object) {
    return KeyValue{bytes(object, "key"),          bytes(object, "value"), int64(object, "create_revision"),
                    int64(object, "mod_revision"), int64(object, "version"), int64(object, "lease")};
  }

  std::vector<KeyValue> kvs(const json& object) {
    std::vector<KeyValue> out;
    const auto& list = member(object, "kvs");
    if (!list.is_array()) return out;
    for (const auto& item : list) out.push_back(key_value(item));
    return out;
  }

  void fail(std::string what) {
    if (error.empty()) error = std::move(what);
  }

  std::string error;
};

// Parses an answer; a JSON object or the reason it is not one.
std::optional<json> parse_object(std::string_view body, std::string& error) {
  if (body.size() > max_answer_bytes) {
    error = "answer of " + std::to_string(body.size()) + " bytes is over the " + std::to_string(max_answer_bytes) + " limit";
    return std::nullopt;
  }
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    error = "answer is not a JSON object";
    return std::nullopt;
  }
  return parsed;
}

// Streams wrap each message as {"result":{…}}; an error inside a stream comes as {"error":{…}}.
std::optional<json> parse_stream_line(std::string_view line, std::string& error) {
  auto parsed = parse_object(line, error);
  if (!parsed) return std::nullopt;
  if (const auto& result = FieldReader::member(*parsed, "result"); result.is_object()) return result;
  const auto& failure = FieldReader::member(*parsed, "error");
  error = failure.is_object() ? "stream error: " + failure.value("message", std::string("(no message)"))
                              : "stream line has no result";
  return std::nullopt;
}

template <class T>
Decoded<T> finish(T value, FieldReader& reader) {
  if (!reader.error.empty()) return {std::nullopt, std::move(reader.error)};
  return {std::move(value), {}};
}

std::string id_text(std::int64_t value) { return std::to_string(value); }

json compare_created_at(std::string_view key, std::int64_t create_revision) {
  return {{"key", base64_encode(key)}, {"target", "CREATE"}, {"result", "EQUAL"}, {"create_revision", id_text(create_revision)}};
}

json put(std::string_view key, std::string_view value, std::int64_t lease) {
  json request = {{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) request["lease"] = id_text(lease);
  return {{"request_put", std::move(request)}};
}

json range_of(std::string_view key) { return {{"request_range", {{"key", base64_encode(key)}}}}; }

std::string dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string lease_grant_body(std::int64_t ttl_seconds) { return dump({{"TTL", id_text(ttl_seconds)}}); }

std::string lease_id_body(std::int64_t lease_id) { return dump({{"ID", id_text(lease_id)}}); }

std::string authenticate_body(std::string_view user, std::string_view password) {
  return dump({{"name", user}, {"password", password}});
}

std::string range_body(std::string_view key, std::int64_t revision) {
  json body{{"key", base64_encode(key)}};
  if (revision != 0) body["revision"] = id_text(revision);
  return dump(body);
}

std::string delete_body(std::string_view key) { return dump({{"key", base64_encode(key)}}); }

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  // Trailing 0xff bytes cannot be raised: drop them and raise the byte before (an empty prefix
  // would mean "every key", which etcd spells "\0").
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::string(1, '\0');
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

std::string prefix_page_body(std::string_view prefix, const RangePage& page) {
  json body{{"key", base64_encode(page.from.empty() ? prefix : page.from)},
            {"range_end", base64_encode(prefix_range_end(prefix))},
            {"limit", id_text(page.limit)}};
  if (page.revision != 0) body["revision"] = id_text(page.revision);
  if (page.keys_only) body["keys_only"] = true;
  return dump(body);
}

std::string put_body(std::string_view key, std::string_view value) {
  return dump({{"key", base64_encode(key)}, {"value", base64_encode(value)}});
}

std::string create_if_absent_body(std::string_view key, std::string_view value, std::int64_t lease) {
  return dump({{"compare", {compare_created_at(key, 0)}},
               {"success", {put(key, value, lease)}},
               {"failure", {range_of(key)}}});
}

std::string fenced_create_body(std::string_view key, std::string_view value, std::string_view fence_key,
                               std::int64_t epoch) {
  return dump({{"compare", {compare_created_at(key, 0), compare_created_at(fence_key, epoch)}},
               {"success", {put(key, value, 0)}},
               {"failure", {range_of(key)}}});
}

std::string create_all_if_absent_body(const std::vector<std::pair<std::string, std::string>>& puts,
                                      std::string_view report_key) {
  json compares = json::array();
  json writes = json::array();
  for (const auto& [key, value] : puts) {
    compares.push_back(compare_created_at(key, 0));
    writes.push_back(put(key, value, 0));
  }
  return dump({{"compare", std::move(compares)}, {"success", std::move(writes)}, {"failure", {range_of(report_key)}}});
}

std::string watch_body(std::string_view key, std::int64_t start_revision) {
  json request = {{"key", base64_encode(key)}};
  if (start_revision != 0) request["start_revision"] = id_text(start_revision);
  return dump({{"create_request", std::move(request)}});
}

std::string prefix_watch_body(std::string_view prefix) {
  return dump({{"create_request", {{"key", base64_encode(prefix)}, {"range_end", base64_encode(prefix_range_end(prefix))}}}});
}

Decoded<LeaseGrant> decode_lease_grant(std::string_view body) {
  std::string error;
  const auto answer = parse_object(body, error);
  if (!answer) return {std::nullopt, error};
  FieldReader reader;
  LeaseGrant grant{reader.int64(*answer, "ID"), reader.int64(*answer, "TTL")};
  if (grant.id == 0 || grant.ttl_seconds <= 0) reader.fail("lease grant without ID or TTL");
  return finish(grant, reader);
}

Decoded<KeepAlive> decode_keepalive(std::string_view line) {
  std::string error;
  const auto result = parse_stream_line(line, error);
  if (!result) return {std::nullopt, error};
  FieldReader reader;
  return finish(KeepAlive{reader.int64(*result, "ID"), reader.int64(*result, "TTL")}, reader);
}

Decoded<TxnResult> decode_txn(std::string_view body) {
  std::string error;
  const auto answer = parse_object(body, error);
  if (!answer) return {std::nullopt, error};
  FieldReader reader;
  TxnResult txn{FieldReader::flag(*answer, "succeeded"), reader.int64(FieldReader::member(*answer, "header"), "revision"),
                {}};
  if (const auto& responses = FieldReader::member(*answer, "responses"); responses.is_array()) {
    for (const auto& response : responses) {
      for (auto kv : reader.kvs(FieldReader::member(response, "response_range"))) txn.ranged.push_back(std::move(kv));
    }
  }
  return finish(std::move(txn), reader);
}

Decoded<RangeResult> decode_range(std::string_view body) {
  std::string error;
  const auto answer = parse_object(body, error);
  if (!answer) return {std::nullopt, error};
  FieldReader reader;
  RangeResult range{reader.int64(FieldReader::member(*answer, "header"), "revision"), reader.kvs(*answer),
                    FieldReader::flag(*answer, "more")};
  return finish(std::move(range), reader);
}

Decoded<std::int64_t> decode_write_revision(std::string_view body) {
  std::string error;
  const auto answer = parse_object(body, error);
  if (!answer) return {std::nullopt, error};
  FieldReader reader;
  const auto revision = reader.int64(FieldReader::member(*answer, "header"), "revision");
  if (revision == 0) reader.fail("write answer without a revision");
  return finish(revision, reader);
}

Decoded<std::string> decode_token(std::string_view body) {
  std::string error;
  const auto answer = parse_object(body, error);
  if (!answer) return {std::nullopt, error};
  const auto& token = FieldReader::member(*answer, "token");
  if (!token.is_string() || token.get_ref<const std::string&>().empty()) return {std::nullopt, "no token in the answer"};
  return {token.get<std::string>(), {}};
}

Decoded<WatchMessage> decode_watch(std::string_view line) {
  std::string error;
  const auto result = parse_stream_line(line, error);
  if (!result) return {std::nullopt, error};
  FieldReader reader;
  WatchMessage message;
  message.created = FieldReader::flag(*result, "created");
  message.canceled = FieldReader::flag(*result, "canceled");
  message.compact_revision = reader.int64(*result, "compact_revision");
  message.revision = reader.int64(FieldReader::member(*result, "header"), "revision");
  if (const auto& events = FieldReader::member(*result, "events"); events.is_array()) {
    for (const auto& event : events) {
      const auto& type = FieldReader::member(event, "type");
      const bool deleted = (type.is_string() && type.get_ref<const std::string&>() == "DELETE") ||
                           (type.is_number_integer() && type.get<int>() == 1);
      message.events.push_back(WatchEvent{deleted, reader.key_value(FieldReader::member(event, "kv"))});
    }
  }
  return finish(std::move(message), reader);
}

std::optional<GatewayError> decode_gateway_error(std::string_view body) {
  std::string ignored;
  const auto answer = parse_object(body, ignored);
  if (!answer) return std::nullopt;
  const auto& message = FieldReader::member(*answer, "message");
  const auto& code = FieldReader::member(*answer, "code");
  if (!message.is_string() && !code.is_number_integer()) return std::nullopt;
  return GatewayError{code.is_number_integer() ? code.get<int>() : 0, message.is_string() ? message.get<std::string>() : ""};
}

}  // namespace katabot::coordination
