// What tuning found: one Outcome per variant, ranked by median time, and how it looks (text
// and JSON). The ranking is a pure function; the JSON is also what `tune --last` reads back.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "course/manifest.h"
#include "engine/grader.h"
#include "grade/verdict.h"
#include "tune/tunables.h"

namespace kc::tune {

struct Outcome {
    Variant variant;
    grade::Verdict verdict = grade::Verdict::Skipped;
    std::string reason;       // one line: why it is invalid or was not run
    double ms = 0;            // median time of the timed case (0: not timed)
    double vendor_ms = 0;     // the vendor's, in the same rounds
    int registers = -1;       // per thread (-1: not known: it never reached the GPU)
    size_t shared_bytes = 0;  // static plus the timed case's dynamic, per block

    bool timed() const { return verdict == grade::Verdict::Passed && ms > 0; }
};

// A variant's grade in one row.
Outcome outcome_of(const Variant& v, const engine::Grade& g);

struct Table {
    std::vector<Outcome> ranked;   // timed, fastest first (ties: in variant order)
    std::vector<Outcome> skipped;  // compiled, not run (no GPU), in variant order
    std::vector<Outcome> invalid;  // did not compile, too big to launch, WRONG, ..., in variant order
    double default_ms = 0;         // the file's own defaults' time (0: not timed)
    size_t not_tried = 0;          // variants past the cap

    const Outcome* winner() const { return ranked.empty() ? nullptr : &ranked.front(); }
};

Table rank(std::vector<Outcome> outcomes, size_t not_tried = 0);

// "tuning 5/12: BM=64 BN=128"
std::string progress_line(size_t done, size_t total, const Variant& v);

// The table: one column per tunable, verdict, time, x vendor, x default, registers, shared
// memory; then the invalid variants with their reason, and what was not tried.
std::string table_text(const Table& t, const std::vector<std::string>& names);

// What the table does not decide: a module's gates against the learner's own build
// (vs_variant) are not measured per variant, so the fastest variant may still be TOO_SLOW there.
// A sentence naming them, or "" when the module has none.
std::string unchecked_gates_note(const std::vector<course::PassTarget>& pass);

nlohmann::json table_json(const Table& t);
// Back from table_json (for --last); an Error when the document is not one.
Result<Table> table_from_json(const nlohmann::json& j);

}  // namespace kc::tune
