#include "worker/vendor.h"

#include <fmt/format.h>

#include <map>

#include "gpu/check.h"
#include "gpu/library.h"
#include "util/atomic_file.h"
#include "worker/plan.h"

namespace kc::worker {

namespace {

std::map<std::string, VendorFactory>& vendors() {
    static std::map<std::string, VendorFactory> v;  // constructed on first use (static initialisation)
    return v;
}

// The module's reference solution in place of a library: the same launch plan, its own
// launches and scratch tensors (sized by its own kernel file).
class SolutionVendor final : public Vendor {
public:
    SolutionVendor(gpu::Library lib, Kernels kernels, const exercises::Exercise& ex, cudaStream_t stream)
        : lib_(std::move(lib)), kernels_(std::move(kernels)), ex_(ex), stream_(stream) {}
    ~SolutionVendor() override {
        for (void* p : scratch_) cudaFree(p);
    }

    Status run(std::span<void* const> tensors, const wire::CaseRequest& c) override {
        if (c.reference_launches.size() != kernels_.size())
            return make_error(fmt::format("case {}: the reference solution's launches are missing", c.name));
        std::vector<void*> ptrs(tensors.begin(), tensors.end());
        const auto specs = ex_.tensors(c.sizes);
        size_t learner_sized = 0;
        for (size_t i = 0; i < specs.size(); ++i) {
            if (specs[i].role != exercises::Role::kScratch) continue;
            size_t elements = specs[i].elements;
            if (!elements) {
                if (learner_sized >= c.reference_scratch.size()) return make_error("reference scratch sizes missing");
                elements = static_cast<size_t>(std::max(0LL, c.reference_scratch[learner_sized++]));
            }
            auto p = own_scratch(i, elements * exercises::size_of(specs[i].type), specs[i].zeroed);
            if (!p) return p.error();
            ptrs[i] = *p;
        }
        PlanArgs args(ex_, c.sizes, std::move(ptrs), c.reference_tensor_maps);
        if (auto s = prepare(kernels_, c.reference_launches); !s) return s;
        KC_CUDA(enqueue_plan(kernels_, c.reference_launches, args, stream_));
        return Ok{};
    }
    std::string detail() const override { return "the module's reference solution"; }

private:
    // Scratch tensor i's buffer of the solution's own, at least `bytes`, zeroed or filled.
    Result<void*> own_scratch(size_t i, size_t bytes, bool zeroed) {
        if (scratch_.size() <= i) {
            scratch_.resize(i + 1, nullptr);
            scratch_bytes_.resize(i + 1, 0);
        }
        if (scratch_bytes_[i] < bytes) {
            if (scratch_[i]) cudaFree(scratch_[i]);
            scratch_[i] = nullptr;
            KC_CUDA(cudaMalloc(&scratch_[i], std::max<size_t>(bytes, 1)));
            scratch_bytes_[i] = bytes;
        }
        KC_CUDA(cudaMemsetAsync(scratch_[i], zeroed ? 0 : 0xa5, std::max<size_t>(bytes, 1), stream_));
        return scratch_[i];
    }

    gpu::Library lib_;
    Kernels kernels_;
    const exercises::Exercise& ex_;
    cudaStream_t stream_;
    std::vector<void*> scratch_;
    std::vector<size_t> scratch_bytes_;
};

Result<std::unique_ptr<Vendor>> make_solution_vendor(const wire::Request& req, const exercises::Exercise& ex,
                                                     cudaStream_t stream) {
    if (req.reference_cubin.empty())
        return make_error(fmt::format("exercise {} is timed against a compiled reference and the request has none",
                                      req.exercise));
    auto image = read_file(req.reference_cubin);
    if (!image) return image.error();
    auto lib = gpu::Library::load(*image);
    if (!lib) return make_error("cannot load the reference solution", lib.error().message);
    Kernels kernels;
    for (const auto& name : req.kernels) {
        auto k = lib->kernel(name);
        if (!k) return k.error();
        kernels.push_back(*k);
    }
    return std::unique_ptr<Vendor>(std::make_unique<SolutionVendor>(std::move(*lib), std::move(kernels), ex, stream));
}

}  // namespace

bool register_vendor(const std::string& exercise, VendorFactory make) {
    vendors()[exercise] = make;
    return true;
}

Result<std::unique_ptr<Vendor>> make_vendor(const wire::Request& req, const exercises::Exercise& ex,
                                            cudaStream_t stream, const gpu::Utility& util) {
    if (ex.spec().vendor.empty() || req.versus_reference) return make_solution_vendor(req, ex, stream);
    auto it = vendors().find(req.exercise);
    if (it == vendors().end()) return make_error("no vendor reference is registered for exercise " + req.exercise);
    return it->second(stream, util);
}

}  // namespace kc::worker
