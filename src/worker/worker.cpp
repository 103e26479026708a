#include "worker/worker.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <iostream>
#include <iterator>
#include <string>

#include "compile/launch.h"
#include "gpu/check.h"
#include "gpu/device.h"
#include "gpu/library.h"
#include "gpu/timer.h"
#include "util/atomic_file.h"
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
        ssize_t w = ::write(protocol::kEventFd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;  // the parent is gone; nothing more to say
        p += w;
        left -= static_cast<size_t>(w);
    }
}

int fail(const std::string& kind, const std::string& message, const std::string& detail = {}) {
    emit("error", protocol::ErrorEvent{kind, message, detail});
    return 0;
}

int fail(const std::string& kind, const Error& e) { return fail(kind, e.message, e.detail); }

protocol::Device to_protocol(const gpu::DeviceInfo& d) {
    return {d.name, d.sm, d.sm_count, d.l2_bytes, d.memory_bytes, d.driver_version, d.runtime_version, 0,
            d.peak_gbps, d.peak_fp32_tflops};
}

// Owns the worker's stream.
struct Stream {
    cudaStream_t s = nullptr;
    ~Stream() {
        if (s) cudaStreamDestroy(s);
    }
};

// One plain launch of one case under compute-sanitizer: the report is the sanitizer's.
int launch_once(const protocol::Request& req, Harness& harness, cudaKernel_t kernel, const gpu::DeviceInfo& info,
                cudaStream_t stream) {
    if (req.launch_case < 0 || static_cast<size_t>(req.launch_case) >= req.cases.size())
        return fail("internal", "launch: no such case");
    const auto& c = req.cases[static_cast<size_t>(req.launch_case)];
    if (auto s = gpu::allow_shared(kernel, c.launch.shared_bytes); !s) return fail("internal", s.error());
    Env env{to_protocol(info), stream, nullptr, nullptr, nullptr, req.seed};
    Crash crash;
    auto s = harness.launch_only(env, kernel, c, static_cast<size_t>(req.launch_case), crash);
    if (!s) return fail("internal", s.error());
    protocol::CaseResult r;
    r.name = c.name;
    r.launch = c.launch;
    r.verdict = crash.happened ? "CRASHED" : "PASSED";
    r.message = crash.message;
    emit("case", r);
    emit("done");
    return 0;
}

int grade(const protocol::Request& req, const gpu::DeviceInfo& info) {
    if (info.sm < req.min_sm)
        return fail("too-old", fmt::format("this module needs compute capability {}.{} or newer; {} is {}.{}",
                                           req.min_sm / 10, req.min_sm % 10, info.name, info.sm / 10, info.sm % 10));
    auto harness = make_harness(req.exercise);
    if (!harness) return fail("internal", "no GPU harness for exercise " + req.exercise);

    auto image = read_file(req.cubin_path);
    if (!image) return fail("internal", image.error());
    auto lib = gpu::Library::load(*image);
    if (!lib) return fail("internal", "cannot load the compiled kernel", lib.error().message);
    auto kernel = lib->kernel(req.kernel);
    if (!kernel) return fail("internal", kernel.error());
    auto attrs = gpu::attributes(*kernel);
    if (!attrs) return fail("internal", attrs.error());
    emit("kernel", protocol::KernelInfo{attrs->registers, attrs->max_threads, attrs->static_shared,
                                        attrs->local_bytes});

    Stream stream;
    if (cudaStreamCreateWithFlags(&stream.s, cudaStreamNonBlocking) != cudaSuccess)
        return fail("internal", "cannot create a CUDA stream");
    // The plain launch for compute-sanitizer needs neither utility kernels nor a vendor.
    if (req.op == "launch") return launch_once(req, *harness, *kernel, info, stream.s);
    auto util = gpu::Utility::load(info.sm, req.cache_dir);
    if (!util) return fail("internal", util.error());
    auto vendor = make_vendor(req.exercise, stream.s);
    if (!vendor) return fail("internal", vendor.error());
    auto timer = gpu::Timer::create(info.l2_bytes, stream.s);
    if (!timer) return fail("internal", timer.error());
    Env env{to_protocol(info), stream.s, vendor->get(), &*timer, &*util, req.seed, req.hot};

    bool all_passed = true;
    for (size_t i = 0; i < req.cases.size(); ++i) {
        const auto& c = req.cases[i];
        std::string bad = launch_problem_on_device(c.launch, attrs->max_threads,
                                                   info.max_shared_per_block - attrs->static_shared);
        if (bad.empty()) {
            if (auto s = gpu::allow_shared(*kernel, c.launch.shared_bytes); !s) bad = s.error().message;
        }
        if (!bad.empty()) {
            protocol::CaseResult r;
            r.name = c.name;
            r.launch = c.launch;
            r.verdict = "WRONG";
            r.message = bad;
            emit("case", r);
            all_passed = false;
            continue;
        }
        Crash crash;
        auto t0 = std::chrono::steady_clock::now();
        auto r = harness->run_case(env, *kernel, c, i, crash);
        if (!r) return fail("internal", r.error());
        r->seconds = since(t0);
        emit("case", *r);
        if (crash.context_lost) return 0;  // the context is gone; the parent reports the rest
        all_passed = all_passed && r->verdict == "PASSED";
    }

    if (req.timing && all_passed) {
        // A fresh copy of the module: device globals start again from their initial values, so
        // nothing the kernel stored during the checked runs can reach the timed ones.
        auto fresh = gpu::Library::load(*image);
        if (!fresh) return fail("internal", "cannot reload the compiled kernel", fresh.error().message);
        auto timed_kernel = fresh->kernel(req.kernel);
        if (!timed_kernel) return fail("internal", timed_kernel.error());
        for (size_t i = 0; i < req.cases.size(); ++i) {
            if (!req.cases[i].timed) continue;
            if (auto s = gpu::allow_shared(*timed_kernel, req.cases[i].launch.shared_bytes); !s)
                return fail("internal", s.error());
            Crash crash;
            auto t0 = std::chrono::steady_clock::now();
            auto t = harness->time_case(env, *timed_kernel, req.cases[i], i, crash);
            if (crash.happened)
                return fail("crashed", crash.message);
            if (!t) return fail("internal", t.error());
            t->seconds = since(t0);
            emit("timing", *t);
        }
    }
    emit("done");
    return 0;
}

}  // namespace

int worker_main() {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    protocol::Request req;
    try {
        req = json::parse(text).get<protocol::Request>();
    } catch (const std::exception& e) {
        fail("internal", std::string("bad worker request: ") + e.what());
        return 2;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto info = gpu::open_device();
    if (!info) return fail("no-gpu", info.error());
    auto dev = to_protocol(*info);
    dev.init_seconds = since(t0);
    emit("device", dev);
    if (req.op == "probe") {
        emit("done");
        return 0;
    }
    int code = 0;
    try {
        code = grade(req, *info);
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
