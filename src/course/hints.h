// hints.md: progressive hints, one section each, in two parts (compile, then wrong answer).
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace kc::course {

struct Hint {
    int number = 0;          // 1, 2, 3... through both parts
    std::string kind;        // "compile" or "wrong-answer"
    std::string title;       // the heading after "## Hint N — "
    int todo_first = 0;      // the TODOs it covers (0 when it names a topic instead)
    int todo_last = 0;
    std::string body;        // the text, without the heading
};

// Parses hints.md (format in tracks/README.md). `where` names the file in errors.
Result<std::vector<Hint>> parse_hints(const std::string& text, const std::string& where);

// The TODO(N) that governs a line of a starter: the nearest marker on or above it; 0 if none.
int todo_at_line(const std::string& source, int line);

// The compile hint that covers TODO(todo), or null.
const Hint* compile_hint_for(const std::vector<Hint>& hints, int todo);

}  // namespace kc::course
