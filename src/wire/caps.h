// The host's answer to Hello (DESIGN.md, "Capabilities"): named strings (EGL and GL strings,
// already narrowed to what the relay carries) and the table of EGL configs a guest may use.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace gfxrelay::wire {

struct Caps {
  std::map<std::string, std::string> strings;  // "gl_renderer", "gl_extensions", ...
  std::vector<int32_t> config_attributes;      // EGL attribute names, one column each
  std::vector<std::vector<int32_t>> configs;   // one row of values per config

  std::string get(const std::string& key) const {
    auto it = strings.find(key);
    return it == strings.end() ? std::string() : it->second;
  }
  // Value of attribute `attribute` for config row `index`; false if either is unknown.
  bool config_value(size_t index, int32_t attribute, int32_t* value) const;

  std::vector<uint8_t> encode() const;
  static bool decode(std::span<const uint8_t> bytes, Caps* out);
};

}  // namespace gfxrelay::wire
