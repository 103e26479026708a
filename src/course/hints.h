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
    int todo_first = 0;      // the first TODO range it names (0 when it names a topic instead)
    int todo_last = 0;
    std::vector<int> todos;  // every TODO it names: "TODO(7-9), TODO(13)" is 7, 8, 9 and 13
    std::vector<std::string> parts;  // a module with parts: "(part sum, part transpose)" in
                                     // the heading; empty: every part
    std::string body;        // the text, without the heading

    bool covers(int todo) const;
    bool for_part(const std::string& part) const;  // true when it names no part
};

// Parses hints.md (format in tracks/README.md). `where` names the file in errors.
Result<std::vector<Hint>> parse_hints(const std::string& text, const std::string& where);

// The hints of one part of a module with parts (those naming it or no part), renumbered 1, 2,
// 3... in their order; all of them for "" (a module without parts).
std::vector<Hint> hints_for_part(const std::vector<Hint>& hints, const std::string& part);

// The first hint of `kind` ("compile" or "wrong-answer") that covers TODO(todo), or null.
const Hint* hint_for(const std::vector<Hint>& hints, const std::string& kind, int todo);

}  // namespace kc::course
