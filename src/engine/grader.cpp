#include "engine/grader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <future>
#include <random>

#include "engine/compile_child.h"
#include "engine/decide.h"
#include "engine/sanitize_case.h"
#include "engine/spawn.h"
#include "engine/tensor_maps.h"
#include "grade/floor.h"
#include "compile/debug_kit.h"
#include "compile/toolkit.h"
#include "exercises/spec.h"
#include "exercises/registry.h"
#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::engine {

namespace fs = std::filesystem;
using grade::Verdict;
using nlohmann::json;

Speed Grade::speed(const wire::Timing& t, double b, double f) const {
    return speed_of(t, b, f, device ? &*device : nullptr, light ? &*light : nullptr, math);
}
Speed Grade::speed() const { return timing ? speed(*timing, bytes, flops) : Speed{}; }
double Grade::gbps() const { return speed().gbps; }
double Grade::percent_of_copy() const { return speed().percent_of_copy; }
double Grade::tflops() const { return speed().tflops; }
bool Grade::compute_bound() const { return speed().compute_bound; }
double Grade::percent_of_light() const { return speed().percent_of_light; }
std::string Grade::speed_summary() const {
    if (!timing) return {};
    const Speed s = speed();
    if (s.compute_bound) {
        return fmt::format("{:.2f} TFLOP/s, {:.1f}% of {} {}, {:.2f}x vendor", s.tflops, s.percent_of_light,
                           arithmetic(math).name, s.light_measured ? "GEMM" : "peak", s.vendor_ratio);
    }
    return fmt::format("{:.0f} GB/s, {:.1f}% of {}, {:.2f}x vendor", s.gbps, s.percent_of_light,
                       s.light_measured ? "copy" : "DRAM peak", s.vendor_ratio);
}
double Grade::vendor_ratio() const { return speed().vendor_ratio; }
bool Grade::clears(const course::Manifest& m) const {
    return verdict == Verdict::Passed && gates.size() == m.pass.size();
}
bool Grade::uses_shared_memory() const {
    if (kernel && kernel->static_shared > 0) return true;
    for (const auto& geo : geometry)
        if (geo.launch.shared_bytes > 0) return true;
    return false;
}

namespace {

uint64_t fresh_seed() {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32 | rd()) % 1000000000000ull;  // short enough to type
}

// "n=1000, dim=64; every pointer 4 bytes past a 256-byte boundary": the sizes, then the view.
std::string sizes_text(const exercises::Spec& spec, const exercises::Sizes& s, const exercises::View& view) {
    std::vector<std::string> parts;
    for (const auto& f : spec.fields) parts.push_back(fmt::format("{}={}", f, s.at(f)));
    return fmt::format("{}{}", fmt::join(parts, ", "), view.plain() ? "" : "; " + view.text());
}

std::string problem_init(const exercises::Spec& spec, const exercises::Sizes& s) {
    std::vector<std::string> vals;
    for (const auto& f : spec.fields) vals.push_back(fmt::format("{}", s.at(f)));
    return fmt::format("Problem{{{}}}", fmt::join(vals, ", "));
}

// "n=1000" for the case of that name.
std::string case_sizes(const Grade& g, const std::string& name) {
    for (const auto& geo : g.geometry)
        if (geo.name == name) return geo.sizes;
    return {};
}

// The launch plan of a module: the exercise's steps, one per kernel the manifest names.
Result<std::vector<exercises::Step>> module_plan(const exercises::Exercise& ex, const course::Manifest& m,
                                                 const std::string& rel_dir) {
    if (m.cases.empty()) return make_error(fmt::format("{}/module.json: no cases", rel_dir));
    auto plan = ex.plan(m.cases.front().sizes);
    if (plan.size() != m.kernels.size())
        return make_error(fmt::format("{}/module.json: exercise '{}' launches {} kernel{} per case, and the manifest "
                                      "names {}",
                                      rel_dir, m.exercise, plan.size(), plan.size() == 1 ? "" : "s", m.kernels.size()));
    return plan;
}

// What NVRTC must build for a module: its kernels with their parameters, the functions that
// give their launches ("launch" for one kernel, "launch_<kernel>" for several) and size the
// scratch tensors, one Problem per case.
compile::Request compile_request(const exercises::Exercise& ex, const course::Manifest& m,
                                 const std::vector<exercises::Step>& plan, const Target& target) {
    compile::Request req;
    req.header = exercises::prelude(ex, target.constants);
    req.sm = target.arch.sm;
    req.arch_specific = target.arch.specific;
    req.tensor_maps = true;  // kernelcoach.h declares tensor_maps() and its default (none)
    req.kernels = m.kernels;
    const auto& first = m.cases.front().sizes;
    for (size_t k = 0; k < plan.size(); ++k) {
        req.params.push_back(exercises::parameters(ex, first, k));
        req.launchers.push_back(plan.size() == 1 ? "launch" : "launch_" + m.kernels[k]);
    }
    for (const auto& t : ex.tensors(first))
        if (t.role == exercises::Role::kScratch && t.elements == 0)
            req.scratch.push_back(exercises::scratch_function(t.name));
    for (const auto& c : m.cases) {
        req.problems.push_back(problem_init(ex.spec(), c.sizes));
        req.case_names.push_back(c.name);
    }
    return req;
}

// A case found WRONG before anything ran (its geometry or tensor maps), added to `g`; the first
// one also gives the grade's summary.
void wrong_before_running(Grade& g, const CaseGeometry& geo, const std::string& why) {
    if (g.cases.empty()) g.summary = fmt::format("case '{}' ({}): {}", geo.name, geo.sizes, why);
    wire::CaseResult r;
    r.name = geo.name;
    r.launch = geo.launch;
    r.verdict = "WRONG";
    r.message = why;
    g.cases.push_back(r);
}

// launch_problem_for() of every launch of a case, naming the kernel when there are several.
std::string launch_problems(const std::vector<Launch>& launches, const std::vector<std::string>& kernels,
                            const compile::DeviceConstants& device) {
    for (size_t k = 0; k < launches.size(); ++k) {
        std::string bad = launch_problem_for(launches[k], device);
        if (!bad.empty())
            return launches.size() > 1 && k < kernels.size() ? fmt::format("`{}`: {}", kernels[k], bad) : bad;
    }
    return {};
}

// Why the sanitizer runs a grade asked for did not happen.
std::string sanitizer_missing_note(const std::vector<Grader::SanitizerJob>& jobs) {
    const char* where = "it ships with the CUDA Toolkit, in its bin folder";
    if (jobs.size() == sanitizer_tools().size())
        return fmt::format("--sanitize: compute-sanitizer is not installed ({}); nothing was sanitized", where);
    std::vector<std::string> what;
    for (const auto& j : jobs)
        what.push_back(j.tool == "racecheck"
                           ? "racecheck (your kernel uses shared memory, and a missing __syncthreads() can give "
                             "right answers in plain runs)"
                           : "memcheck (a vector access past the end of a buffer that leaves its bytes unchanged "
                             "passes the plain runs)");
    return fmt::format("{} did not run: compute-sanitizer is not installed ({})", fmt::join(what, " and "), where);
}

// One plain launch of one case (the worker's only launch of the kernel) behind `wrapper`:
// compute-sanitizer or ncu, with their arguments. nullopt when it could not start or did not
// finish (`name` says what: "racecheck", "ncu"), with the reason in `note`.
std::optional<WorkerRun> launch_under(const fs::path& worker, const std::vector<std::string>& wrapper,
                                      const wire::Request& request, size_t case_index, double timeout,
                                      const std::string& name, std::string& note) {
    wire::Request req = request;
    req.op = "launch";
    req.launch_case = static_cast<int>(case_index);
    auto w = run_worker(worker, json(req).dump(), timeout, wrapper);
    if (!w) {
        note = fmt::format("could not start {}: {}", fs::path(wrapper.front()).filename().string(),
                           w.error().message);
        return std::nullopt;
    }
    if (w->timed_out) {
        note = fmt::format("{} did not finish within {:g} s", name, timeout);
        return std::nullopt;
    }
    return std::move(*w);
}

}  // namespace

namespace {

fs::path sanitizer_log(const fs::path& cache, const std::string& tool) {
    return cache / fmt::format("sanitizer-{}-{}.log", tool, ::getpid());
}

std::vector<std::string> sanitizer_wrapper(const std::string& sanitizer, const std::string& tool,
                                           const wire::Request& request, const fs::path& log) {
    std::vector<std::string> wrapper = {sanitizer};
    // One kernel is named to the tool; a plan of several is not filtered (the launch op runs no
    // kernel of kernelcoach's own).
    const std::string only = request.kernels.size() == 1 ? request.kernels.front() : std::string();
    for (auto& a : sanitizer_args(tool, only, log.string())) wrapper.push_back(std::move(a));
    return wrapper;
}

wire::Request launch_request(const wire::Request& request, size_t case_index, bool hold) {
    wire::Request req = request;
    req.op = "launch";
    req.launch_case = static_cast<int>(case_index);
    req.hold = hold;
    return req;
}

}  // namespace

SanitizerRun Grader::sanitize(const course::Module& module, const wire::Request& request, const SanitizerJob& job,
                              const std::string& sanitizer, Primed* primed, const std::atomic<bool>* cancel) {
    SanitizerRun run;
    run.tool = job.tool;
    run.case_name = request.cases[job.case_index].name;
    std::error_code ec;
    fs::create_directories(cache_dir(), ec);
    // The tools slow a kernel down a hundredfold and start slowly: a generous deadline.
    const double timeout = std::max(120.0, 4 * options_.timeout_s.value_or(module.manifest.timeout_s));
    const fs::path log = primed ? primed->log : sanitizer_log(cache_dir(), job.tool);
    auto w = primed ? primed->worker.release(timeout, cancel)
                    : run_worker(options_.worker_exe, json(launch_request(request, job.case_index, false)).dump(),
                                 timeout, sanitizer_wrapper(sanitizer, job.tool, request, log));
    auto text = read_file(log);
    fs::remove(log, ec);
    if (!w) {
        run.note = fmt::format("could not start compute-sanitizer: {}", w.error().message);
        return run;
    }
    if (w->timed_out) {
        run.note = fmt::format("{} did not finish within {:g} s", job.tool, timeout);
        return run;
    }
    run.seconds = w->seconds;
    if (!text) {
        run.note = fmt::format("{} wrote no report (exit code {}): {}", job.tool, w->exit_code,
                               w->output.substr(0, 400));
        return run;
    }
    run.ran = true;
    auto found = parse_sanitizer(*text, job.tool, compile::kernel_source_name());
    run.note = sanitizer_summary(*text);
    for (const auto& e : w->events) {
        if (e.value("event", "") == "error") run.note = "the launch failed: " + e.value("message", std::string());
        if (e.value("event", "") == "buffers")
            name_buffers(found, e.at("buffers").get<std::vector<wire::Buffer>>());
    }
    run.findings = merge_findings(std::move(found));
    return run;
}

Result<ReferenceBuild> Grader::build_reference(const course::Module& module) {
    ReferenceBuildRequest r;
    r.source = module.dir / kReferenceFile;
    r.display_path = module.rel_dir + "/" + kReferenceFile;
    r.cache_dir = cache_dir();
    r.timeout_s = options_.compile_timeout_s;
    return engine::build_reference(r);
}

Status Grader::compile_reference(const course::Module& module, const compile::Request& learner, wire::Request& wr) {
    const fs::path path = module.solution_path();
    compile::Request req = learner;
    req.extra_options.clear();  // the learner's -D values (tune's) are not the solution's
    req.display_path = module.rel_solution();
    req.source_path = path;
    auto text = read_file(path);
    if (!text)
        return make_error(fmt::format("exercise '{}' has no vendor, so the module's reference solution {} stands in "
                                      "for it, and it cannot be read: {}",
                                      module.manifest.exercise, req.display_path, text.error().message));
    req.source = *text;
    auto out = compile::compile(req, cache_dir(), compile_in_child());
    if (!out) return out.error();
    if (!out->ok) return make_error(fmt::format("the reference solution {} {}", req.display_path, out->summary));
    return use_as_reference(*out, wr);
}

Status Grader::use_as_reference(const compile::Output& out, wire::Request& wr) {
    const fs::path cubin = cache_dir() / (out.key + ".cubin");
    if (!fs::exists(cubin))
        if (auto s = write_file_atomic(cubin, out.cubin); !s) return s;
    wr.reference_cubin = cubin.string();
    for (size_t i = 0; i < wr.cases.size() && i < out.launches.size(); ++i) {
        wr.cases[i].reference_launches = out.launches[i];
        wr.cases[i].reference_scratch = out.scratch[i];
        if (i < out.tensor_maps.size()) wr.cases[i].reference_tensor_maps = requested_maps(out.tensor_maps[i]);
    }
    return Ok{};
}

NcuProfile Grader::profile(const course::Module& module, const wire::Request& request, size_t case_index) {
    NcuProfile p;
    p.case_name = request.cases[case_index].name;
    const std::string ncu = compile::find_tool("ncu");
    if (ncu.empty()) {
        p.note = kNcuMissing;
        return p;
    }
    std::vector<std::string> wrapper = {ncu};
    for (auto& a : ncu_arguments(request.kernels.front(), 0)) wrapper.push_back(std::move(a));
    // ncu replays the kernel once per group of counters: far slower than a plain run.
    const double timeout = std::max(300.0, 10 * options_.timeout_s.value_or(module.manifest.timeout_s));
    auto w = launch_under(options_.worker_exe, wrapper, request, case_index, timeout, "ncu", p.note);
    if (!w) return p;
    p.seconds = w->seconds;
    auto report = parse_ncu_csv(w->output);
    if (!report) {
        // Profiling counters need permission (ERR_NVGPUCTRPERM) on many machines: ncu says so.
        p.note = report.error().message + (report.error().detail.empty() ? "" : ":\n" + report.error().detail);
        return p;
    }
    p.ran = true;
    p.report = std::move(*report);
    return p;
}

Grader::Grader(const course::Course& course, Options options)
    : course_(course), options_(std::move(options)), seed_(options_.seed.value_or(fresh_seed())) {
    if (options_.worker_exe.empty()) options_.worker_exe = self_exe();
}

fs::path Grader::cache_dir() const { return course_.root / ".kernelcoach" / "cache"; }

namespace {

// Identifies this boot of the machine: a device remembered in the same boot is still there.
std::string boot_id() {
    auto id = read_file("/proc/sys/kernel/random/boot_id");
    if (!id) return {};
    std::string s = *id;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

const DeviceStatus& Grader::device() {
    if (device_) return *device_;
    device_ = DeviceStatus{};
    if (!options_.use_gpu) {
        device_->reason = "running was not asked for (--compile-only)";
        return *device_;
    }
    // Probing starts CUDA in a worker (a fraction of a second): remember the answer for this
    // boot, so `run` in the edit loop does not pay it twice.
    const fs::path remembered = course_.root / ".kernelcoach" / "device.json";
    const std::string boot = boot_id();
    if (!options_.fresh_probe && !boot.empty()) {
        if (auto text = read_file(remembered)) {
            try {
                json j = json::parse(*text);
                if (j.at("boot_id").get<std::string>() == boot) {
                    device_->available = true;
                    device_->remembered = true;
                    device_->device = j.at("device").get<wire::Device>();
                    return *device_;
                }
            } catch (const std::exception&) {
                // a damaged file is probed again and rewritten
            }
        }
    }
    auto run = run_worker(options_.worker_exe, json(wire::Request{.op = "probe"}).dump(), 60);
    if (!run) {
        device_->reason = run.error().message;
        return *device_;
    }
    for (const auto& e : run->events) {
        if (e.value("event", "") == "device") {
            device_->available = true;
            device_->device = e.get<wire::Device>();
        } else if (e.value("event", "") == "error") {
            device_->reason = e.get<wire::ErrorEvent>().message;
        }
    }
    if (!device_->available && device_->reason.empty())
        device_->reason = run->timed_out ? "the GPU did not answer within 60 s"
                                         : "the GPU probe failed: " + run->output;
    device_->probe_seconds = run->seconds;
    if (device_->available && !boot.empty())
        (void)write_file_atomic(remembered, json{{"boot_id", boot}, {"device", device_->device}}.dump(2) + "\n");
    return *device_;
}

Target Grader::target(const course::Module& module, int file_arch) {
    const auto& m = module.manifest;
    TargetQuery q;
    q.min_sm = m.min_sm;
    q.module_arch = m.arch_sm ? m.arch_sm : file_arch;
    q.arch_from_file = !m.arch_sm && file_arch;
    if (const DeviceStatus& dev = device(); dev.available) q.gpu = dev.device;
    if (options_.arch_sm) q.requested = compile::Arch{*options_.arch_sm, options_.arch_specific};
    q.buildable = compile::supported_archs();
    return choose_target(q);
}

Result<SpeedOfLight> Grader::speed_of_light(bool measure_again, bool* measured) {
    if (measured) *measured = false;
    if (light_ && !measure_again) return *light_;
    const DeviceStatus& dev = device();
    if (!dev.available) return make_error("no GPU: " + dev.reason);
    if (dev.device.uuid.empty()) return make_error("the GPU did not report its UUID");
    const fs::path file = speed_of_light_path(course_.root / ".kernelcoach");
    if (!measure_again) {
        auto cached = load_speed_of_light(file, dev.device.uuid, dev.device.driver_version);
        // A damaged file is measured again and rewritten (save replaces what cannot be read).
        if (cached && *cached) return *(light_ = **cached);
    }
    wire::Request req;
    req.op = "calibrate";
    req.cache_dir = cache_dir().string();
    auto run = run_worker(options_.worker_exe, json(req).dump(), 300);
    if (!run) return run.error();
    std::optional<SpeedOfLight> got;
    std::string why;
    for (const auto& e : run->events) {
        if (e.value("event", "") == "speed_of_light") got = e.get<SpeedOfLight>();
        else if (e.value("event", "") == "error") why = e.value("message", std::string());
    }
    if (!got) {
        if (why.empty()) why = run->timed_out ? "it did not finish within 300 s" : "the worker stopped: " + run->output;
        return make_error("measuring the speed of light failed: " + why);
    }
    if (auto s = save_speed_of_light(file, *got); !s) return s.error();
    if (measured) *measured = true;
    return *(light_ = *got);
}

Result<Grade> Grader::grade(const course::Module& module, const fs::path& source) {
    if (options_.cases.empty()) return grade_module(module, source);
    auto cases = course::narrow_cases(module.manifest, options_.cases, module.id);
    if (!cases) return cases.error();
    course::Module narrowed = module;
    narrowed.manifest.cases = std::move(*cases);
    auto g = grade_module(narrowed, source);
    if (g) g->only_cases = options_.cases;
    if (g && g->compiled) {
        std::vector<std::string> names;
        for (const auto& c : narrowed.manifest.cases) names.push_back("'" + c.name + "'");
        g->notes.push_back(fmt::format("graded only {} {} of {}, with the inputs a whole run gives them{}",
                                       names.size() == 1 ? "case" : "cases", fmt::join(names, ", "),
                                       module.manifest.cases.size(),
                                       narrowed.manifest.timed_case() ? "" : ": not timed, so no speed gate"));
    }
    return g;
}

Result<Grade> Grader::grade_module(const course::Module& module, const fs::path& source) {
    const auto& m = module.manifest;
    const exercises::Spec* spec = course::spec_of(m);
    if (!spec)
        return make_error(fmt::format("{}/module.json: exercise '{}' is not one kernelcoach knows "
                                      "(it knows: {})",
                                      module.rel_dir, m.exercise, fmt::join(exercises::names(), ", ")));
    if (auto s = course::check_case_fields(m, spec->fields, module.rel_dir + "/module.json", spec->zero_ok); !s)
        return s.error();
    if (auto s = course::check_case_views(m, spec->views, module.rel_dir + "/module.json"); !s) return s.error();

    Grade g;
    g.module_id = module.id;
    g.seed = seed_;
    std::error_code ec;
    auto rel = fs::relative(source, course_.root, ec);
    g.source = ec || rel.empty() ? source.string() : rel.string();
    g.source_path = fs::absolute(source, ec).string();
    auto text = read_file(source);
    if (!text) return text.error();
    g.source_hash = hash_hex(*text);

    // 1. Compile, for the GPU's architecture when there is one (unless the module cannot run there).
    const DeviceStatus& dev = device();
    auto own_arch = compile::file_arch(*text);
    if (!own_arch) {
        g.verdict = Verdict::CompileError;
        g.summary = fmt::format("{}: {}", g.source, own_arch.error().message);
        return g;
    }
    const Target target = this->target(module, *own_arch);
    if (!target.skip.empty()) {
        g.verdict = Verdict::Skipped;
        g.summary = target.skip;
        return g;
    }
    const exercises::Exercise* ex = course::exercise_of(m);
    auto plan = module_plan(*ex, m, module.rel_dir);
    if (!plan) return plan.error();
    if (std::any_of(m.pass.begin(), m.pass.end(), [](const auto& t) { return t.kind == grade::GateKind::VsSolution; }) &&
        !ex->spec().vendor.empty())
        return make_error(fmt::format("{}/module.json: pass.vs_solution: exercise '{}' is timed against its vendor "
                                      "({}), not the reference solution: use vs_vendor",
                                      module.rel_dir, m.exercise, ex->spec().vendor));
    compile::Request req = compile_request(*ex, m, *plan, target);
    req.source = *text;
    req.source_path = g.source_path;
    req.timeout_s = options_.compile_timeout_s;
    req.display_path = g.source;
    req.extra_options.insert(req.extra_options.end(), options_.defines.begin(), options_.defines.end());
    g.debug = options_.debug;
    if (options_.debug) req.extra_options.push_back(compile::kDebugDefine);
    else if (text->find("KC_PRINT_") != std::string::npos)
        g.notes.push_back("KC_PRINT_ONCE and KC_PRINT_IF print only in `kernelcoach run " + module.id + " --debug`");
    auto out = compile::compile(req, cache_dir(), compile_in_child());
    if (!out) return out.error();
    g.arch = out->arch;
    g.cache_hit = out->cache_hit;
    g.compile_seconds = out->seconds;
    g.diagnostics = out->diagnostics;
    if (!out->ok) {
        g.verdict = out->timed_out ? Verdict::TimedOut : Verdict::CompileError;
        g.summary = out->summary;
        return g;
    }
    // A custom exercise's truth: reference.cpp, built into the library the worker loads.
    std::string reference_library;
    if (m.custom && !options_.stop_after_compile) {
        auto built = build_reference(module);
        if (!built) return built.error();
        g.diagnostics.insert(g.diagnostics.end(), built->diagnostics.begin(), built->diagnostics.end());
        if (!built->ok) {
            g.verdict = built->timed_out ? Verdict::TimedOut : Verdict::CompileError;
            g.summary = built->summary;
            return g;
        }
        reference_library = built->library.string();
    }
    g.compiled = true;
    for (size_t i = 0; i < m.cases.size(); ++i)
        g.geometry.push_back({m.cases[i].name, sizes_text(*spec, m.cases[i].sizes, m.cases[i].view), out->launches[i].front(),
                              out->launches[i]});
    // Tensor maps that cannot be encoded are the learner's mistake, known before running.
    if (auto bad = tensor_map_problems(*ex, m.cases, out->tensor_maps, plan->size(), target.arch.sm)) {
        wrong_before_running(g, g.geometry[bad->case_index], bad->message);
        g.verdict = Verdict::Wrong;
        return g;
    }
    // Geometry the learner got wrong in any GPU's terms, or in those of the target's kc::device,
    // is known before running anything. With a GPU the worker reports those cases and still runs
    // the others (a learner learns more from "only n = 1 gets zero blocks"); without one, this is
    // all there is to say.
    if (!dev.available) {
        for (const auto& geo : g.geometry) {
            std::string bad = launch_problems(geo.launches, m.kernels, target.constants);
            if (!bad.empty()) wrong_before_running(g, geo, bad);
        }
        if (!g.cases.empty()) {
            g.verdict = Verdict::Wrong;
            return g;
        }
    }
    g.math = spec->math;
    if (const auto* t = m.timed_case()) {
        g.bytes = spec->bytes(t->sizes);
        g.flops = spec->flops(t->sizes);
    }

    // 2. Run, in a worker.
    if (!dev.available || options_.stop_after_compile) {
        g.verdict = Verdict::Skipped;
        g.summary = "compiled; not run: " + (dev.available ? std::string("only compiling was asked for") : dev.reason);
        return g;
    }
    fs::path cubin = cache_dir() / (out->key + ".cubin");
    if (!fs::exists(cubin)) {
        if (auto s = write_file_atomic(cubin, out->cubin); !s) return s.error();
    }
    wire::Request wr;
    wr.op = options_.bench ? "bench" : "grade";
    wr.cubin_path = cubin.string();
    wr.cache_dir = cache_dir().string();
    wr.kernels = m.kernels;
    wr.exercise = m.exercise;
    if (m.custom) {
        wr.custom = exercises::custom_json(m.custom->custom());
        wr.reference_library = reference_library;
    }
    wr.seed = seed_;
    wr.timing = options_.timing;
    wr.min_sm = m.min_sm;
    wr.hot = options_.hot;
    wr.debug = options_.debug;
    for (size_t i = 0; i < m.cases.size(); ++i) {
        wr.cases.push_back({m.cases[i].name, m.cases[i].sizes, out->launches[i], out->scratch[i], {}, {}, m.cases[i].timed,
                            m.cases[i].seed_index, m.cases[i].view, requested_maps(out->tensor_maps[i]), {}});
    }
    // An exercise without a vendor is checked and timed against the module's reference solution.
    if (ex->spec().vendor.empty()) {
        auto ref = compile_reference(module, req, wr);
        if (!ref) return ref.error();
    }
    const double timeout = options_.timeout_s.value_or(m.timeout_s);
    // compute-sanitizer takes about half a second to start: its workers start now, held, and
    // launch only if the kernel passes (while the plain runs time, they sit idle).
    // A grade releases them at once, so they run while the plain runs do, and the grading
    // worker waits for them before it times (nothing else on the GPU then); bench releases them
    // after its worker.
    auto primed = prime_sanitizers(module, wr, g, out->ptx);
    EarlyRuns early;  // after `primed`: destroyed (cancelled) before it
    if (!options_.bench) start_sanitizers(module, wr, primed, early);
    const Pause pause{"checked", [&early] { early.wait(); }};
    wr.hold_before_timing = !early.empty() && wr.timing;
    auto run = run_worker(options_.worker_exe, json(wr).dump(), timeout, {}, wr.hold_before_timing ? &pause : nullptr);
    wr.hold_before_timing = false;  // the gate's re-timings reuse the request
    if (!run) return run.error();
    if (!dev.remembered) g.probe_seconds = dev.probe_seconds;
    g.worker_output = run->output;
    g.seconds = run->seconds;

    RunEvents events = read_events(run->events);  // moved into the grade below
    RunContext context{timeout, {}, g.bytes, g.flops, g.math};
    for (const auto& geo : g.geometry) context.case_sizes.push_back(geo.sizes);
    auto decision = decide_run(m, *run, events, context);
    if (!decision)
        return make_error(fmt::format("grading {} failed inside kernelcoach: {}", g.source, decision.error().message),
                          decision.error().detail);
    g.device = events.device;
    g.kernel = events.kernel;
    g.cases = std::move(events.cases);  // none before the worker: the no-GPU path returned above
    g.timings = std::move(events.timings);
    if (!g.timings.empty()) g.timing = g.timings.back();
    g.verdict = decision->verdict;
    g.summary = decision->summary;
    g.stopped_case = decision->stopped_case;

    // bench --ncu: Nsight Compute on the last timed case (a sweep's largest size).
    if (options_.ncu && g.verdict == Verdict::Passed) {
        size_t ci = m.cases.size() - 1;
        for (size_t i = 0; i < m.cases.size(); ++i)
            if (m.cases[i].timed) ci = i;
        g.ncu = profile(module, wr, ci);
    }

    // The speed of light the timing is measured against (measured once per GPU and driver).
    if (g.timing && g.verdict == Verdict::Passed) {
        auto light = speed_of_light();
        if (light) g.light = *light;
        else g.notes.push_back("the speed of light could not be measured (" + light.error().message +
                               "): percentages are of the data sheet's peaks");
    }

    // 3. compute-sanitizer on a kernel that passed the plain runs: memcheck on a small ragged
    //    case with every buffer at its exact size (a vector access that reads or writes past an
    //    end and leaves the bytes as they were is invisible to the guard zones), and racecheck
    //    when it uses shared memory (plain runs cannot see a missing barrier); with --sanitize,
    //    every tool on one case. The runs go side by side.
    run_sanitizers(module, wr, g, primed, early);
    // 4. The module's speed gate, on a kernel that is correct.
    gate_speed(module, req, wr, g);
    return g;
}

namespace {

// One timing as the gate sees it: the per-round ratio to the vendor, or the percent of light.
grade::Spread gate_spread(const Grade& g, grade::GateKind kind, const wire::Timing& t) {
    if (kind != grade::GateKind::OfLight)  // the vendor, or the reference solution standing in for it
        return grade::ratio_spread(t.ratio_p10, t.kernel_ms > 0 ? t.vendor_ms / t.kernel_ms : 0, t.ratio_p90,
                                   t.samples);
    return grade::light_spread(g.speed(t, g.bytes, g.flops).percent_of_light, t.kernel_ms, t.kernel_p10,
                               t.kernel_p90, t.samples);
}


// What the grade knows of a kernel that is too slow: its speed, launch and resources.
grade::SlowKernel slow_kernel(const Grade& g) {
    const Speed sp = g.speed();
    grade::SlowKernel k;
    k.compute_bound = sp.compute_bound;
    k.percent_of_light = sp.percent_of_light;
    k.rate = sp.compute_bound ? sp.tflops : sp.gbps;
    k.light_name = sp.light_name;
    k.min_bytes = g.bytes;
    if (g.device) k.sm_count = g.device->sm_count;
    if (g.kernel) {
        k.registers = g.kernel->registers;
        k.local_bytes = g.kernel->local_bytes;
    }
    for (const auto& geo : g.geometry) {
        if (!g.timing || geo.name != g.timing->case_name) continue;
        const Launch& l = geo.launch;
        k.blocks = static_cast<long long>(l.grid.x) * l.grid.y * l.grid.z;
        k.threads_per_block = static_cast<int>(l.block.x * l.block.y * l.block.z);
        k.use = {k.registers, g.kernel ? g.kernel->static_shared : 0, l.shared_bytes, k.threads_per_block};
        if (g.device && g.kernel) k.occupancy = grade::theoretical_occupancy(sm_limits(*g.device), k.use);
    }
    return k;
}

}  // namespace

std::optional<wire::Request> Grader::variant_request(const course::PassTarget& pass, const compile::Request& learner,
                                                     const wire::Request& wr, Grade& g) {
    compile::Request req = learner;
    for (const auto& [name, value] : pass.defines) req.extra_options.push_back("-D" + name + "=" + value);
    auto out = compile::compile(req, cache_dir(), compile_in_child());
    if (!out || !out->ok) {
        g.verdict = out && out->timed_out ? Verdict::TimedOut : Verdict::CompileError;
        g.summary = fmt::format("this module's speed gate times your kernel against itself built with {}, and "
                                "built that way it {}",
                                pass.variant(), out ? out->summary : out.error().message);
        if (out) g.diagnostics = out->diagnostics;
        return std::nullopt;
    }
    wire::Request variant = wr;
    variant.versus_reference = true;
    if (auto s = use_as_reference(*out, variant); !s) {
        g.notes.push_back("the speed gate's variant could not be used: " + s.error().message);
        return std::nullopt;
    }
    return variant;
}

void Grader::gate_speed(const course::Module& module, const compile::Request& learner, const wire::Request& wr,
                        Grade& g) {
    const auto& targets = module.manifest.pass;
    if (targets.empty() || g.verdict != Verdict::Passed || options_.bench) return;
    if (!g.timing || g.timing->samples == 0) {
        for (const auto& t : targets)
            g.notes.push_back(fmt::format("this module asks for {}; not timed, so that was not checked",
                                          grade::target_text(t.kind, t.value, t.variant())));
        return;
    }
    // Every target in turn; the first one missed decides: TOO_SLOW, with what limits the kernel.
    std::string clauses;
    for (const auto& target : targets) {
        auto gate = decide_gate(module, learner, wr, g, target);
        if (!gate) return;  // a re-run found the kernel wrong, crashed or hung, or it could not be checked
        const int timings = static_cast<int>(gate->each.size());
        if (gate->decision.call == grade::GateCall::TooSlow) {
            gate->reasons = grade::slow_reasons(slow_kernel(g));
            if (gate->kind == grade::GateKind::VsVariant)
                if (std::string r = grade::variant_reason(gate->spread, gate->variant); !r.empty())
                    gate->reasons.insert(gate->reasons.begin(), r);
            g.verdict = Verdict::TooSlow;
            g.summary = grade::too_slow_summary(gate->kind, gate->target, gate->spread, timings, gate->reasons,
                                                gate->variant);
            g.gates.push_back(std::move(*gate));
            return;
        }
        clauses += fmt::format("; fast enough: {}, for {}",
                               grade::spread_text(gate->kind, gate->spread, timings, gate->variant),
                               grade::target_text(gate->kind, gate->target, gate->variant));
        g.gates.push_back(std::move(*gate));
    }
    g.summary += clauses;
}

std::optional<SpeedGate> Grader::decide_gate(const course::Module& module, const compile::Request& learner,
                                             const wire::Request& wr, Grade& g, const course::PassTarget& target) {
    SpeedGate gate{.kind = target.kind, .target = target.value, .variant = target.variant()};
    // vs_variant: every timing of the gate is against the variant, the grade's own (against the
    // vendor) aside.
    wire::Request request = wr;
    std::optional<wire::Timing> first = g.timing;
    if (gate.kind == grade::GateKind::VsVariant) {
        auto variant = variant_request(target, learner, wr, g);
        if (!variant) return std::nullopt;
        request = std::move(*variant);
        first = retime(module, request, g);
        if (!first) {
            if (g.verdict == Verdict::Passed)
                g.notes.push_back(fmt::format("this module asks for {}; that could not be checked",
                                              grade::target_text(gate.kind, gate.target, gate.variant)));
            return std::nullopt;
        }
    }
    const double threshold = grade::gate_threshold(gate.kind, gate.target);
    gate.each.push_back(gate_spread(g, gate.kind, *first));
    for (;;) {
        gate.spread = grade::pool(gate.each);
        const int timings = static_cast<int>(gate.each.size());
        gate.decision = grade::decide_gate(gate.spread, threshold, timings);
        if (gate.decision.call != grade::GateCall::Undecided) break;
        auto t = retime(module, request, g);
        if (!t) {
            if (g.verdict != Verdict::Passed) return std::nullopt;  // the re-run found it wrong, crashed or hung
            gate.decision = grade::decide_gate(gate.spread, threshold, timings, timings);  // by its median
            break;
        }
        gate.each.push_back(gate_spread(g, gate.kind, *t));
    }
    return gate;
}

std::optional<wire::Timing> Grader::retime(const course::Module& module, const wire::Request& request, Grade& g) {
    wire::Request req = request;
    req.op = "grade";
    req.timing = true;
    req.cases.clear();
    for (const auto& c : request.cases)
        if (c.timed) req.cases.push_back(c);
    const double timeout = options_.timeout_s.value_or(module.manifest.timeout_s);
    auto run = run_worker(options_.worker_exe, json(req).dump(), timeout);
    if (!run) {
        g.notes.push_back("a re-timing for the speed gate could not start: " + run.error().message);
        return std::nullopt;
    }
    // The same decision as the grade's, on the timed case alone.
    course::Manifest timed = module.manifest;
    std::erase_if(timed.cases, [](const course::Case& c) { return !c.timed; });
    RunContext context{timeout, {}, g.bytes, g.flops, g.math};
    for (const auto& c : timed.cases) context.case_sizes.push_back(case_sizes(g, c.name));
    const RunEvents events = read_events(run->events);
    std::string what = "a re-timing for the speed gate";
    for (const auto& t : module.manifest.pass)
        if (request.versus_reference && t.kind == grade::GateKind::VsVariant)
            what = "a timing against your kernel built with " + t.variant();
    auto d = decide_run(timed, *run, events, context);
    if (!d || d->verdict == Verdict::Skipped) {
        g.notes.push_back(what + " gave no timing: " + (d ? d->summary : d.error().message));
        return std::nullopt;
    }
    if (d->verdict != Verdict::Passed) {
        g.verdict = d->verdict;
        g.summary = what + ": " + d->summary;
        return std::nullopt;
    }
    // A variant of the learner's own kernel must be right too, or its time says nothing.
    for (const auto& c : events.cases) {
        if (!request.versus_reference || !c.vendor || c.vendor->comparison.passed()) continue;
        g.verdict = Verdict::Wrong;
        g.summary = fmt::format("{}: built that way your kernel is wrong: case '{}' ({}): {} of {} elements are wrong",
                                what, c.name, case_sizes(g, c.name), c.vendor->comparison.mismatches,
                                c.vendor->comparison.count);
        return std::nullopt;
    }
    if (events.timings.empty() || events.timings.back().samples == 0) {
        g.notes.push_back(what + " gave no timing");
        return std::nullopt;
    }
    return events.timings.back();
}

std::vector<Grader::SanitizerJob> Grader::passing_jobs(const course::Module& module, bool uses_shared_memory) const {
    const auto& m = module.manifest;
    const auto* ex = course::exercise_of(m);
    std::vector<SanitizerJob> jobs;
    if (!ex) return jobs;
    if (options_.memcheck) jobs.push_back({"memcheck", memcheck_case(*ex, m.cases)});
    const bool racecheck = std::find(m.sanitizers.begin(), m.sanitizers.end(), "racecheck") != m.sanitizers.end();
    if (options_.racecheck && (uses_shared_memory || racecheck))
        jobs.push_back({"racecheck", sanitize_case(*ex, m.cases, {})});
    // The module's own: initcheck where buffers are exact and outputs unwritten (memcheck's case),
    // synccheck where racecheck runs. --no-memcheck (and run --debug) skip them too.
    for (const auto& tool : m.sanitizers) {
        if (tool == "racecheck" || !options_.memcheck) continue;
        jobs.push_back({tool, tool == "initcheck" ? memcheck_case(*ex, m.cases) : sanitize_case(*ex, m.cases, {})});
    }
    return jobs;
}

std::vector<Grader::SanitizerJob> Grader::sanitizer_jobs(const course::Module& module, const Grade& g) const {
    const auto& m = module.manifest;
    const auto* ex = course::exercise_of(m);
    std::vector<SanitizerJob> jobs;
    if (!ex) return jobs;
    if (options_.sanitize) {
        if (g.verdict != Verdict::Passed && g.verdict != Verdict::Wrong && g.verdict != Verdict::Crashed) return jobs;
        const size_t ci = sanitize_case(*ex, m.cases, g.cases);
        for (const auto& tool : sanitizer_tools()) jobs.push_back({tool, ci});
        return jobs;
    }
    if (g.verdict != Verdict::Passed) return jobs;
    return passing_jobs(module, g.uses_shared_memory());
}

std::vector<Grader::Primed> Grader::prime_sanitizers(const course::Module& module, const wire::Request& wr,
                                                     const Grade& g, const std::string& ptx) {
    std::vector<Primed> primed;
    if (options_.sanitize) return primed;
    // Static shared memory is declared in the PTX; dynamic shared memory is in the geometry.
    const bool shared = g.uses_shared_memory() || ptx.find(".shared ") != std::string::npos;
    const auto jobs = passing_jobs(module, shared);
    if (jobs.empty()) return primed;
    const std::string cs = compile::find_tool("compute-sanitizer");
    if (cs.empty()) return primed;
    std::error_code ec;
    fs::create_directories(cache_dir(), ec);
    for (const auto& job : jobs) {
        const fs::path log = sanitizer_log(cache_dir(), job.tool);
        auto w = HeldWorker::start(options_.worker_exe, json(launch_request(wr, job.case_index, true)).dump(),
                                   sanitizer_wrapper(cs, job.tool, wr, log));
        if (w) primed.push_back({job, std::move(*w), log});  // otherwise it starts afresh when wanted
    }
    return primed;
}

namespace {

bool same_job(const Grader::SanitizerJob& a, const Grader::SanitizerJob& b) {
    return a.tool == b.tool && a.case_index == b.case_index;
}

}  // namespace

Grader::EarlyRuns::~EarlyRuns() { cancel_rest(); }

void Grader::EarlyRuns::cancel_rest() {
    cancel_ = true;
    wait();
}

void Grader::EarlyRuns::wait() const {
    for (const auto& [job, run] : runs_)
        if (run.valid()) run.wait();
}

std::optional<SanitizerRun> Grader::EarlyRuns::take(const SanitizerJob& job) {
    for (auto& [j, run] : runs_)
        if (same_job(j, job) && run.valid()) return run.get();
    return std::nullopt;
}

void Grader::start_sanitizers(const course::Module& module, const wire::Request& wr, std::vector<Primed>& primed,
                              EarlyRuns& early) {
    const std::string cs = compile::find_tool("compute-sanitizer");
    if (cs.empty()) return;
    for (auto& p : primed)  // a copy of the request: the grade goes on changing its own
        early.runs_.emplace_back(p.job, std::async(std::launch::async, [this, &module, wr, cs, &p, &early] {
                                     return sanitize(module, wr, p.job, cs, &p, &early.cancel_);
                                 }));
}

void Grader::run_sanitizers(const course::Module& module, const wire::Request& wr, Grade& g,
                            std::vector<Primed>& primed, EarlyRuns& early) {
    const auto jobs = sanitizer_jobs(module, g);
    std::vector<std::optional<SanitizerRun>> done;
    for (const auto& job : jobs) done.push_back(early.take(job));
    early.cancel_rest();  // no thread may run past here: the speed gate's compile child forks
    if (jobs.empty()) return;
    const std::string cs = compile::find_tool("compute-sanitizer");
    if (cs.empty()) {
        g.notes.push_back(sanitizer_missing_note(jobs));
        return;
    }
    std::vector<std::future<SanitizerRun>> runs;
    for (size_t i = 0; i < jobs.size(); ++i) {
        const auto& job = jobs[i];
        if (done[i]) {
            std::promise<SanitizerRun> ready;
            ready.set_value(std::move(*done[i]));
            runs.push_back(ready.get_future());
            continue;
        }
        Primed* p = nullptr;
        for (auto& candidate : primed)
            if (same_job(candidate.job, job) && candidate.worker.held()) p = &candidate;
        runs.push_back(std::async(std::launch::async, [&, job, p] { return sanitize(module, wr, job, cs, p); }));
    }
    for (size_t i = 0; i < runs.size(); ++i) {
        SanitizerRun got = runs[i].get();
        // A tool that did not report (it could not start, wrote no report, ran past its
        // deadline) checked nothing: once more, afresh and alone, before the grade may pass
        // without it. (On the H200 a must-fail control once passed a dev check with its race
        // unreported, and failed in 3 of 3 runs alone.)
        if (!got.ran) {
            SanitizerRun again = sanitize(module, wr, jobs[i], cs, nullptr);
            again.note = (again.ran ? "on a second try (the first: " : "twice; the first: ") + got.note +
                         (again.ran ? "): " : "; the second: ") + again.note;
            got = std::move(again);
        }
        g.sanitizer.push_back(std::move(got));
        const SanitizerRun& run = g.sanitizer.back();
        if (run.findings.empty() || g.verdict != Verdict::Passed) continue;
        g.verdict = Verdict::Wrong;
        g.summary = fmt::format("case '{}' ({}), {}: {}", run.case_name, case_sizes(g, run.case_name), run.tool,
                                describe(run.findings.front(), g.source));
    }
}

}  // namespace kc::engine
