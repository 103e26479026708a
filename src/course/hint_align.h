// Two versions of a file, line against line: which lines of one stand again in the other.
#pragma once

#include <string>
#include <vector>

namespace kc::course {

// For each line of `a`, the index of the line of `b` it is matched to, or -1: a longest common
// subsequence, so that every matched line keeps its neighbours (a block of lines that stands
// twice in `a` is matched where the lines around it match too). Of several equally long ones,
// the one that matches lines of `a` as late as possible: a learner fills the holes of a starter
// in order, so of two equal holes (`m = ;`) the one still there is the later.
std::vector<int> match_lines(const std::vector<std::string>& a, const std::vector<std::string>& b);

// How much of line `a` stands in line `b`: the share of a's tokens (words, numbers, single
// punctuation marks) that b has, in the same order. A hole `const int i = ;` is 1 in every
// line that fills it.
double kept_share(const std::string& a, const std::string& b);

// Lines of `a` paired with lines of `b` that they are edited into, in order: for each line of
// `a`, its pair in `b` or -1. Pairs keep at least 60% of their `a` line (kept_share), and the
// pairing keeps the most in all.
std::vector<int> pair_edited_lines(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace kc::course
