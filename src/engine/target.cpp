#include "engine/target.h"

#include <fmt/format.h>

#include "compile/compiler.h"

namespace kc::engine {

namespace {

// "sm_90a (wgmma and setmaxnreg), which only sm_90 GPUs run (H100/H200)"
std::string specific_text(int sm) {
    const auto* t = compile::specific_target(sm);
    if (!t) return fmt::format("sm_{}a, which only sm_{} GPUs run", sm, sm);
    return fmt::format("sm_{}a ({}), which only sm_{} GPUs run ({})", sm, t->features, sm, t->gpus);
}

std::string cc_text(int sm) { return fmt::format("{}.{}", sm / 10, sm % 10); }

// With a GPU: its own architecture, if the module can run there.
Target on_gpu(const TargetQuery& q, const wire::Device& gpu) {
    Target t;
    t.arch = {gpu.sm, q.module_arch != 0};
    t.constants = constants_of(gpu);
    if (q.module_arch && gpu.sm != q.module_arch) {
        t.skip = fmt::format("not run: this {} compiled for {}; this is {} (compute capability {})",
                             q.arch_from_file ? "file (its `// arch:` line) is" : "module is",
                             specific_text(q.module_arch), gpu.name, cc_text(gpu.sm));
        return t;
    }
    if (gpu.sm < q.min_sm) {
        t.skip = fmt::format("not run: this module needs compute capability {} or newer; {} is {}", cc_text(q.min_sm),
                             gpu.name, cc_text(gpu.sm));
        return t;
    }
    if (auto ok = compile::check_arch(gpu.sm, q.buildable); !ok) t.skip = "not compiled: " + ok.error().message;
    return t;
}

// Without a GPU: --arch, else the module's arch-specific target, else the oldest architecture
// this NVRTC builds that the module allows.
Target without_gpu(const TargetQuery& q) {
    Target t;
    if (q.requested) t.arch = {q.requested->sm, q.requested->specific || q.module_arch != 0};
    else if (q.module_arch) t.arch = {q.module_arch, true};
    else t.arch = {compile::default_sm(q.min_sm, q.buildable), false};
    t.constants = compile::default_constants(t.arch.sm);
    if (q.requested && q.module_arch && t.arch.sm != q.module_arch)
        t.skip = fmt::format("not compiled: this {} built for {}, and --arch asked for {} (--arch {}a "
                             "builds it)",
                             q.arch_from_file ? "file (its `// arch:` line) is" : "module is", specific_text(q.module_arch), compile::arch_name(*q.requested), q.module_arch);
    else if (q.requested && t.arch.sm < q.min_sm)
        t.skip = fmt::format("not compiled: this module needs sm_{} or newer, and --arch asked for {}", q.min_sm,
                             compile::arch_name(*q.requested));
    else if (auto ok = compile::check_arch(t.arch.sm, q.buildable); !ok)
        t.skip = "not compiled: " + ok.error().message;
    return t;
}

}  // namespace

Target choose_target(const TargetQuery& q) { return q.gpu ? on_gpu(q, *q.gpu) : without_gpu(q); }

compile::DeviceConstants constants_of(const wire::Device& d) {
    compile::DeviceConstants c = compile::default_constants(d.sm);
    auto take = [](auto& field, auto value) {
        if (value > 0) field = static_cast<std::remove_reference_t<decltype(field)>>(value);
    };
    take(c.sm_count, d.sm_count);
    take(c.max_threads_per_sm, d.max_threads_per_sm);
    take(c.regs_per_sm, d.regs_per_sm);
    take(c.shared_per_sm, d.shared_per_sm);
    take(c.shared_per_block_optin, d.max_shared_per_block);
    take(c.l2_bytes, d.l2_bytes);
    c.source = d.name;
    return c;
}

}  // namespace kc::engine
