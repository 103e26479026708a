#include "util/json_file.h"

#include "util/atomic_file.h"

namespace kc {

namespace fs = std::filesystem;

Result<std::optional<VersionedJson>> read_versioned_json(const fs::path& file, const Unreadable& unreadable) {
    std::error_code ec;
    fs::file_status st = fs::status(file, ec);
    if (st.type() == fs::file_type::not_found) return std::optional<VersionedJson>{};
    if (ec) return unreadable("cannot be examined", ec.message());

    Result<std::string> text = read_file(file);
    if (!text) return unreadable("cannot be read", text.error().message);

    VersionedJson v;
    try {
        v.doc = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception& e) {
        return unreadable("is not valid JSON", e.what());
    }
    if (!v.doc.is_object()) return unreadable("is not a JSON object", {});

    auto schema = v.doc.find("schema");
    if (schema == v.doc.end()) return unreadable("has no \"schema\" version", {});
    if (!schema->is_number_integer()) return unreadable("has a \"schema\" that is not a whole number", {});
    v.schema = schema->get<int64_t>();
    return std::optional<VersionedJson>(std::move(v));
}

}  // namespace kc
