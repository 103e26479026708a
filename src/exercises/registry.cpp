#include "exercises/registry.h"

#include <algorithm>

namespace kc::exercises {

namespace {

struct Registry {
    std::vector<const Exercise*> list;
    std::vector<std::string> duplicates;
};

Registry& registry() {
    static Registry r;  // constructed on first use: registration runs during static initialisation
    return r;
}

}  // namespace

void register_exercise(const Exercise& ex) {
    auto& r = registry();
    const auto& name = ex.spec().name;
    if (find_exercise(name)) {
        r.duplicates.push_back(name);
        return;
    }
    auto at = std::lower_bound(r.list.begin(), r.list.end(), name,
                               [](const Exercise* e, const std::string& n) { return e->spec().name < n; });
    r.list.insert(at, &ex);
}

const std::vector<const Exercise*>& all() { return registry().list; }

const Exercise* find_exercise(const std::string& name) {
    for (const Exercise* ex : registry().list)
        if (ex->spec().name == name) return ex;
    return nullptr;
}

std::vector<std::string> duplicate_names() { return registry().duplicates; }

}  // namespace kc::exercises
