// Words for the vendor references' detail() lines.
#pragma once

#include <cstdint>
#include <string>

namespace kc::reference {

std::string bytes_text(uint64_t bytes);  // "512 B", "4.0 KiB", "32.0 MiB"

}  // namespace kc::reference
