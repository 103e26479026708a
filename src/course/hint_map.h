// A learner's kernel.cu read against its starter: which TODO(N) elements are still missing, and
// which element a compile error is about. The starter's structure decides, not the learner's
// comments: a file whose TODO comments are deleted reads the same.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace kc::course {

// One line of a kernel file, as the hint lookup sees it.
struct SourceLine {
    std::string text;     // as written
    std::string code;     // without its comment, white space folded; "" for a comment or a blank line
    std::string comment;  // the comment's text, folded
    int marker = 0;       // N of a TODO(N) written on this line
    bool real() const;    // code that is more than braces
    std::string key() const;  // what matching compares: the code, or the comment of a comment line
};

std::vector<SourceLine> read_lines(const std::string& text);

// Statements on a line of code: semicolons outside parentheses, or 1 for a preprocessor line.
int statements(const std::string& code);

// The starter's TODO(N) markers and what each governs. A marker is either a comment block
// (`// TODO(N): ...` and its continuation lines) or a comment at the end of a line of code. It
// owns the lines of code right after its block, up to a blank line or a comment (those are
// the hole it marks); a marker that owns no code marks an insertion (`// TODO(13): the store`).
// Marker blocks written one right under the other form a group (`TODO(2)`, `TODO(3)` above
// one line): a change to the lines the group owns fills every one of them. Lines are indices
// into lines(), from 0.
class StarterMap {
public:
    explicit StarterMap(const std::string& starter);

    const std::vector<SourceLine>& lines() const { return lines_; }
    std::vector<int> elements() const;  // every N, in order
    int owner(int line) const { return owner_[line]; }  // the marker whose hole the line is, or 0
    // The marker on the line, the marker block it is part of, or the nearest one above it.
    int governing(int line) const { return governing_[line]; }
    // The marker whose comment block ends on this line (0 when none).
    int block_ending_at(int line) const;
    bool owns_code(int todo) const { return markers_.at(todo).owns_code; }
    // The group of `todo`, in order; {todo} alone when it has none.
    const std::vector<int>& group(int todo) const { return markers_.at(todo).group; }
    // The element a name belongs to: the marker governing the line that declares it, else the
    // first marker whose comment names it (2 letters or more); 0 when neither.
    int element_of_name(const std::string& name) const;
    // The first marker at the end of a line of the declaration that starts on `line` (its
    // parameters), up to the line that closes it; 0 when none.
    int element_of_parameters(int line) const;
    // The element of the line that declares function `name`, the first of its group; 0 when none.
    int element_of_function(const std::string& name) const;

private:
    struct Marker {
        int first = 0, last = 0;  // the lines of its block (a trailing marker: its own line)
        bool trailing = false;
        bool owns_code = false;
        std::string text;         // the comment, continuation lines included
        std::vector<int> group;
    };
    void find_markers();
    void assign_owners();
    void find_groups();

    std::vector<SourceLine> lines_;
    std::map<int, Marker> markers_;
    std::vector<int> owner_, governing_;
};

// A learner's file, matched line by line against the starter.
class Reading {
public:
    Reading(const StarterMap& starter, const std::string& source);

    // The elements whose hole the learner has not touched.
    std::set<int> missing() const;
    // The element a compile error at `line` (1-based, in the learner's file) is about: by what
    // the message says (an undefined name, a declaration that is not a function), then by the
    // starter's line it stands at; 0 when neither says.
    int element_of_error(int line, const std::string& message) const;

private:
    // A stretch where the two files differ: starter lines [s_lo, s_hi) against learner lines
    // [l_lo, l_hi), between two lines they share; `edited` pairs the learner's lines with the
    // starter lines they were edited from (a hole filled in), the others are inserted.
    struct Hunk {
        int s_lo = 0, s_hi = 0, l_lo = 0, l_hi = 0;
        std::map<int, int> edited;
    };
    // The elements a line inserted at learner line `l` may fill, in order: those of the TODO
    // comment right above it (`under_todo`; `whole` when that TODO's hole is a line of code,
    // which the insertion changes for the whole group), then those whose TODO comment was
    // deleted there.
    struct Targets {
        std::vector<int> elements;
        bool under_todo = false, whole = false;
    };
    void pair_edits(Hunk& h) const;
    std::pair<int, int> around(const Hunk& h, int l) const;  // the starter lines before and after
    Targets targets(const Hunk& h, int l, const std::set<int>& touched) const;
    void touch_insertions(const Hunk& h, std::set<int>& touched) const;
    // The starter line a learner line stands for, or (negative) the element it was inserted for.
    int starter_spot(int line) const;

    const StarterMap& starter_;
    std::vector<SourceLine> lines_;
    std::vector<int> to_starter_;  // learner line -> starter line, -1 when it is not shared
    std::vector<Hunk> hunks_;
};

}  // namespace kc::course
