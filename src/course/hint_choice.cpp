#include "course/hint_choice.h"

#include <map>

#include "course/hint_map.h"

namespace kc::course {

std::optional<HintChoice> choose_hint(const std::vector<Hint>& hints, const HintQuery& q) {
    StarterMap starter(q.starter);
    Reading reading(starter, q.source);
    std::map<int, int> candidates;  // element -> the first error about it, or -1
    for (int e : reading.missing()) candidates[e] = -1;
    if (!q.compiled) {
        for (size_t i = 0; i < q.errors.size(); ++i) {
            const int e = reading.element_of_error(q.errors[i].line, q.errors[i].message);
            if (e > 0 && candidates.try_emplace(e, -1).first->second < 0) candidates[e] = static_cast<int>(i);
        }
        if (!q.missing_kernel.empty())
            if (int e = starter.element_of_function(q.missing_kernel)) candidates.try_emplace(e, -1);
    }
    const std::string kind = q.compiled ? "wrong-answer" : "compile";
    for (const auto& [e, error] : candidates)
        if (const Hint* h = hint_for(hints, kind, e)) return HintChoice{h, e, error};
    return std::nullopt;
}

}  // namespace kc::course
