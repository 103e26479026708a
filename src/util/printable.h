// Text from outside (module ids typed by the learner, kernel sources, compiler and kernel output)
// made safe to show on a terminal: control bytes are written as escapes, so an ESC in an id or a
// source line cannot move the cursor, change colours or clear the screen.
#pragma once

#include <string>
#include <string_view>

namespace kc {

// `text` with every control character except newline and tab written as \xNN (C0 and DEL) or
// \u00NN (C1, as UTF-8); everything else, UTF-8 included, is left as it is.
std::string printable(std::string_view text);

}  // namespace kc
