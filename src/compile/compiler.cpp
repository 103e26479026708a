#include "compile/compiler.h"

#include <fmt/format.h>
#include <nvrtc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <regex>

#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::compile {

namespace fs = std::filesystem;

namespace {

constexpr const char* kGeometryFile = "kernelcoach-geometry";
constexpr const char* kSourceName = "kernel.cu";

// Owns an nvrtcProgram.
struct Program {
    nvrtcProgram p = nullptr;
    ~Program() {
        if (p) nvrtcDestroyProgram(&p);
    }
};

Error nvrtc_error(const char* what, nvrtcResult r) {
    return make_error(fmt::format("NVRTC failed in {}: {}", what, nvrtcGetErrorString(r)));
}

// Turns diagnostics in our generated code into the learner's terms.
std::string explain_failure(const std::vector<Diagnostic>& diags, const Request& req) {
    // Count the learner's own errors; those in the appended geometry lines follow from them.
    size_t errors = 0, own = 0;
    for (const auto& d : diags) {
        errors += d.severity == "error";
        own += d.severity == "error" && d.file == kSourceName;
    }
    if (own) errors = own;
    for (const auto& d : diags) {
        if (d.severity != "error") continue;
        std::string first = d.message.substr(0, d.message.find('\n'));
        if (d.file == kGeometryFile) {
            size_t idx = d.line >= 1 ? static_cast<size_t>(d.line - 1) : 0;
            std::string which = idx < req.case_names.size()
                                    ? fmt::format(" for case '{}' ({})", req.case_names[idx],
                                                  req.problems[idx])
                                    : "";
            return fmt::format("launch() could not be evaluated at compile time{}: it must be a "
                               "constexpr function `constexpr Launch launch(Problem p)` that "
                               "calls only constexpr code (NVRTC said: {})",
                               which, first);
        }
        std::string where = d.file != kSourceName ? d.file
                            : d.column > 0 ? fmt::format("{}:{}:{}", req.display_path, d.line, d.column)
                                           : fmt::format("{}:{}", req.display_path, d.line);
        if (errors == 1) return fmt::format("does not compile: {}: {}", where, first);
        return fmt::format("does not compile ({} errors); the first: {}: {}", errors, where, first);
    }
    return "does not compile (see the compiler log)";
}

std::string option_arch(int sm) { return fmt::format("sm_{}", sm); }

}  // namespace

std::string cuda_include_dir() {
    if (const char* env = std::getenv("KERNELCOACH_CUDA_INCLUDE"); env && *env) return env;
    return KC_CUDA_INCLUDE_DIR;
}

std::string nvrtc_version() {
    int major = 0, minor = 0;
    if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "unknown";
    return fmt::format("{}.{}", major, minor);
}

int default_sm(int min_sm) {
    int n = 0;
    if (nvrtcGetNumSupportedArchs(&n) != NVRTC_SUCCESS || n <= 0) return std::max(min_sm, 75);
    std::vector<int> archs(static_cast<size_t>(n));
    if (nvrtcGetSupportedArchs(archs.data()) != NVRTC_SUCCESS) return std::max(min_sm, 75);
    std::sort(archs.begin(), archs.end());
    for (int a : archs)
        if (a >= min_sm) return a;
    return archs.back();
}

std::string geometry_suffix(const std::vector<std::string>& problems) {
    std::string s = fmt::format("\n#line 1 \"{}\"\n", kGeometryFile);
    for (size_t i = 0; i < problems.size(); ++i)
        s += fmt::format("extern \"C\" __device__ const Launch kc_launch_{} = launch({});\n", i,
                         problems[i]);
    return s;
}

Result<std::vector<Launch>> read_launches(const std::string& ptx, size_t count) {
    std::vector<Launch> out(count);
    for (size_t i = 0; i < count; ++i) {
        std::regex re(fmt::format(R"(\.b8\s+kc_launch_{}\[(\d+)\](?:\s*=\s*\{{([^}}]*)\}})?)", i));
        std::smatch m;
        if (!std::regex_search(ptx, m, re))
            return make_error(fmt::format("the compiled module has no kc_launch_{}", i));
        size_t size = std::stoul(m[1].str());
        if (size != sizeof(Launch))
            return make_error(fmt::format("kc_launch_{} has {} bytes, expected {}: kernelcoach.h "
                                          "and the driver disagree",
                                          i, size, sizeof(Launch)));
        unsigned char bytes[sizeof(Launch)] = {};
        std::string list = m[2].str();
        size_t k = 0;
        for (const char* p = list.c_str(); *p && k < sizeof(bytes);) {
            while (*p == ' ' || *p == ',') ++p;
            if (!*p) break;
            char* end = nullptr;
            unsigned long v = std::strtoul(p, &end, 10);
            if (end == p || v > 255) return make_error("cannot read the launch geometry from PTX");
            bytes[k++] = static_cast<unsigned char>(v);
            p = end;
        }
        std::memcpy(&out[i], bytes, sizeof(Launch));
    }
    return out;
}

Result<Built> run_nvrtc(const std::string& source, const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::vector<std::string>& options) {
    Program prog;
    std::vector<const char*> header_texts, header_names;
    for (const auto& [hname, htext] : headers) {
        header_names.push_back(hname.c_str());
        header_texts.push_back(htext.c_str());
    }
    nvrtcResult r = nvrtcCreateProgram(&prog.p, source.c_str(), name.c_str(),
                                       static_cast<int>(headers.size()), header_texts.data(),
                                       header_names.data());
    if (r != NVRTC_SUCCESS) return nvrtc_error("nvrtcCreateProgram", r);
    std::vector<const char*> opts;
    for (const auto& o : options) opts.push_back(o.c_str());
    nvrtcResult cr = nvrtcCompileProgram(prog.p, static_cast<int>(opts.size()), opts.data());

    // Always read the log first: warnings come with success too.
    Built out;
    size_t log_size = 0;
    if ((r = nvrtcGetProgramLogSize(prog.p, &log_size)) != NVRTC_SUCCESS)
        return nvrtc_error("nvrtcGetProgramLogSize", r);
    out.log.assign(log_size, '\0');
    if (log_size && (r = nvrtcGetProgramLog(prog.p, out.log.data())) != NVRTC_SUCCESS)
        return nvrtc_error("nvrtcGetProgramLog", r);
    while (!out.log.empty() && out.log.back() == '\0') out.log.pop_back();
    if (cr == NVRTC_ERROR_COMPILATION) return out;
    if (cr != NVRTC_SUCCESS) return nvrtc_error("nvrtcCompileProgram", cr);

    size_t n = 0;
    if ((r = nvrtcGetPTXSize(prog.p, &n)) != NVRTC_SUCCESS) return nvrtc_error("nvrtcGetPTXSize", r);
    out.ptx.assign(n, '\0');
    if ((r = nvrtcGetPTX(prog.p, out.ptx.data())) != NVRTC_SUCCESS) return nvrtc_error("nvrtcGetPTX", r);
    while (!out.ptx.empty() && out.ptx.back() == '\0') out.ptx.pop_back();
    if ((r = nvrtcGetCUBINSize(prog.p, &n)) != NVRTC_SUCCESS) return nvrtc_error("nvrtcGetCUBINSize", r);
    out.cubin.assign(n, '\0');
    if ((r = nvrtcGetCUBIN(prog.p, out.cubin.data())) != NVRTC_SUCCESS) return nvrtc_error("nvrtcGetCUBIN", r);
    out.ok = true;
    return out;
}

std::vector<std::string> base_options(int sm) {
    std::string inc = cuda_include_dir();
    return {"-arch=" + option_arch(sm), "-std=c++20", "-default-device", "-lineinfo", "-I" + inc,
            "-I" + inc + "/cccl"};
}

Result<std::string> compile_internal(const std::string& source, const std::string& name, int sm,
                                     const fs::path& cache_dir) {
    auto options = base_options(sm);
    Hasher h;
    h.field(source).field(name).field(nvrtc_version());
    for (const auto& o : options) h.field(o);
    fs::path cubin_path = cache_dir / (h.hex() + ".cubin");
    if (!cache_dir.empty())
        if (auto cached = read_file(cubin_path); cached && !cached->empty()) return *cached;
    auto built = run_nvrtc(source, name, {}, options);
    if (!built) return built.error();
    if (!built->ok) return make_error("kernelcoach's own " + name + " does not compile", built->log);
    if (!cache_dir.empty()) (void)write_file_atomic(cubin_path, built->cubin);
    return std::move(built->cubin);
}

Result<Output> compile(const Request& req, const fs::path& cache_dir) {
    Output out;
    out.arch = option_arch(req.sm);
    out.options = base_options(req.sm);
    for (const auto& o : req.extra_options) out.options.push_back(o);

    const std::string full = req.source + geometry_suffix(req.problems);
    Hasher h;
    h.field(full).field(req.header).field(req.kernel).field(nvrtc_version());
    for (const auto& o : out.options) h.field(o);
    out.key = h.hex();

    fs::path cubin_path = cache_dir / (out.key + ".cubin");
    fs::path ptx_path = cache_dir / (out.key + ".ptx");
    if (!cache_dir.empty() && fs::exists(cubin_path) && fs::exists(ptx_path)) {
        auto cubin = read_file(cubin_path);
        auto ptx = read_file(ptx_path);
        if (cubin && ptx && !cubin->empty()) {
            auto launches = read_launches(*ptx, req.problems.size());
            if (launches) {
                out.ok = true;
                out.cache_hit = true;
                out.cubin = std::move(*cubin);
                out.ptx = std::move(*ptx);
                out.launches = std::move(*launches);
                return out;
            }
        }
        // A damaged cache entry is simply rebuilt.
    }

    auto start = std::chrono::steady_clock::now();
    auto built = run_nvrtc(full, kSourceName, {{"kernelcoach.h", req.header}}, out.options);
    if (!built) return built.error();
    out.log = std::move(built->log);
    out.diagnostics = parse_nvrtc_log(out.log, kSourceName, req.source);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!built->ok) {
        out.summary = explain_failure(out.diagnostics, req);
        return out;
    }
    out.ptx = std::move(built->ptx);
    out.cubin = std::move(built->cubin);

    // The entry point must exist with C linkage, or the worker cannot find it.
    std::regex entry(fmt::format(R"(\.entry\s+{}\s*\()", req.kernel));
    if (!std::regex_search(out.ptx, entry)) {
        out.summary = fmt::format(
            "{} compiles, but defines no kernel named `{}`: declare it as extern \"C\" __global__ "
            "void {}({})",
            req.display_path, req.kernel, req.kernel, req.params);
        return out;
    }
    auto launches = read_launches(out.ptx, req.problems.size());
    if (!launches) return launches.error();
    out.launches = std::move(*launches);
    out.ok = true;

    if (!cache_dir.empty()) {
        // A cache that cannot be written only costs time; the result stands.
        (void)write_file_atomic(ptx_path, out.ptx);
        (void)write_file_atomic(cubin_path, out.cubin);
    }
    return out;
}

const char* kernel_source_name() { return kSourceName; }

}  // namespace kc::compile
