#include "engine/speed_of_light.h"

#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/atomic_file.h"
#include "util/json_file.h"

namespace kc::engine {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

Error unreadable(const fs::path& file, std::string_view why, std::string detail = {}) {
    if (!detail.empty()) detail += '\n';
    detail += "Move the file away (or delete it) and the GPU is measured again.";
    return make_error(fmt::format("speed-of-light file {} {}", file.string(), why), std::move(detail));
}

// The parsed file, checked down to every entry, or nullopt when there is no file.
Result<std::optional<json>> read_document(const fs::path& file) {
    auto read = read_versioned_json(file, [&](std::string_view why, std::string detail) {
        return unreadable(file, why, std::move(detail));
    });
    if (!read) return read.error();
    if (!*read) return std::optional<json>{};
    json doc = std::move((*read)->doc);
    if (auto version = (*read)->schema; version != kSpeedOfLightSchema) {
        return unreadable(file, fmt::format("has schema {}; this kernelcoach reads {}", version,
                                            kSpeedOfLightSchema));
    }

    auto devices = doc.find("devices");
    if (devices == doc.end()) {
        doc["devices"] = json::array();
    } else if (!devices->is_array()) {
        return unreadable(file, "has a \"devices\" entry that is not an array");
    }
    for (std::size_t i = 0; i < doc["devices"].size(); ++i) {
        const json& entry = doc["devices"][i];
        if (!entry.is_object()) return unreadable(file, fmt::format("has a device {} that is not an object", i));
        try {
            (void)entry.get<SpeedOfLight>();
        } catch (const json::exception& e) {
            return unreadable(file, fmt::format("has a device {} with a field of the wrong type", i), e.what());
        }
    }
    return std::optional<json>(std::move(doc));
}

bool same_key(const SpeedOfLight& a, const std::string& uuid, int driver_version) {
    return a.uuid == uuid && a.driver_version == driver_version;
}

// Whole numbers from 100 up, else three significant digits: 2970, 380, 51.2, 5.12.
std::string sig3(double v) {
    return v >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.3g}", v);
}

bool measured(double v) { return v > 0 && std::isfinite(v); }

// "NVIDIA H100 80GB HBM3" -> "H100": the vendor and the memory words say nothing the numbers
// do not; the form factor ("PCIe", "NVL") stays, since it changes the numbers.
std::string short_name(std::string name) {
    constexpr std::string_view vendor = "NVIDIA ";
    if (name.starts_with(vendor)) name.erase(0, vendor.size());

    std::vector<std::string> words;
    for (std::size_t at = 0; at < name.size();) {
        std::size_t end = name.find(' ', at);
        if (end == std::string::npos) end = name.size();
        if (end > at) words.push_back(name.substr(at, end - at));
        at = end + 1;
    }
    auto memory_word = [](const std::string& w) {
        if (w.starts_with("HBM")) return true;
        std::size_t digits = w.find_first_not_of("0123456789");
        return digits > 0 && digits != std::string::npos && w.substr(digits) == "GB";
    };
    while (words.size() > 1 && memory_word(words.back())) words.pop_back();

    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out.empty() ? "unknown GPU" : out;
}

}  // namespace

void to_json(json& j, const SpeedOfLight& s) {
    j = {{"uuid", s.uuid},
         {"driver_version", s.driver_version},
         {"device", s.device},
         {"measured_at", s.measured_at},
         {"copy_gbps", s.copy_gbps},
         {"copy_bytes", s.copy_bytes},
         {"gemm_size", s.gemm_size},
         {"fp32_tflops", s.fp32_tflops},
         {"tf32_tflops", s.tf32_tflops},
         {"fp16_tflops", s.fp16_tflops},
         {"bf16_tflops", s.bf16_tflops},
         {"gemm_library", s.gemm_library},
         {"seconds", s.seconds}};
}

void from_json(const json& j, SpeedOfLight& s) {
    s.uuid = json_or<std::string>(j, "uuid", "");
    s.driver_version = json_or(j, "driver_version", 0);
    s.device = json_or<std::string>(j, "device", "");
    s.measured_at = json_or<std::string>(j, "measured_at", "");
    s.copy_gbps = json_or(j, "copy_gbps", 0.0);
    s.copy_bytes = json_or(j, "copy_bytes", 0.0);
    s.gemm_size = json_or(j, "gemm_size", 0);
    s.fp32_tflops = json_or(j, "fp32_tflops", 0.0);
    s.tf32_tflops = json_or(j, "tf32_tflops", 0.0);
    s.fp16_tflops = json_or(j, "fp16_tflops", 0.0);
    s.bf16_tflops = json_or(j, "bf16_tflops", 0.0);
    s.gemm_library = json_or<std::string>(j, "gemm_library", "");
    s.seconds = json_or(j, "seconds", 0.0);
}

fs::path speed_of_light_path(const fs::path& state_dir) { return state_dir / "speed-of-light.json"; }

Result<std::optional<SpeedOfLight>> load_speed_of_light(const fs::path& file, const std::string& uuid,
                                                        int driver_version) {
    // No lock: the file is only ever replaced whole by a rename, so a read sees one version.
    Result<std::optional<json>> doc = read_document(file);
    if (!doc) return doc.error();
    if (!*doc) return std::optional<SpeedOfLight>{};
    for (const json& entry : (**doc)["devices"]) {
        auto s = entry.get<SpeedOfLight>();
        if (same_key(s, uuid, driver_version)) return std::optional<SpeedOfLight>(std::move(s));
    }
    return std::optional<SpeedOfLight>{};
}

Status save_speed_of_light(const fs::path& file, const SpeedOfLight& s) {
    if (s.uuid.empty()) return make_error("cannot save a speed of light without the device's uuid");
    for (double v : {s.copy_gbps, s.copy_bytes, s.fp32_tflops, s.tf32_tflops, s.fp16_tflops, s.bf16_tflops,
                     s.seconds}) {
        if (!std::isfinite(v)) {
            return make_error(fmt::format("cannot save a speed of light of {} with a number that is not finite",
                                          s.device.empty() ? s.uuid : s.device));
        }
    }

    // A file load_speed_of_light() refuses (corrupt, or another schema) is replaced by a fresh
    // one: its entries cannot be read anyway, and it is only a cache, so the worst case is that
    // the other GPUs in it are measured again.
    // No lock either: two processes saving at once may lose one entry, which costs the same.
    Result<std::optional<json>> read = read_document(file);
    json doc = read && *read ? std::move(**read)
                             : json{{"schema", kSpeedOfLightSchema}, {"devices", json::array()}};

    // Other entries are kept as they are, with any fields a newer kernelcoach added.
    json& devices = doc["devices"];
    bool replaced = false;
    for (json& entry : devices) {
        if (same_key(entry.get<SpeedOfLight>(), s.uuid, s.driver_version)) {
            entry = s;
            replaced = true;
            break;
        }
    }
    if (!replaced) devices.push_back(s);

    // replace: a device name with bad UTF-8 must not make the write throw.
    std::string text = doc.dump(2, ' ', false, json::error_handler_t::replace);
    text += '\n';
    return write_file_atomic(file, text);
}

std::string describe(const SpeedOfLight& s) {
    std::string out = short_name(s.device) + ": copy ";
    out += measured(s.copy_gbps) ? sig3(s.copy_gbps) + " GB/s" : std::string("not measured");

    const std::pair<const char*, double> gemms[] = {
        {"fp32", s.fp32_tflops}, {"TF32", s.tf32_tflops}, {"fp16", s.fp16_tflops}, {"bf16", s.bf16_tflops}};
    int last = -1;  // the unit follows the last measured value, so it is never "not measured TFLOP/s"
    for (int i = 0; i < 4; ++i)
        if (measured(gemms[i].second)) last = i;

    if (last < 0) {
        out += "; GEMM not measured";
    } else {
        out += "; GEMM";
        for (int i = 0; i < 4; ++i) {
            out += fmt::format("{} {} ", i == 0 ? "" : ",", gemms[i].first);
            out += measured(gemms[i].second) ? sig3(gemms[i].second) : std::string("not measured");
            if (i == last) out += " TFLOP/s";
        }
        std::vector<std::string> about;
        if (!s.gemm_library.empty()) about.push_back(s.gemm_library);
        if (s.gemm_size > 0) about.push_back(fmt::format("{}^3", s.gemm_size));
        if (!about.empty()) out += fmt::format(" ({})", fmt::join(about, ", "));
    }

    if (!s.measured_at.empty()) {
        // The date is enough: "2026-11-25T23:40:00Z" -> "2026-11-25".
        std::size_t t = s.measured_at.find('T');
        out += ", measured " + s.measured_at.substr(0, t);
    }
    return out;
}

}  // namespace kc::engine
