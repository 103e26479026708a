#include "wire/protocol.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "util/json_file.h"

namespace kc {

using nlohmann::json;

void to_json(json& j, const Launch& v) {
    j = {{"grid", {v.grid.x, v.grid.y, v.grid.z}},
         {"block", {v.block.x, v.block.y, v.block.z}},
         {"shared_bytes", v.shared_bytes},
         {"cluster", {v.cluster.x, v.cluster.y, v.cluster.z}}};
}
void from_json(const json& j, Launch& v) {
    auto g = j.at("grid").get<std::vector<uint32_t>>();
    auto b = j.at("block").get<std::vector<uint32_t>>();
    v.grid = {g.at(0), g.at(1), g.at(2)};
    v.block = {b.at(0), b.at(1), b.at(2)};
    v.shared_bytes = j.at("shared_bytes").get<uint32_t>();
    if (j.contains("cluster")) {  // 1 x 1 x 1 (no cluster) when absent
        auto c = j.at("cluster").get<std::vector<uint32_t>>();
        v.cluster = {c.at(0), c.at(1), c.at(2)};
    }
}

void to_json(json& j, const TensorMapRequest& v) {
    j = {{"tensor", v.tensor}, {"rows", v.rows},         {"cols", v.cols},       {"row_stride", v.row_stride},
         {"box_rows", v.box_rows}, {"box_cols", v.box_cols}, {"swizzle", v.swizzle}};
}
void from_json(const json& j, TensorMapRequest& v) {
    v.tensor = j.at("tensor").get<int32_t>();
    v.rows = j.at("rows").get<uint32_t>();
    v.cols = j.at("cols").get<uint32_t>();
    v.row_stride = j.at("row_stride").get<uint32_t>();
    v.box_rows = j.at("box_rows").get<uint32_t>();
    v.box_cols = j.at("box_cols").get<uint32_t>();
    v.swizzle = j.at("swizzle").get<uint32_t>();
}

}  // namespace kc

namespace kc::wire {

using nlohmann::json;

json number(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    return x;
}

double number(const json& j) {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
        auto s = j.get<std::string>();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

namespace {

json mismatch_json(const grade::Mismatch& m) {
    return {{"index", m.index},        {"coords", m.coords},          {"got", number(m.got)},
            {"expected", number(m.expected)}, {"error", number(m.error)}, {"bound", number(m.bound)},
            {"never_written", m.never_written}};
}

grade::Mismatch mismatch_from(const json& j) {
    grade::Mismatch m;
    m.index = j.at("index").get<size_t>();
    m.coords = j.at("coords").get<std::vector<long long>>();
    m.got = number(j.at("got"));
    m.expected = number(j.at("expected"));
    m.error = number(j.at("error"));
    m.bound = number(j.at("bound"));
    m.never_written = j.at("never_written").get<bool>();
    return m;
}

}  // namespace

void to_json(json& j, const CaseRequest& v) {
    j = {{"name", v.name}, {"sizes", v.sizes}, {"launches", v.launches}, {"timed", v.timed}};
    if (!v.scratch.empty()) j["scratch"] = v.scratch;
    if (!v.reference_launches.empty()) j["reference_launches"] = v.reference_launches;
    if (!v.reference_scratch.empty()) j["reference_scratch"] = v.reference_scratch;
    if (!v.tensor_maps.empty()) j["tensor_maps"] = v.tensor_maps;
    if (!v.reference_tensor_maps.empty()) j["reference_tensor_maps"] = v.reference_tensor_maps;
    if (v.seed_index >= 0) j["seed_index"] = v.seed_index;
    if (!v.view.plain())
        j["view"] = {{"offset", v.view.offset}, {"nonfinite", v.view.nonfinite}, {"bad_indices", v.view.bad_indices}};
}
void from_json(const json& j, CaseRequest& v) {
    v.name = j.at("name").get<std::string>();
    v.sizes = j.at("sizes").get<exercises::Sizes>();
    v.launches = j.at("launches").get<std::vector<Launch>>();
    if (v.launches.empty()) throw std::runtime_error("a case with no launches");
    v.scratch = json_or(j, "scratch", std::vector<long long>{});
    v.reference_launches = json_or(j, "reference_launches", std::vector<Launch>{});
    v.reference_scratch = json_or(j, "reference_scratch", std::vector<long long>{});
    v.timed = json_or(j, "timed", false);
    v.tensor_maps = json_or(j, "tensor_maps", std::vector<TensorMapRequest>{});
    v.reference_tensor_maps = json_or(j, "reference_tensor_maps", std::vector<TensorMapRequest>{});
    v.seed_index = json_or(j, "seed_index", -1);
    if (j.contains("view")) {
        const json& w = j.at("view");
        v.view.offset = w.at("offset").get<int>();
        v.view.nonfinite = w.at("nonfinite").get<bool>();
        v.view.bad_indices = w.at("bad_indices").get<int>();
    }
}

void to_json(json& j, const Request& v) {
    j = {{"op", v.op},       {"cubin_path", v.cubin_path}, {"cache_dir", v.cache_dir}, {"kernels", v.kernels},
         {"reference_cubin", v.reference_cubin}, {"versus_reference", v.versus_reference},
         {"exercise", v.exercise}, {"cases", v.cases},     {"seed", v.seed},
         {"timing", v.timing}, {"min_sm", v.min_sm}, {"launch_case", v.launch_case}, {"hot", v.hot}, {"hold", v.hold},
         {"hold_before_timing", v.hold_before_timing}, {"debug", v.debug}};
    if (!v.custom.is_null()) {
        j["custom"] = v.custom;
        j["reference_library"] = v.reference_library;
    }
}
void from_json(const json& j, Request& v) {
    v.op = j.at("op").get<std::string>();
    v.cubin_path = json_or<std::string>(j, "cubin_path", "");
    v.cache_dir = json_or<std::string>(j, "cache_dir", "");
    v.kernels = json_or(j, "kernels", std::vector<std::string>{});
    v.reference_cubin = json_or<std::string>(j, "reference_cubin", "");
    v.versus_reference = json_or(j, "versus_reference", false);
    v.exercise = json_or<std::string>(j, "exercise", "");
    v.cases = json_or(j, "cases", std::vector<CaseRequest>{});
    v.seed = json_or<uint64_t>(j, "seed", 0);
    v.timing = json_or(j, "timing", true);
    v.min_sm = json_or(j, "min_sm", 70);
    v.launch_case = json_or(j, "launch_case", 0);
    v.hold = json_or(j, "hold", false);
    v.hold_before_timing = json_or(j, "hold_before_timing", false);
    v.debug = json_or(j, "debug", false);
    v.hot = json_or(j, "hot", false);
    v.custom = j.contains("custom") ? j.at("custom") : json();
    v.reference_library = json_or<std::string>(j, "reference_library", "");
}

void to_json(json& j, const Device& v) {
    j = {{"name", v.name},           {"sm", v.sm},
         {"sm_count", v.sm_count},   {"l2_bytes", v.l2_bytes},
         {"memory_bytes", v.memory_bytes}, {"driver_version", v.driver_version},
         {"runtime_version", v.runtime_version}, {"init_seconds", v.init_seconds},
         {"peak_gbps", v.peak_gbps}, {"peak_fp32_tflops", v.peak_fp32_tflops},
         {"peak_bf16_tflops", v.peak_bf16_tflops},
         {"uuid", v.uuid}, {"clock_khz", v.clock_khz}, {"memory_clock_khz", v.memory_clock_khz},
         {"bus_width_bits", v.bus_width_bits}, {"max_threads_per_sm", v.max_threads_per_sm},
         {"max_blocks_per_sm", v.max_blocks_per_sm}, {"regs_per_sm", v.regs_per_sm},
         {"shared_per_sm", v.shared_per_sm}, {"reserved_shared_per_block", v.reserved_shared_per_block},
         {"max_shared_per_block", v.max_shared_per_block}};
}
void from_json(const json& j, Device& v) {
    v.name = j.at("name").get<std::string>();
    v.sm = j.at("sm").get<int>();
    v.sm_count = json_or(j, "sm_count", 0);
    v.l2_bytes = json_or<size_t>(j, "l2_bytes", 0);
    v.memory_bytes = json_or<size_t>(j, "memory_bytes", 0);
    v.driver_version = json_or(j, "driver_version", 0);
    v.runtime_version = json_or(j, "runtime_version", 0);
    v.init_seconds = json_or(j, "init_seconds", 0.0);
    v.peak_gbps = json_or(j, "peak_gbps", 0.0);
    v.peak_fp32_tflops = json_or(j, "peak_fp32_tflops", 0.0);
    v.peak_bf16_tflops = json_or(j, "peak_bf16_tflops", 0.0);
    v.uuid = json_or<std::string>(j, "uuid", "");
    v.clock_khz = json_or(j, "clock_khz", 0);
    v.memory_clock_khz = json_or(j, "memory_clock_khz", 0);
    v.bus_width_bits = json_or(j, "bus_width_bits", 0);
    v.max_threads_per_sm = json_or(j, "max_threads_per_sm", 0);
    v.max_blocks_per_sm = json_or(j, "max_blocks_per_sm", 0);
    v.regs_per_sm = json_or(j, "regs_per_sm", 0);
    v.shared_per_sm = json_or<size_t>(j, "shared_per_sm", 0);
    v.reserved_shared_per_block = json_or<size_t>(j, "reserved_shared_per_block", 0);
    v.max_shared_per_block = json_or<size_t>(j, "max_shared_per_block", 0);
}

void to_json(json& j, const KernelInfo& v) {
    j = {{"registers", v.registers}, {"max_threads", v.max_threads},
         {"static_shared", v.static_shared}, {"local_bytes", v.local_bytes}};
}
void from_json(const json& j, KernelInfo& v) {
    v.registers = json_or(j, "registers", 0);
    v.max_threads = json_or(j, "max_threads", 0);
    v.static_shared = json_or<size_t>(j, "static_shared", 0);
    v.local_bytes = json_or<size_t>(j, "local_bytes", 0);
}

void to_json(json& j, const Guard& v) {
    j = {{"buffer", v.buffer},           {"before", v.before},
         {"first_offset", v.first_offset}, {"last_offset", v.last_offset},
         {"bytes_changed", v.bytes_changed}, {"element_bytes", v.element_bytes},
         {"elements", v.elements}};
}
void from_json(const json& j, Guard& v) {
    v.buffer = j.at("buffer").get<std::string>();
    v.before = j.at("before").get<bool>();
    v.first_offset = j.at("first_offset").get<size_t>();
    v.last_offset = j.at("last_offset").get<size_t>();
    v.bytes_changed = j.at("bytes_changed").get<size_t>();
    v.element_bytes = json_or<size_t>(j, "element_bytes", 4);
    v.elements = json_or<size_t>(j, "elements", 0);
}

void to_json(json& j, const Check& v) {
    const auto& c = v.comparison;
    j = {{"count", c.count},
         {"mismatches", c.mismatches},
         {"never_written", c.never_written},
         {"nan_got", c.nan_got},
         {"inf_mismatch", c.inf_mismatch},
         {"nan_missing", c.nan_missing},
         {"max_error", number(c.max_error)},
         {"headroom", number(c.headroom)},
         {"diagnosis", v.diagnosis},
         {"shape", v.shape},
         {"heatmap", {{"rows", v.heatmap.rows}, {"cols", v.heatmap.cols}, {"fraction", v.heatmap.fraction}}}};
    if (c.first) j["first"] = mismatch_json(*c.first);
    if (c.worst) j["worst"] = mismatch_json(*c.worst);
    if (!v.tensor.empty()) j["tensor"] = v.tensor;
}
void from_json(const json& j, Check& v) {
    auto& c = v.comparison;
    c.count = j.at("count").get<size_t>();
    c.mismatches = j.at("mismatches").get<size_t>();
    c.never_written = j.at("never_written").get<size_t>();
    c.nan_got = j.at("nan_got").get<size_t>();
    c.inf_mismatch = j.at("inf_mismatch").get<size_t>();
    c.nan_missing = json_or<size_t>(j, "nan_missing", 0);
    c.max_error = number(j.at("max_error"));
    c.headroom = number(j.at("headroom"));
    if (j.contains("first")) c.first = mismatch_from(j["first"]);
    if (j.contains("worst")) c.worst = mismatch_from(j["worst"]);
    v.diagnosis = json_or<std::string>(j, "diagnosis", "");
    v.tensor = json_or<std::string>(j, "tensor", "");
    v.shape = json_or(j, "shape", std::vector<long long>{});
    if (j.contains("heatmap")) {
        v.heatmap.rows = j["heatmap"].at("rows").get<int>();
        v.heatmap.cols = j["heatmap"].at("cols").get<int>();
        v.heatmap.fraction = j["heatmap"].at("fraction").get<std::vector<double>>();
    }
}

void to_json(json& j, const CaseResult& v) {
    j = {{"name", v.name}, {"verdict", v.verdict}, {"message", v.message}, {"launch", v.launch},
         {"seconds", v.seconds}};
    if (v.check) j["check"] = *v.check;
    if (!v.others.empty()) j["others"] = v.others;
    if (!v.explanation.empty()) j["explanation"] = v.explanation;
    if (v.vendor) j["vendor"] = *v.vendor;
    if (v.guard) j["guard"] = *v.guard;
    if (!v.modified_input.empty()) j["modified_input"] = v.modified_input;
    if (v.nondeterministic) j["nondeterministic"] = v.nondeterministic;
    if (!v.phases.empty()) {
        json p = json::object();
        for (const auto& [k, t] : v.phases) p[k] = t;
        j["phases"] = p;
    }
}
void from_json(const json& j, CaseResult& v) {
    v.name = j.at("name").get<std::string>();
    v.verdict = j.at("verdict").get<std::string>();
    v.message = json_or<std::string>(j, "message", "");
    v.launch = j.at("launch").get<Launch>();
    if (j.contains("check")) v.check = j["check"].get<Check>();
    v.others = json_or(j, "others", std::vector<Check>{});
    v.explanation = json_or<std::string>(j, "explanation", "");
    if (j.contains("vendor")) v.vendor = j["vendor"].get<Check>();
    if (j.contains("guard")) v.guard = j["guard"].get<Guard>();
    v.modified_input = json_or<std::string>(j, "modified_input", "");
    v.nondeterministic = json_or<size_t>(j, "nondeterministic", 0);
    v.seconds = json_or(j, "seconds", 0.0);
    if (j.contains("phases"))
        for (auto it = j["phases"].begin(); it != j["phases"].end(); ++it)
            v.phases.emplace_back(it.key(), it->get<double>());
}

void to_json(json& j, const Timing& v) {
    j = {{"case", v.case_name},       {"kernel_ms", v.kernel_ms}, {"kernel_p10", v.kernel_p10},
         {"kernel_p90", v.kernel_p90}, {"vendor_ms", v.vendor_ms}, {"vendor_p10", v.vendor_p10},
         {"vendor_p90", v.vendor_p90}, {"copy_ms", v.copy_ms},     {"samples", v.samples},
         {"method", v.method}, {"seconds", v.seconds}, {"kernel_rse", v.kernel_rse}, {"vendor_rse", v.vendor_rse},
         {"ratio_p10", v.ratio_p10}, {"ratio_p90", v.ratio_p90}, {"launches", v.launches},
         {"buffer_sets", v.buffer_sets}, {"active_blocks_per_sm", v.active_blocks_per_sm}};
    if (!v.vendor_detail.empty()) j["vendor_detail"] = v.vendor_detail;
    if (v.unfused)
        j["unfused"] = {{"what", v.unfused->what},          {"ms", v.unfused->ms},
                        {"p10", v.unfused->p10},            {"p90", v.unfused->p90},
                        {"ratio_p10", v.unfused->ratio_p10}, {"ratio_p90", v.unfused->ratio_p90}};
    if (!v.looped.empty()) j["looped"] = v.looped;
    if (v.check) j["check"] = *v.check;
    if (!v.wrong.empty()) j["wrong"] = v.wrong;
}
void from_json(const json& j, Timing& v) {
    v.case_name = j.at("case").get<std::string>();
    v.kernel_ms = j.at("kernel_ms").get<double>();
    v.kernel_p10 = json_or(j, "kernel_p10", 0.0);
    v.kernel_p90 = json_or(j, "kernel_p90", 0.0);
    v.vendor_ms = json_or(j, "vendor_ms", 0.0);
    v.vendor_p10 = json_or(j, "vendor_p10", 0.0);
    v.vendor_p90 = json_or(j, "vendor_p90", 0.0);
    v.copy_ms = json_or(j, "copy_ms", 0.0);
    v.samples = json_or(j, "samples", 0);
    v.method = json_or<std::string>(j, "method", "");
    v.seconds = json_or(j, "seconds", 0.0);
    v.vendor_detail = json_or<std::string>(j, "vendor_detail", "");
    if (j.contains("unfused")) {
        const auto& u = j["unfused"];
        v.unfused = UnfusedTiming{u.at("what").get<std::string>(), u.at("ms").get<double>(), json_or(u, "p10", 0.0),
                                  json_or(u, "p90", 0.0), json_or(u, "ratio_p10", 0.0), json_or(u, "ratio_p90", 0.0)};
    }
    v.kernel_rse = json_or(j, "kernel_rse", 0.0);
    v.vendor_rse = json_or(j, "vendor_rse", 0.0);
    v.ratio_p10 = json_or(j, "ratio_p10", 0.0);
    v.ratio_p90 = json_or(j, "ratio_p90", 0.0);
    v.launches = json_or(j, "launches", 1);
    v.buffer_sets = json_or<size_t>(j, "buffer_sets", 1);
    v.looped = json_or<std::string>(j, "looped", "");
    v.active_blocks_per_sm = json_or(j, "active_blocks_per_sm", 0);
    if (j.contains("check")) v.check = j["check"].get<Check>();
    v.wrong = json_or<std::string>(j, "wrong", "");
}

void to_json(json& j, const Buffer& v) { j = {{"name", v.name}, {"address", v.address}, {"bytes", v.bytes}}; }
void from_json(const json& j, Buffer& v) {
    v.name = j.at("name").get<std::string>();
    v.address = j.at("address").get<uint64_t>();
    v.bytes = j.at("bytes").get<size_t>();
}

void to_json(json& j, const ErrorEvent& v) {
    j = {{"kind", v.kind}, {"message", v.message}, {"detail", v.detail}};
}
void from_json(const json& j, ErrorEvent& v) {
    v.kind = j.at("kind").get<std::string>();
    v.message = j.at("message").get<std::string>();
    v.detail = json_or<std::string>(j, "detail", "");
}

}  // namespace kc::wire
