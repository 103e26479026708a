#include "worker/timed_sets.h"

#include "gpu/check.h"
#include "worker/tensor_ops.h"

namespace kc::worker {

using exercises::Role;

namespace {

Result<gpu::DeviceBuffer> region(const std::string& name, size_t bytes) {
    return gpu::DeviceBuffer::create(name, std::max<size_t>(4, bytes));
}

}  // namespace

Status replicate(void* p, size_t stride, size_t sets, cudaStream_t s) {
    char* base = static_cast<char*>(p);
    for (size_t have = 1; have < sets; have *= 2) {
        const size_t n = std::min(have, sets - have);
        if (auto st = copy(base + have * stride, base, n * stride, s); !st) return st;
    }
    return Ok{};
}

Result<TimedSets> TimedSets::make(std::vector<exercises::TensorSpec> specs, size_t sets,
                                  const std::function<size_t(size_t)>& stride) {
    TimedSets t;
    t.sets_ = sets;
    for (const auto& x : specs) {
        const size_t st = stride(x.bytes());
        t.stride_.push_back(st);
        auto b = region(x.name, st * sets);
        if (!b) return b.error();
        t.dev_.push_back(std::move(*b));
        auto extra = [&](bool want, const char* what) -> Result<std::optional<gpu::DeviceBuffer>> {
            if (!want) return std::optional<gpu::DeviceBuffer>();
            auto e = region(x.name + what, st * sets);
            if (!e) return e.error();
            return std::optional<gpu::DeviceBuffer>(std::move(*e));
        };
        auto v = extra(x.written(), " (vendor)");
        auto p = extra(x.role == Role::kInOut, " (pristine)");
        auto r = extra(x.written(), " (reference)");
        if (!v || !p || !r) return !v ? v.error() : !p ? p.error() : r.error();
        t.vendor_.push_back(std::move(*v));
        t.pristine_.push_back(std::move(*p));
        t.reference_.push_back(std::move(*r));
    }
    t.specs_ = std::move(specs);
    return t;
}

std::vector<void*> TimedSets::pointers(size_t k) {
    std::vector<void*> p;
    for (size_t i = 0; i < specs_.size(); ++i) p.push_back(at(i, k));
    return p;
}

std::vector<void*> TimedSets::vendor_pointers(size_t k) {
    std::vector<void*> p = pointers(k);
    for (size_t i = 0; i < specs_.size(); ++i)
        if (vendor_[i]) p[i] = vendor_[i]->as<char>() + k * stride_[i];
    return p;
}

Status TimedSets::upload_set0(size_t i, const void* host, cudaStream_t) {
    if (!specs_[i].bytes()) return Ok{};
    return dev_[i].upload(host, specs_[i].bytes());
}

Status TimedSets::replicate_inputs(cudaStream_t s) {
    for (size_t i = 0; i < specs_.size(); ++i) {
        if (!specs_[i].seeded()) continue;
        if (auto st = replicate(dev_[i].data(), stride_[i], sets_, s); !st) return st;
        if (specs_[i].role != Role::kInOut) continue;
        const size_t all = stride_[i] * sets_;
        if (auto st = copy(pristine_[i]->data(), dev_[i].data(), all, s); !st) return st;
        if (auto st = copy(vendor_[i]->data(), dev_[i].data(), all, s); !st) return st;
    }
    KC_CUDA(cudaStreamSynchronize(s));
    return Ok{};
}

Status TimedSets::prepare(const gpu::Utility& u, cudaStream_t s, size_t count) {
    for (size_t i = 0; i < specs_.size(); ++i) {
        const auto& x = specs_[i];
        const size_t bytes = stride_[i] * count;  // the padding between sets too, so it matches the reference
        if (!bytes) continue;
        Status st = Ok{};
        if (x.role == Role::kOut) st = fill_sentinel(u, dev_[i].data(), bytes, x.type, s);
        else if (x.role == Role::kInOut) st = copy(dev_[i].data(), pristine_[i]->data(), bytes, s);
        else if (x.role == Role::kScratch && x.zeroed) st = [&]() -> Status {
            KC_CUDA(cudaMemsetAsync(dev_[i].data(), 0, bytes, s));
            return Ok{};
        }();
        else if (x.role == Role::kScratch) st = fill_garbage(u, dev_[i].data(), bytes, x.type, 0x5eed, s);
        if (!st) return st;
    }
    KC_CUDA(cudaStreamSynchronize(s));
    return Ok{};
}

Status TimedSets::keep_reference(cudaStream_t s) {
    for (size_t i = 0; i < specs_.size(); ++i) {
        if (!reference_[i]) continue;
        if (auto st = copy(reference_[i]->data(), dev_[i].data(), stride_[i], s); !st) return st;
        if (auto st = replicate(reference_[i]->data(), stride_[i], sets_, s); !st) return st;
    }
    KC_CUDA(cudaStreamSynchronize(s));
    return Ok{};
}

Result<uint64_t> TimedSets::differences(const gpu::Utility& u, cudaStream_t s, size_t count) const {
    uint64_t n = 0;
    for (size_t i = 0; i < specs_.size(); ++i) {
        if (!reference_[i]) continue;
        const size_t bytes = stride_[i] * count;
        auto d = count_differences(u, dev_[i].data(), reference_[i]->data(), bytes, s);
        if (!d) return d.error();
        n += *d;
    }
    return n;
}

}  // namespace kc::worker
