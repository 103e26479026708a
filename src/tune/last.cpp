#include "tune/last.h"

#include <algorithm>
#include <ctime>

#include "util/atomic_file.h"

namespace kc::tune {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kFormat = 1;

Result<json> read_doc(const fs::path& file) {
    auto text = read_file(file);
    if (!text) return text.error();
    try {
        json j = json::parse(*text);
        if (j.value("format", 0) != kFormat || !j.contains("devices") || !j["devices"].is_object())
            return make_error(file.string() + ": not a kernelcoach tune record");
        return j;
    } catch (const json::exception& e) {
        return make_error(file.string() + ": not valid JSON: " + e.what());
    }
}

}  // namespace

fs::path last_path(const fs::path& course_root, const std::string& module_id) {
    std::string name = module_id;
    for (size_t at = 0; (at = name.find('/', at)) != std::string::npos; at += 2) name.replace(at, 1, "__");
    return course_root / ".kernelcoach" / "tune" / (name + ".json");
}

Status save_last(const fs::path& file, const std::string& module_id, const LastRun& run) {
    json doc = {{"format", kFormat}, {"module", module_id}, {"devices", json::object()}};
    std::error_code ec;
    if (fs::exists(file, ec))
        if (auto old = read_doc(file)) doc["devices"] = (*old)["devices"];
    doc["devices"][run.uuid] = {{"device", run.device}, {"when", run.when}, {"table", run.table}};
    fs::create_directories(file.parent_path(), ec);
    return write_file_atomic(file, doc.dump(2) + "\n");
}

Result<std::vector<LastRun>> load_last(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::vector<LastRun>{};
    auto doc = read_doc(file);
    if (!doc) return doc.error();
    std::vector<LastRun> out;
    try {
        for (auto it = (*doc)["devices"].begin(); it != (*doc)["devices"].end(); ++it)
            out.push_back({it.key(), it.value().at("device").get<std::string>(), it.value().at("when").get<std::string>(),
                           it.value().at("table")});
    } catch (const json::exception& e) {
        return make_error(file.string() + ": " + e.what());
    }
    std::stable_sort(out.begin(), out.end(), [](const LastRun& a, const LastRun& b) { return a.when > b.when; });
    return out;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace kc::tune
