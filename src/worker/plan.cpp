#include "worker/plan.h"

#include <fmt/format.h>

#include "gpu/library.h"

namespace kc::worker {

PlanArgs::PlanArgs(const exercises::Exercise& ex, const exercises::Sizes& s, std::vector<void*> tensors)
    : tensors_(std::move(tensors)), scalars_(ex.scalars(s)) {
    const auto specs = ex.tensors(s);
    for (const auto& step : ex.plan(s)) {
        std::vector<void*> a;
        size_t unnamed = 0;
        for (const auto& name : step.args) {
            void* p = nullptr;
            for (size_t i = 0; i < specs.size() && !p; ++i)
                if (specs[i].name == name) p = &tensors_[i];
            // Scalars: by name, or (unnamed, in a one-kernel plan) by position.
            for (size_t i = 0, seen = 0; i < scalars_.size() && !p; ++i) {
                auto& v = scalars_[i];
                if (v.name != name) continue;
                if (!name.empty() || seen++ == unnamed) p = v.is_float ? static_cast<void*>(&v.f) : &v.i;
            }
            if (name.empty()) ++unnamed;
            a.push_back(p);  // exercises::check_declarations() proves every name resolves
        }
        args_.push_back(std::move(a));
    }
}

cudaError_t enqueue_plan(const Kernels& kernels, const std::vector<Launch>& launches, PlanArgs& args,
                         cudaStream_t stream) {
    for (size_t k = 0; k < kernels.size() && k < launches.size() && k < args.steps(); ++k)
        if (cudaError_t e = gpu::launch(kernels[k], launches[k], args.step(k), stream); e != cudaSuccess) return e;
    return cudaSuccess;
}

void run_plan(const Kernels& kernels, const std::vector<Launch>& launches, PlanArgs& args, cudaStream_t stream,
              const std::vector<std::string>& names, Crash& crash) {
    for (size_t k = 0; k < kernels.size() && k < launches.size() && k < args.steps(); ++k) {
        launch_and_wait(kernels[k], launches[k], args.step(k), stream, crash);
        if (!crash.happened) continue;
        if (kernels.size() > 1 && k < names.size()) crash.message = fmt::format("in `{}`: {}", names[k], crash.message);
        return;
    }
}

}  // namespace kc::worker
