#include "worker/worker.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <iostream>
#include <string>

#include "compile/debug_kit.h"
#include "compile/launch.h"
#include "exercises/reference_library.h"
#include "exercises/registry.h"
#include "gpu/check.h"
#include "gpu/device.h"
#include "gpu/library.h"
#include "gpu/timer.h"
#include "util/atomic_file.h"
#include "worker/calibrate.h"
#include "worker/harness.h"
#include "worker/vendor.h"

namespace kc::worker {

namespace {

using nlohmann::json;

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void emit(const std::string& event, json body = json::object()) {
    body["event"] = event;
    std::string line = body.dump() + "\n";
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t w = ::write(wire::kEventFd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;  // the parent is gone; nothing more to say
        p += w;
        left -= static_cast<size_t>(w);
    }
}

int fail(const std::string& kind, const std::string& message, const std::string& detail = {}) {
    emit("error", wire::ErrorEvent{kind, message, detail});
    return 0;
}

int fail(const std::string& kind, const Error& e) { return fail(kind, e.message, e.detail); }

// Owns the worker's stream.
struct Stream {
    cudaStream_t s = nullptr;
    ~Stream() {
        if (s) cudaStreamDestroy(s);
    }
};

// The entry points `names` of a loaded module, in order.
Result<Kernels> kernels_of(const gpu::Library& lib, const std::vector<std::string>& names) {
    Kernels out;
    for (const auto& n : names) {
        auto k = lib.kernel(n);
        if (!k) return k.error();
        out.push_back(*k);
    }
    return out;
}

// What is wrong with a case's launches on this device (each kernel's own limits), naming the
// kernel when the plan has several; "" when nothing is.
std::string launch_problems(const Kernels& kernels, const std::vector<std::string>& names,
                            const std::vector<Launch>& launches, const gpu::DeviceInfo& info) {
    for (size_t k = 0; k < kernels.size() && k < launches.size(); ++k) {
        auto attrs = gpu::attributes(kernels[k]);
        if (!attrs) return attrs.error().message;
        std::string bad = launch_problem_on_device(launches[k], info.sm, attrs->max_threads,
                                                   info.max_shared_per_block - attrs->static_shared);
        if (!bad.empty()) return kernels.size() > 1 ? fmt::format("`{}`: {}", names[k], bad) : bad;
    }
    return {};
}

// A held worker (engine::HeldWorker), or a grading worker paused before timing
// (engine::Pause), goes on when the parent closes its stdin; `event` says it waits.
void wait_for_release(const char* event) {
    emit(event);
    char buf[256];
    while (true) {
        ssize_t r = ::read(0, buf, sizeof buf);
        if (r == 0 || (r < 0 && errno != EINTR)) return;
    }
}

// One plain launch of one case under compute-sanitizer: the report is the sanitizer's.
int launch_once(const wire::Request& req, Harness& harness, const Kernels& kernels, const gpu::DeviceInfo& info,
                cudaStream_t stream) {
    if (req.launch_case < 0 || static_cast<size_t>(req.launch_case) >= req.cases.size())
        return fail("internal", "launch: no such case");
    const auto& c = req.cases[static_cast<size_t>(req.launch_case)];
    if (auto s = prepare(kernels, c.launches); !s) return fail("internal", s.error());
    if (req.hold) wait_for_release("held");
    Env env{info, stream, nullptr, nullptr, nullptr, req.seed, false, req.kernels};
    Crash crash;
    std::vector<wire::Buffer> buffers;
    auto s = harness.launch_only(env, kernels, c, static_cast<size_t>(req.launch_case), buffers, crash);
    if (!s) return fail("internal", s.error());
    emit("buffers", json{{"buffers", buffers}});
    wire::CaseResult r;
    r.name = c.name;
    r.launch = c.launch();
    r.verdict = crash.happened ? "CRASHED" : "PASSED";
    r.message = crash.message;
    emit("case", r);
    emit("done");
    return 0;
}

// Measures the device's speed of light (worker/calibrate.h) and reports it.
int measure_speed_of_light(const wire::Request& req, const gpu::DeviceInfo& info) {
    Stream stream;
    if (cudaStreamCreateWithFlags(&stream.s, cudaStreamNonBlocking) != cudaSuccess)
        return fail("internal", "cannot create a CUDA stream");
    auto util = gpu::Utility::load(info.sm, req.cache_dir);
    if (!util) return fail("internal", util.error());
    auto timer = gpu::Timer::create(info.l2_bytes, stream.s, *util);
    if (!timer) return fail("internal", timer.error());
    auto sol = calibrate(info, *util, *timer, stream.s);
    if (!sol) return fail("internal", sol.error());
    emit("speed_of_light", *sol);
    emit("done");
    return 0;
}

// The request's custom exercise, its truth loaded from the library the parent built; null for
// an exercise kernelcoach knows by name.
Result<std::unique_ptr<exercises::CustomExercise>> custom_exercise(const wire::Request& req) {
    if (req.custom.is_null()) return std::unique_ptr<exercises::CustomExercise>();
    auto spec = exercises::parse_custom(req.custom);
    if (!spec) return make_error("the request's custom exercise: " + spec.error().message);
    return exercises::load_custom_exercise(*spec, req.reference_library);
}

int grade(const wire::Request& req, const gpu::DeviceInfo& info) {
    if (info.sm < req.min_sm)
        return fail("too-old", fmt::format("this module needs compute capability {}.{} or newer; {} is {}.{}",
                                           req.min_sm / 10, req.min_sm % 10, info.name, info.sm / 10, info.sm % 10));
    // A custom exercise comes with the request: its block, and the library of its truth.
    auto custom = custom_exercise(req);
    if (!custom) return fail("internal", custom.error().message, custom.error().detail);
    const exercises::Exercise* exercise = *custom ? custom->get() : exercises::find_exercise(req.exercise);
    auto harness = exercise ? make_tensor_harness(*exercise) : nullptr;
    if (!harness || !exercise) return fail("internal", "no GPU harness for exercise " + req.exercise);
    if (req.kernels.empty()) return fail("internal", "the request names no kernel");
    gpu::DeviceBuffer::set_guard_seed(req.seed);  // guard patterns of this run's own

    // The printf buffer is sized before any kernel runs (afterwards the runtime refuses).
    if (req.debug && cudaDeviceSetLimit(cudaLimitPrintfFifoSize, wire::kDebugPrintfBytes) != cudaSuccess)
        return fail("internal", "cannot enlarge the printf buffer for --debug");
    auto image = read_file(req.cubin_path);
    if (!image) return fail("internal", image.error());
    auto lib = gpu::Library::load(*image);
    if (!lib) return fail("internal", "cannot load the compiled kernel", lib.error().message);
    auto loaded = kernels_of(*lib, req.kernels);
    if (!loaded) return fail("internal", loaded.error());
    const Kernels& kernels = *loaded;
    // The report's kernel numbers are the first kernel's; launch rules are checked per kernel.
    auto attrs = gpu::attributes(kernels.front());
    if (!attrs) return fail("internal", attrs.error());
    emit("kernel", wire::KernelInfo{attrs->registers, attrs->max_threads, attrs->static_shared,
                                        attrs->local_bytes});

    Stream stream;
    if (cudaStreamCreateWithFlags(&stream.s, cudaStreamNonBlocking) != cudaSuccess)
        return fail("internal", "cannot create a CUDA stream");
    // The plain launch for compute-sanitizer needs neither utility kernels nor a vendor.
    if (req.op == "launch") return launch_once(req, *harness, kernels, info, stream.s);
    auto util = gpu::Utility::load(info.sm, req.cache_dir);
    if (!util) return fail("internal", util.error());
    auto vendor = make_vendor(req, *exercise, stream.s, *util);
    if (!vendor) return fail("internal", vendor.error());
    auto timer = gpu::Timer::create(info.l2_bytes, stream.s, *util);
    if (!timer) return fail("internal", timer.error());
    Env env{info, stream.s, vendor->get(), &*timer, &*util, req.seed, req.hot, req.kernels};
    // The kit's record, when the file includes kc/debug.cuh (a variable of that name and
    // another size is the learner's own, and left alone).
    const auto [record, record_bytes] = lib->global(compile::kDebugRecordSymbol);
    if (record_bytes == sizeof(grade::DebugRecord)) env.debug_record = record;
    env.debug = req.debug;

    // Times case i with a fresh copy of the module: device globals start again from their
    // initial values, so nothing the kernel stored during the checked runs reaches the timed
    // ones. Returns false when the worker must stop (it has reported why).
    auto time_one = [&](size_t i) -> bool {
        auto fresh = gpu::Library::load(*image);
        if (!fresh) return fail("internal", "cannot reload the compiled kernel", fresh.error().message), false;
        auto timed_kernels = kernels_of(*fresh, req.kernels);
        if (!timed_kernels) return fail("internal", timed_kernels.error()), false;
        const Launch& l = req.cases[i].launch();
        if (auto s = prepare(*timed_kernels, req.cases[i].launches); !s) return fail("internal", s.error()), false;
        Crash crash;
        auto t0 = std::chrono::steady_clock::now();
        auto t = harness->time_case(env, *timed_kernels, req.cases[i], i, crash);
        if (crash.happened) return fail("crashed", crash.message), false;
        if (!t) return fail("internal", t.error()), false;
        t->seconds = since(t0);
        int blocks = 0;
        if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, reinterpret_cast<const void*>(timed_kernels->front()),
                                                          static_cast<int>(l.block.x * l.block.y * l.block.z),
                                                          l.shared_bytes) == cudaSuccess)
            t->active_blocks_per_sm = blocks;
        else
            cudaGetLastError();
        emit("timing", *t);
        return true;
    };

    // A grade times its timed case once every case has passed; a bench times each timed case
    // (each size of a sweep) right after it passes.
    const bool bench = req.op == "bench";
    bool all_passed = true;
    for (size_t i = 0; i < req.cases.size(); ++i) {
        const auto& c = req.cases[i];
        std::string bad = launch_problems(kernels, req.kernels, c.launches, info);
        if (bad.empty()) {
            if (auto s = prepare(kernels, c.launches); !s) bad = s.error().message;
        }
        if (!bad.empty()) {
            wire::CaseResult r;
            r.name = c.name;
            r.launch = c.launch();
            r.verdict = "WRONG";
            r.message = bad;
            emit("case", r);
            all_passed = false;
            continue;
        }
        Crash crash;
        auto t0 = std::chrono::steady_clock::now();
        auto r = harness->run_case(env, kernels, c, i, crash);
        if (!r) return fail("internal", r.error());
        r->seconds = since(t0);
        emit("case", *r);
        if (crash.context_lost) return 0;  // the context is gone; the parent reports the rest
        all_passed = all_passed && r->verdict == "PASSED";
        if (bench && req.timing && c.timed && r->verdict == "PASSED" && !time_one(i)) return 0;
    }

    if (!bench && req.timing && all_passed && req.hold_before_timing) wait_for_release("checked");
    if (!bench && req.timing && all_passed)
        for (size_t i = 0; i < req.cases.size(); ++i)
            if (req.cases[i].timed && !time_one(i)) return 0;
    emit("done");
    return 0;
}

}  // namespace

int worker_main() {
    // One line; a held worker's stdin stays open after it (see wait_for_release).
    std::string text;
    std::getline(std::cin, text);
    wire::Request req;
    try {
        req = json::parse(text).get<wire::Request>();
    } catch (const std::exception& e) {
        fail("internal", std::string("bad worker request: ") + e.what());
        return 2;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto info = gpu::open_device();
    if (!info) return fail("no-gpu", info.error());
    auto dev = *info;
    dev.init_seconds = since(t0);
    emit("device", dev);
    if (req.op == "probe") {
        emit("done");
        return 0;
    }
    int code = 0;
    try {
        code = req.op == "calibrate" ? measure_speed_of_light(req, *info) : grade(req, *info);
    } catch (const std::exception& e) {
        code = fail("internal", std::string("worker failed: ") + e.what());
    }
    // Everything is reported: skip tearing down the CUDA context and gigabytes of buffers
    // (the operating system frees them) so the verdict reaches the learner sooner. Flush the
    // kernel's printf output first.
    std::fflush(nullptr);
    ::_exit(code);
}

}  // namespace kc::worker
