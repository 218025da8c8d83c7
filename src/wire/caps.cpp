#include "wire/caps.h"

#include "wire/message.h"

namespace gfxrelay::wire {

bool Caps::config_value(size_t index, int32_t attribute, int32_t* value) const {
  if (index >= configs.size()) return false;
  for (size_t i = 0; i < config_attributes.size(); ++i) {
    if (config_attributes[i] == attribute) {
      *value = configs[index][i];
      return true;
    }
  }
  return false;
}

std::vector<uint8_t> Caps::encode() const {
  MessageWriter w;
  w.put<uint32_t>(static_cast<uint32_t>(strings.size()));
  for (const auto& [key, value] : strings) {
    w.put_string(key);
    w.put_string(value);
  }
  w.put<uint32_t>(static_cast<uint32_t>(config_attributes.size()));
  w.put<uint32_t>(static_cast<uint32_t>(configs.size()));
  for (int32_t a : config_attributes) w.put<int32_t>(a);
  for (const auto& row : configs)
    for (int32_t v : row) w.put<int32_t>(v);
  return w.bytes();
}

bool Caps::decode(std::span<const uint8_t> bytes, Caps* out) {
  Reader r(bytes);
  const uint32_t string_count = r.get<uint32_t>();
  for (uint32_t i = 0; i < string_count && r.ok(); ++i) {
    std::string key(read_string(r));
    out->strings[key] = std::string(read_string(r));
  }
  const uint32_t columns = r.get<uint32_t>();
  const uint32_t rows = r.get<uint32_t>();
  if (!r.ok() || uint64_t{columns} * (rows + 1) * 4 > r.remaining()) return false;
  out->config_attributes.resize(columns);
  for (auto& a : out->config_attributes) a = r.get<int32_t>();
  out->configs.assign(rows, std::vector<int32_t>(columns));
  for (auto& row : out->configs)
    for (auto& v : row) v = r.get<int32_t>();
  return r.at_end();
}

}  // namespace gfxrelay::wire
