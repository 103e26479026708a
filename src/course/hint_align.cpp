#include "course/hint_align.h"

#include <algorithm>
#include <regex>

namespace kc::course {

std::vector<int> match_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    const size_t n = a.size(), m = b.size();
    // common[i][j]: the length of a longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<int>> common(n + 1, std::vector<int>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    std::vector<int> match(n, -1);
    for (size_t i = 0, j = 0; i < n && j < m;) {
        if (common[i + 1][j] == common[i][j]) {
            ++i;  // a[i] can be left out: leave it, to match a later line of a instead
        } else if (common[i][j + 1] == common[i][j]) {
            ++j;
        } else {
            match[i++] = static_cast<int>(j++);
        }
    }
    return match;
}

namespace {

std::vector<std::string> tokens(const std::string& s) {
    static const std::regex token(R"([A-Za-z_0-9.]+|"[^"]*"|\S)");
    std::vector<std::string> out;
    for (std::sregex_iterator t(s.begin(), s.end(), token), end; t != end; ++t) out.push_back(t->str());
    return out;
}

double share_of(const std::vector<std::string>& ta, const std::vector<std::string>& tb) {
    if (ta.empty()) return 0;
    const auto m = match_lines(ta, tb);
    return static_cast<double>(std::count_if(m.begin(), m.end(), [](int x) { return x >= 0; })) / ta.size();
}

}  // namespace

double kept_share(const std::string& a, const std::string& b) { return share_of(tokens(a), tokens(b)); }

std::vector<int> pair_edited_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    constexpr double kEnough = 0.6;
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::string>> ta, tb;
    for (const auto& l : a) ta.push_back(tokens(l));
    for (const auto& l : b) tb.push_back(tokens(l));
    // kept[i][j]: the most that pairs of a[i..] and b[j..] can keep.
    std::vector<std::vector<double>> kept(n + 1, std::vector<double>(m + 1, 0)), share(n, std::vector<double>(m, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;) {
            share[i][j] = share_of(ta[i], tb[j]);
            const double pair = share[i][j] >= kEnough ? kept[i + 1][j + 1] + share[i][j] : 0;
            kept[i][j] = std::max({pair, kept[i + 1][j], kept[i][j + 1]});
        }
    std::vector<int> out(n, -1);
    for (size_t i = 0, j = 0; i < n && j < m;) {
        if (share[i][j] >= kEnough && kept[i][j] == kept[i + 1][j + 1] + share[i][j]) out[i++] = static_cast<int>(j++);
        else if (kept[i][j] == kept[i + 1][j]) ++i;
        else ++j;
    }
    return out;
}

}  // namespace kc::course
