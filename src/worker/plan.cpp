#include "worker/plan.h"

#include <fmt/format.h>

#include "gpu/library.h"

namespace kc::worker {

PlanArgs::PlanArgs(const exercises::Exercise& ex, const exercises::Sizes& s, std::vector<void*> tensors,
                   const std::vector<TensorMapRequest>& maps)
    : tensors_(std::move(tensors)), scalars_(ex.scalars(s)) {
    // exercises::check_declarations() proves every name resolves (a test runs it on every exercise).
    for (const auto& step : exercises::resolve_plan(ex.tensors(s), scalars_, ex.plan(s))) {
        std::vector<void*> a;
        for (const auto& ref : step) {
            if (ref.tensor >= 0) a.push_back(&tensors_[static_cast<size_t>(ref.tensor)]);
            else if (ref.scalar >= 0) {
                auto& v = scalars_[static_cast<size_t>(ref.scalar)];
                a.push_back(v.is_float ? static_cast<void*>(&v.f) : static_cast<void*>(&v.i));
            } else a.push_back(nullptr);
        }
        args_.push_back(std::move(a));
    }
    if (!maps.empty() && !args_.empty()) encode_maps(ex.tensors(s), maps);
}

// The maps follow the first (only) kernel's parameters; engine::tensor_map_problems has checked
// every request, so a refusal here is the driver's.
void PlanArgs::encode_maps(const std::vector<exercises::TensorSpec>& specs, const std::vector<TensorMapRequest>& maps) {
    maps_.reserve(maps.size());  // the argument array points into maps_: no reallocation after
    for (const auto& r : maps) {
        void* base = nullptr;
        auto type = exercises::DType::F32;
        if (r.used()) {
            const auto i = static_cast<size_t>(r.tensor);
            base = tensors_.at(i);
            type = specs.at(i).type;
        }
        auto m = gpu::encode_tensor_map(r, base, type);
        if (!m) {
            problem_ = m.error().message;
            return;
        }
        maps_.push_back(*m);
    }
    for (auto& m : maps_) args_.front().push_back(&m);
}

cudaError_t enqueue_plan(const Kernels& kernels, const std::vector<Launch>& launches, PlanArgs& args,
                         cudaStream_t stream) {
    if (!args.problem().empty()) return cudaErrorInvalidValue;
    for (size_t k = 0; k < kernels.size() && k < launches.size() && k < args.steps(); ++k)
        if (cudaError_t e = gpu::launch(kernels[k], launches[k], args.step(k), stream); e != cudaSuccess) return e;
    return cudaSuccess;
}

void run_plan(const Kernels& kernels, const std::vector<Launch>& launches, PlanArgs& args, cudaStream_t stream,
              const std::vector<std::string>& names, Crash& crash) {
    if (!args.problem().empty()) {
        crash.happened = true;
        crash.message = "not launched: " + args.problem();
        return;
    }
    for (size_t k = 0; k < kernels.size() && k < launches.size() && k < args.steps(); ++k) {
        launch_and_wait(kernels[k], launches[k], args.step(k), stream, crash);
        if (!crash.happened) continue;
        if (kernels.size() > 1 && k < names.size()) crash.message = fmt::format("in `{}`: {}", names[k], crash.message);
        return;
    }
}

}  // namespace kc::worker
