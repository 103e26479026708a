#include "worker/case_tensors.h"

#include <fmt/format.h>

#include "gpu/check.h"
#include "worker/tensor_ops.h"

namespace kc::worker {

using exercises::Role;

Result<std::vector<exercises::TensorSpec>> sized_tensors(const exercises::Exercise& ex, const exercises::Sizes& s,
                                                         const std::vector<long long>& learner_scratch) {
    auto specs = ex.tensors(s);
    size_t next = 0;
    for (auto& t : specs) {
        if (t.role != Role::kScratch || t.elements) continue;
        const std::string fn = exercises::scratch_function(t.name);
        if (next >= learner_scratch.size()) return make_error(fmt::format("{}() was not evaluated", fn));
        const long long n = learner_scratch[next++];
        if (n < 0 || static_cast<unsigned long long>(n) > exercises::kMaxTensorElements)
            return make_error(fmt::format("{}() returned {} elements for scratch tensor `{}`: it must be between 0 and "
                                          "{}",
                                          fn, n, t.name, exercises::kMaxTensorElements));
        t.elements = static_cast<size_t>(n);
    }
    return specs;
}

Result<CaseTensors> CaseTensors::create(std::vector<exercises::TensorSpec> specs, size_t offset) {
    CaseTensors c;
    for (const auto& t : specs) {
        auto b = gpu::DeviceBuffer::create(t.name, std::max<size_t>(1, t.bytes()), offset);
        if (!b) return b.error();
        if (auto st = b->arm_guards(); !st) return st.error();
        c.dev_.push_back(std::move(*b));
        if (t.seeded()) {
            auto p = gpu::DeviceBuffer::create(t.name + " (copy)", std::max<size_t>(1, t.bytes()));
            if (!p) return p.error();
            c.pristine_.push_back(std::move(*p));
        } else {
            c.pristine_.push_back(std::nullopt);
        }
    }
    c.specs_ = std::move(specs);
    return c;
}

std::vector<void*> CaseTensors::pointers() const {
    std::vector<void*> p;
    for (const auto& b : dev_) p.push_back(b.data());
    return p;
}

Status CaseTensors::upload(size_t i, const void* host, cudaStream_t s) {
    const size_t bytes = specs_[i].bytes();
    if (!bytes) return Ok{};
    if (auto st = dev_[i].upload(host, bytes); !st) return st;
    if (pristine_[i]) {
        if (auto st = copy(pristine_[i]->data(), dev_[i].data(), bytes, s); !st) return st;
        KC_CUDA(cudaStreamSynchronize(s));
    }
    return Ok{};
}

Status CaseTensors::prepare(const gpu::Utility& u, cudaStream_t s, std::optional<uint32_t> garbage_seed) {
    for (size_t i = 0; i < specs_.size(); ++i) {
        const auto& t = specs_[i];
        const size_t bytes = t.bytes();
        if (!bytes) continue;
        Status st = Ok{};
        if (t.role == Role::kOut)
            st = garbage_seed ? fill_garbage(u, dev_[i].data(), bytes, t.type, *garbage_seed, s)
                              : fill_sentinel(u, dev_[i].data(), bytes, t.type, s);
        else if (t.role == Role::kInOut)
            st = copy(dev_[i].data(), pristine_[i]->data(), bytes, s);
        else if (t.role == Role::kScratch)
            st = t.zeroed ? [&]() -> Status {
                KC_CUDA(cudaMemsetAsync(dev_[i].data(), 0, bytes, s));
                return Ok{};
            }()
                          : fill_garbage(u, dev_[i].data(), bytes, t.type, garbage_seed.value_or(0x5eed), s);
        if (!st) return st;
    }
    KC_CUDA(cudaStreamSynchronize(s));
    return Ok{};
}

Result<std::optional<wire::Guard>> CaseTensors::guards() const {
    for (size_t i = 0; i < dev_.size(); ++i) {
        auto hit = dev_[i].check_guards();
        if (!hit) return hit.error();
        if (!*hit) continue;
        const auto& h = **hit;
        const size_t size = exercises::size_of(specs_[i].type);
        return std::optional<wire::Guard>(wire::Guard{h.buffer, h.before, h.first_offset, h.last_offset,
                                                      h.bytes_changed, size, specs_[i].elements});
    }
    return std::optional<wire::Guard>();
}

Result<std::string> CaseTensors::modified_input(const gpu::Utility& u, cudaStream_t s) const {
    for (size_t i = 0; i < specs_.size(); ++i) {
        if (specs_[i].role != Role::kIn || !specs_[i].bytes()) continue;
        auto changed = count_differences(u, dev_[i].data(), pristine_[i]->data(), specs_[i].bytes(), s);
        if (!changed) return changed.error();
        if (*changed) return specs_[i].name;
    }
    return std::string();
}

}  // namespace kc::worker
