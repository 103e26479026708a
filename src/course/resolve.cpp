// Module ids: what an id the learner typed names (a module, every part of one, or one part),
// and "did you mean" for one that names nothing.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "course/course.h"
#include "util/spell.h"

namespace kc::course {

namespace {

std::string normal_id(const std::string& raw) {
    std::string id = raw;
    if (id.rfind("./", 0) == 0) id = id.substr(2);
    if (id.rfind("tracks/", 0) == 0) id = id.substr(7);
    while (!id.empty() && id.back() == '/') id.pop_back();
    return id;
}

std::string folder_id(const Module& m) { return m.track + "/" + m.folder; }

// The module `id` names as a whole (by id, folder, topic, or a track of one module), nullptr
// when it names none, or an Error when it names several.
Result<const ModuleGroup*> find_module(const std::vector<ModuleGroup>& all, const std::string& id,
                                       const std::string& raw) {
    for (const auto& g : all)
        if (id == g.id() || id == folder_id(g.first())) return &g;
    std::vector<const ModuleGroup*> hits, track;
    for (const auto& g : all) {
        if (id == g.first().topic) hits.push_back(&g);
        if (id == g.first().track) track.push_back(&g);
    }
    if (hits.empty() && track.size() == 1) return track.front();
    if (hits.empty() && track.size() > 1)
        return make_error(fmt::format("'{}' is a track of {} modules; name one", raw, track.size()),
                          fmt::format("for example: {}", track.front()->id()));
    if (hits.size() == 1) return hits.front();
    if (hits.size() > 1) {
        std::vector<std::string> ids;
        for (auto* h : hits) ids.push_back(h->id());
        return make_error(fmt::format("'{}' names {} modules", raw, hits.size()),
                          fmt::format("name one of: {}", fmt::join(ids, ", ")));
    }
    return static_cast<const ModuleGroup*>(nullptr);
}

// Part `name` of a module with parts, or an Error with the parts it has.
Result<std::vector<const Module*>> part_of(const ModuleGroup& g, const std::string& name) {
    std::vector<std::string> names;
    for (const auto* u : g.units) {
        if (u->part == name) return std::vector<const Module*>{u};
        names.push_back(u->part);
    }
    auto near = spelling_suggestions(name, names);
    for (auto& n : near) n = g.id() + "/" + n;
    return make_error(fmt::format("{} has no part '{}'", g.id(), name),
                      near.empty() ? fmt::format("its parts are {}", fmt::join(names, ", "))
                                   : fmt::format("did you mean {}?", fmt::join(near, " or ")));
}

Error unknown_id(const std::vector<ModuleGroup>& all, const std::string& id, const std::string& raw) {
    std::vector<std::string> candidates;
    for (const auto& g : all) {
        candidates.push_back(g.id());
        candidates.push_back(folder_id(g.first()));
        candidates.push_back(g.first().topic);
        if (g.has_parts())
            for (const auto* u : g.units) candidates.push_back(u->id);
    }
    auto near = spelling_suggestions(id, candidates);
    return make_error(fmt::format("no module '{}'", raw), near.empty() ? "kernelcoach list shows every module."
                                                                       : fmt::format("did you mean {}?", fmt::join(near, " or ")));
}

}  // namespace

const BrokenModule* Course::broken_named(const std::string& raw) const {
    const std::string id = normal_id(raw);
    // A good module answers to its names before a broken one does.
    for (const auto& m : modules)
        if (id == m.module_id() || id == folder_id(m) || id == m.topic || id == m.id) return nullptr;
    for (const auto& b : broken)
        if (id == b.id || id == b.track + "/" + b.folder || id == b.folder.substr(10)) return &b;  // id, folder, topic
    // "<broken module>/<part>": its parts are unknown, its problem is what to say.
    const auto slash = id.rfind('/');
    if (slash == std::string::npos || !is_part_name(id.substr(slash + 1))) return nullptr;
    const std::string owner = id.substr(0, slash);
    for (const auto& m : modules)
        if (owner == m.module_id() || owner == folder_id(m)) return nullptr;
    for (const auto& b : broken)
        if (owner == b.id || owner == b.track + "/" + b.folder) return &b;
    return nullptr;
}

Result<std::vector<const Module*>> Course::resolve_units(const std::string& raw) const {
    const std::string id = normal_id(raw);
    if (const auto* b = broken_named(raw))
        return make_error(b->problem, fmt::format("Fix {} or move it out of tracks/; the other modules work without it.",
                                                  b->rel_dir));
    const auto all = groups();
    auto whole = find_module(all, id, raw);
    if (!whole) return whole.error();
    if (*whole) return (*whole)->units;
    // "<module>/<part>": the module in any of its forms, then one of its parts.
    if (const auto slash = id.rfind('/'); slash != std::string::npos) {
        auto owner = find_module(all, id.substr(0, slash), raw);
        if (owner && *owner && (*owner)->has_parts()) return part_of(**owner, id.substr(slash + 1));
    }
    return unknown_id(all, id, raw);
}

Result<const Module*> Course::resolve(const std::string& raw) const {
    auto units = resolve_units(raw);
    if (!units) return units.error();
    if (units->size() == 1) return units->front();
    std::vector<std::string> ids;
    for (const auto* u : *units) ids.push_back(u->id);
    return make_error(fmt::format("{} has {} parts; name one", units->front()->module_id(), units->size()),
                      fmt::format("its parts: {}", fmt::join(ids, ", ")));
}

}  // namespace kc::course
