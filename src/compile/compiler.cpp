#include "compile/compiler.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nvrtc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <regex>

#include "compile/arch.h"
#include "compile/debug_kit.h"
#include "compile/includes.h"
#include "compile/source_text.h"
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

// The first line of a compiler log that says error or fatal (ptxas: "ptxas error : Entry function
// 'k' uses too much shared data (0x20000 bytes, 0xc000 max)"), else its first non-empty line.
std::string log_error_line(const std::string& log) {
    std::string first;
    size_t pos = 0;
    while (pos < log.size()) {
        size_t end = log.find('\n', pos);
        if (end == std::string::npos) end = log.size();
        std::string line = log.substr(pos, end - pos);
        pos = end + 1;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty()) continue;
        if (line.find("error") != std::string::npos || line.find("fatal") != std::string::npos) return line;
        if (first.empty()) first = line;
    }
    return first;
}

// The launchers of `req`: "launch" when it names none.
std::vector<std::string> launchers_of(const Request& req) {
    return req.launchers.empty() ? std::vector<std::string>{"launch"} : req.launchers;
}

// An error on a line of the geometry suffix: which function of which case could not be
// evaluated at compile time.
std::string explain_geometry_error(const Diagnostic& d, const Request& req, const std::string& first) {
    const auto launchers = launchers_of(req);
    const size_t per_case = launchers.size() + req.scratch.size() + (req.tensor_maps ? 1 : 0);
    const size_t idx = d.line >= 1 ? static_cast<size_t>(d.line - 1) : 0;
    const size_t c = idx / per_case, item = idx % per_case;
    const std::string which = c < req.case_names.size() && c < req.problems.size()
                                  ? fmt::format(" for case '{}' ({})", req.case_names[c], req.problems[c])
                                  : "";
    if (item == launchers.size() + req.scratch.size())
        return fmt::format("tensor_maps() could not be evaluated at compile time{}: it must be a constexpr function "
                           "`constexpr TensorMaps tensor_maps(Problem p)` that calls only constexpr code (NVRTC said: {})",
                           which, first);
    if (item >= launchers.size()) {
        const std::string& fn = req.scratch[item - launchers.size()];
        return fmt::format("{}() could not be evaluated at compile time{}: it must be a constexpr function "
                           "`constexpr long long {}(Problem p)` that calls only constexpr code (NVRTC said: {})",
                           fn, which, fn, first);
    }
    const std::string& fn = launchers[item];
    return fmt::format("{}() could not be evaluated at compile time{}: it must be a constexpr function "
                       "`constexpr Launch {}(Problem p)` that calls only constexpr code (NVRTC said: {})",
                       fn, which, fn, first);
}

// Turns diagnostics in our generated code into the learner's terms.
std::string explain_failure(const std::vector<Diagnostic>& diags, const Request& req, const std::string& log = {}) {
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
        if (d.file == kGeometryFile) return explain_geometry_error(d, req, first);
        const std::string& file = d.file == kSourceName ? req.display_path : d.file;
        std::string where = d.column > 0 ? fmt::format("{}:{}:{}", file, d.line, d.column)
                                         : fmt::format("{}:{}", file, d.line);
        if (errors == 1) return fmt::format("does not compile: {}: {}", where, first);
        return fmt::format("does not compile ({} errors); the first: {}: {}", errors, where, first);
    }
    // No diagnostic with a place: the assembler's (ptxas) errors, "uses too much shared data".
    if (auto line = log_error_line(log); !line.empty()) return "does not compile: " + line;
    return "does not compile (NVRTC gave no message)";
}

std::string option_arch(int sm, bool specific = false) { return arch_name(Arch{sm, specific}); }

// The include folders: the CUDA Toolkit's and CCCL's.
std::vector<fs::path> toolkit_dirs() {
    const fs::path inc = cuda_include_dir();
    return {inc, inc / "cccl"};
}

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

std::vector<int> supported_archs() {
    int n = 0;
    if (nvrtcGetNumSupportedArchs(&n) != NVRTC_SUCCESS || n <= 0) return {};
    std::vector<int> archs(static_cast<size_t>(n));
    if (nvrtcGetSupportedArchs(archs.data()) != NVRTC_SUCCESS) return {};
    std::sort(archs.begin(), archs.end());
    return archs;
}

std::string archs_text(const std::vector<int>& archs) {
    std::vector<std::string> names;
    for (int a : archs) names.push_back(option_arch(a));
    return fmt::format("{}", fmt::join(names, ", "));
}

Status check_arch(int sm) { return check_arch(sm, supported_archs()); }

Status check_arch(int sm, const std::vector<int>& archs) {
    if (archs.empty() || std::find(archs.begin(), archs.end(), sm) != archs.end()) return Ok{};
    const char* why = sm < archs.front()  ? " (an older GPU needs an older CUDA Toolkit)"
                      : sm > archs.back() ? " (a newer GPU needs a newer CUDA Toolkit)"
                                          : "";
    return make_error(fmt::format("NVRTC {} cannot compile for {}: it compiles for {}{}", nvrtc_version(),
                                  option_arch(sm), archs_text(archs), why));
}

int default_sm(int min_sm) { return default_sm(min_sm, supported_archs()); }

int default_sm(int min_sm, const std::vector<int>& archs) {
    if (archs.empty()) return std::max(min_sm, 75);
    for (int a : archs)
        if (a >= min_sm) return a;
    return archs.back();
}

std::string geometry_suffix(const std::vector<std::string>& problems, const std::vector<std::string>& launchers,
                            const std::vector<std::string>& scratch, bool tensor_maps) {
    std::string s = fmt::format("\n#line 1 \"{}\"\n", kGeometryFile);
    for (size_t i = 0; i < problems.size(); ++i) {
        for (size_t k = 0; k < launchers.size(); ++k)
            s += fmt::format("extern \"C\" __device__ const Launch kc_launch_{} = {}({});\n",
                             i * launchers.size() + k, launchers[k], problems[i]);
        for (size_t t = 0; t < scratch.size(); ++t)
            s += fmt::format("extern \"C\" __device__ const long long kc_scratch_{} = {}({});\n",
                             i * scratch.size() + t, scratch[t], problems[i]);
        if (tensor_maps) s += fmt::format("extern \"C\" __device__ const TensorMaps kc_tmaps_{} = tensor_maps({});\n", i, problems[i]);
    }
    return s;
}

Result<std::vector<long long>> read_scratch(const std::string& ptx, size_t count) {
    std::vector<long long> out(count);
    for (size_t i = 0; i < count; ++i) {
        std::regex re(fmt::format(R"(\.[bsu]64\s+kc_scratch_{}(?:\s*=\s*(-?\d+))?\s*;)", i));
        std::smatch m;
        if (!std::regex_search(ptx, m, re)) return make_error(fmt::format("the compiled module has no kc_scratch_{}", i));
        // NVRTC omits a zero initialiser and may print a negative value as its unsigned bits.
        out[i] = !m[1].matched               ? 0
                 : m[1].str().front() == '-' ? std::stoll(m[1].str())
                                             : static_cast<long long>(std::stoull(m[1].str()));
    }
    return out;
}

namespace {

// The bytes NVRTC wrote for the initialised global `name` of `size` bytes: `.b8 name[size] =
// {...}`, trailing zero bytes omitted (all of them for an all-zero value).
Status read_global_bytes(const std::string& ptx, const std::string& name, size_t size, unsigned char* bytes) {
    std::regex re(fmt::format(R"(\.b8\s+{}\[(\d+)\](?:\s*=\s*\{{([^}}]*)\}})?)", name));
    std::smatch m;
    if (!std::regex_search(ptx, m, re)) return make_error(fmt::format("the compiled module has no {}", name));
    if (const size_t got = std::stoul(m[1].str()); got != size)
        return make_error(fmt::format("{} has {} bytes, expected {}: kernelcoach.h and the driver disagree", name, got, size));
    std::memset(bytes, 0, size);
    const std::string list = m[2].str();
    size_t k = 0;
    for (const char* p = list.c_str(); *p && k < size;) {
        while (*p == ' ' || *p == ',') ++p;
        if (!*p) break;
        char* end = nullptr;
        unsigned long v = std::strtoul(p, &end, 10);
        if (end == p || v > 255) return make_error(fmt::format("cannot read {} from PTX", name));
        bytes[k++] = static_cast<unsigned char>(v);
        p = end;
    }
    return Ok{};
}

template <class T>
Result<std::vector<T>> read_globals(const std::string& ptx, const char* prefix, size_t count) {
    std::vector<T> out(count);
    for (size_t i = 0; i < count; ++i) {
        unsigned char bytes[sizeof(T)];
        if (auto s = read_global_bytes(ptx, fmt::format("{}{}", prefix, i), sizeof(T), bytes); !s) return s.error();
        std::memcpy(&out[i], bytes, sizeof(T));
    }
    return out;
}

}  // namespace

Result<std::vector<Launch>> read_launches(const std::string& ptx, size_t count) {
    return read_globals<Launch>(ptx, "kc_launch_", count);
}

Result<std::vector<TensorMaps>> read_tensor_maps(const std::string& ptx, size_t count) {
    return read_globals<TensorMaps>(ptx, "kc_tmaps_", count);
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

std::vector<std::string> base_options(int sm, bool specific) {
    std::vector<std::string> options = {"-arch=" + option_arch(sm, specific), "-std=c++20", "-default-device", "-lineinfo"};
    for (const auto& d : toolkit_dirs()) options.push_back("-I" + d.string());
    return options;
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

namespace {

fs::path source_dir(const Request& req) {
    return req.source_path.empty() ? fs::current_path() : fs::absolute(req.source_path).parent_path();
}

// How a diagnostic's file is shown: a header beside kernel.cu as the learner sees its path.
std::string shown_file(const std::string& file, const Request& req) {
    if (req.source_path.empty()) return file;
    const fs::path rel = fs::path(file).lexically_relative(source_dir(req));
    if (rel.empty() || *rel.begin() == "..") return file;
    return (fs::path(req.display_path).parent_path() / rel).string();
}

// The program NVRTC compiles, named by its real path so that quoted includes resolve from its
// folder, and starting with `#line` so that diagnostics and line info still say "kernel.cu".
Job program(const std::string& text, const Request& req, const std::vector<std::string>& options) {
    return Job{fmt::format("#line 1 \"{}\"\n", kSourceName) + text + geometry_suffix(req.problems, launchers_of(req), req.scratch, req.tensor_maps),
               req.source_path.empty() ? kSourceName : fs::absolute(req.source_path).string(),
               {{"kernelcoach.h", req.header}, {kDebugHeaderName, debug_header()}},
               options,
               req.timeout_s};
}

// The cache key: the program, the learner's files it includes, kernelcoach.h, the kernel's
// name, the options (the architecture is one) and the NVRTC version. False when the includes
// could not all be followed: then the cache is not used.
std::pair<std::string, bool> cache_key(const Job& job, const Request& req) {
    Hasher h;
    h.field(job.source).field(req.header).field(debug_header()).field(nvrtc_version());
    for (const auto& k : req.kernels) h.field(k);
    for (const auto& o : job.options) h.field(o);
    const fs::path dir = source_dir(req);
    const auto inc = local_includes(job.source, dir, {"kernelcoach.h", kDebugHeaderName}, toolkit_dirs());
    for (const auto& f : inc.files) h.field(f.path.lexically_relative(dir).generic_string()).field(f.text);
    return {h.hex(), inc.complete};
}

// A file NVRTC should not be given: too large, empty, or with bytes it reads wrongly. Fills in
// `out` and returns true when `text` is refused.
bool refuse(const std::string& text, const Request& req, Output& out) {
    if (text.size() > kMaxSourceBytes)
        out.summary = fmt::format("{} is {} ({} bytes), more than the {} bytes kernelcoach compiles (a course "
                                  "kernel.cu is a few KB: was this one generated?)",
                                  req.display_path, size_text(text.size()), text.size(), kMaxSourceBytes);
    else if (is_blank(text))
        out.summary = fmt::format("{} is empty: there is nothing to compile (`kernelcoach reset <id>` puts the "
                                  "starter back)",
                                  req.display_path);
    else if (auto bad = find_bad_byte(text)) {
        out.diagnostics.push_back({kSourceName, bad->line, bad->column, "error", describe(*bad), bad->line_text});
        out.summary = explain_failure(out.diagnostics, req);
    }
    return !out.summary.empty();
}

// Fills `out.launches` and `out.scratch` from its PTX: every case's launch of every step and
// the elements of every scratch tensor.
Status read_geometry(Output& out, const Request& req) {
    const size_t cases = req.problems.size(), steps = launchers_of(req).size();
    auto flat = read_launches(out.ptx, cases * steps);
    if (!flat) return flat.error();
    auto scratch = read_scratch(out.ptx, cases * req.scratch.size());
    if (!scratch) return scratch.error();
    out.tensor_maps.assign(cases, {});
    if (req.tensor_maps) {
        auto maps = read_tensor_maps(out.ptx, cases);
        if (!maps) return maps.error();
        out.tensor_maps = std::move(*maps);
    }
    out.launches.assign(cases, {});
    out.scratch.assign(cases, {});
    for (size_t c = 0; c < cases; ++c) {
        out.launches[c].assign(flat->begin() + static_cast<long>(c * steps), flat->begin() + static_cast<long>((c + 1) * steps));
        const size_t n = req.scratch.size();
        out.scratch[c].assign(scratch->begin() + static_cast<long>(c * n), scratch->begin() + static_cast<long>((c + 1) * n));
    }
    return Ok{};
}

std::optional<Output> from_cache(const Output& base, const fs::path& cache_dir, const Request& req) {
    auto cubin = read_file(cache_dir / (base.key + ".cubin"));
    auto ptx = read_file(cache_dir / (base.key + ".ptx"));
    if (!cubin || !ptx || cubin->empty()) return std::nullopt;
    Output out = base;
    out.ptx = std::move(*ptx);
    if (!read_geometry(out, req)) return std::nullopt;  // a damaged entry is simply rebuilt
    out.ok = true;
    out.cache_hit = true;
    out.cubin = std::move(*cubin);
    return out;
}

// Turns what NVRTC made into an Output: diagnostics, the entry point, the launches.
Result<Output> finish(Output out, Built built, const Request& req, const std::string& text) {
    out.log = std::move(built.log);
    out.diagnostics = parse_nvrtc_log(out.log, kSourceName, text);
    for (auto& d : out.diagnostics) d.file = shown_file(d.file, req);
    if (built.timed_out) {
        out.timed_out = true;
        out.summary = fmt::format("compiling did not finish within {:g} s: NVRTC was still at work on {} (a very "
                                  "large file, or templates instantiated without end?); --compile-timeout allows more",
                                  req.timeout_s, req.display_path);
        return out;
    }
    if (!built.ok) {
        out.summary = explain_failure(out.diagnostics, req, out.log);
        return out;
    }
    out.ptx = std::move(built.ptx);
    out.cubin = std::move(built.cubin);
    // The entry points must exist with C linkage, or the worker cannot find them.
    for (size_t k = 0; k < req.kernels.size(); ++k) {
        std::regex entry(fmt::format(R"(\.entry\s+{}\s*\()", req.kernels[k]));
        if (std::regex_search(out.ptx, entry)) continue;
        out.summary = fmt::format(
            "{} compiles, but defines no kernel named `{}`: declare it as extern \"C\" __global__ "
            "void {}({})",
            req.display_path, req.kernels[k], req.kernels[k], k < req.params.size() ? req.params[k] : "");
        return out;
    }
    if (auto s = read_geometry(out, req); !s) return s.error();
    out.ok = true;
    return out;
}

}  // namespace

Result<Built> build_here(const Job& job) { return run_nvrtc(job.source, job.name, job.headers, job.options); }

Result<Output> compile(const Request& req, const fs::path& cache_dir, const Builder& build) {
    if (auto arch = check_arch(req.sm); !arch) return arch.error();
    Output out;
    out.arch = option_arch(req.sm, req.arch_specific);
    out.options = base_options(req.sm, req.arch_specific);
    for (const auto& o : req.extra_options) out.options.push_back(o);
    const std::string text = strip_bom(req.source);
    if (refuse(text, req, out)) return out;

    const Job job = program(text, req, out.options);
    const auto [key, cacheable] = cache_key(job, req);
    out.key = key;
    const bool cache = cacheable && !cache_dir.empty();
    if (cache)
        if (auto hit = from_cache(out, cache_dir, req)) return std::move(*hit);

    auto start = std::chrono::steady_clock::now();
    auto built = build(job);
    if (!built) return built.error();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto done = finish(std::move(out), std::move(*built), req, text);
    if (!done || !done->ok) return done;
    // A key that does not cover every file read names this cubin by its bytes instead.
    if (!cacheable) done->key = Hasher().field(done->key).field(done->cubin).hex();
    if (cache) {
        // A cache that cannot be written only costs time; the result stands.
        (void)write_file_atomic(cache_dir / (done->key + ".ptx"), done->ptx);
        (void)write_file_atomic(cache_dir / (done->key + ".cubin"), done->cubin);
    }
    return done;
}

const char* kernel_source_name() { return kSourceName; }

}  // namespace kc::compile
