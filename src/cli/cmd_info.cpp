// kernelcoach info [id]: the GPU, the toolchain, the course; or one module's contract.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "cli/app.h"
#include "compile/compiler.h"
#include "exercises/registry.h"
#include "gpu/versions.h"
#include "grade/speed_gate.h"
#include "util/printable.h"

namespace kc::cli {

namespace {

struct InfoOptions {
    std::string id;
    bool recalibrate = false;
};

// "1980 MHz SM, 2619 MHz memory (5120-bit bus)"
std::string clocks_text(const wire::Device& d) {
    return fmt::format("{} MHz SM, {} MHz memory ({}-bit bus), the maximum clocks", d.clock_khz / 1000,
                       d.memory_clock_khz / 1000, d.bus_width_bits);
}

// "sm_70 or newer", and what that means with this toolkit when it cannot build the oldest of those.
std::string needs_text(int min_sm, int arch_sm) {
    if (arch_sm) {
        const auto* t = compile::specific_target(arch_sm);
        return fmt::format("an sm_{} GPU{}: compiled for sm_{}a{}", arch_sm, t ? fmt::format(" ({})", t->gpus) : "",
                           arch_sm, t ? fmt::format(", for {}", t->features) : "");
    }
    const int here = compile::default_sm(min_sm);
    if (here == min_sm) return fmt::format("sm_{} or newer", min_sm);
    return fmt::format("sm_{} or newer; NVRTC {} here builds {}, so: sm_{} or newer", min_sm, compile::nvrtc_version(),
                       compile::archs_text(compile::supported_archs()), here);
}

// "extern \"C\" __global__ void vector_add(const float* a, ...)", one line per kernel of the plan.
std::string kernel_signatures(const course::Manifest& man) {
    const auto* ex = course::exercise_of(man);
    if (!ex || man.cases.empty()) return {};
    std::vector<std::string> lines;
    for (size_t k = 0; k < man.kernels.size(); ++k)
        lines.push_back(fmt::format("extern \"C\" __global__ void {}({})", man.kernels[k],
                                    exercises::parameters(*ex, man.cases.front().sizes, k)));
    return fmt::format("{}", fmt::join(lines, "\n"));
}

// The gate as module.json writes it: 0.6, or {"defines": {...}, "at_least": 1.25}.
nlohmann::json gate_json(const course::PassTarget& p) {
    if (p.kind != grade::GateKind::VsVariant) return p.value;
    nlohmann::json defines = nlohmann::json::object();
    for (const auto& [name, value] : p.defines) defines[name] = value;
    return {{"defines", defines}, {"at_least", p.value}};
}

// One graded entry's contract (a module, or a part): kernel signatures, cases, gate, header.
struct UnitInfo {
    nlohmann::json json;
    std::string text;
};

Result<UnitInfo> unit_info(const Session& s, const course::Module& m) {
    const auto& man = m.manifest;
    const auto* spec = course::spec_of(man);
    if (!spec) return make_error("unknown exercise " + man.exercise);
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : man.cases) cases.push_back({{"name", c.name}, {"sizes", c.sizes}, {"timed", c.timed}});
    const std::string signature = kernel_signatures(man);
    engine::Grader grader(s.course, engine::Options{});
    const engine::Target target = grader.target(m);
    const std::string header = exercises::prelude(*course::exercise_of(man), target.constants);
    UnitInfo out;
    out.json = {{"id", m.id}, {"title", man.title}, {"path", m.rel_dir}, {"exercise", man.exercise}, {"kernel", signature},
                {"min_sm", man.min_sm}, {"min_sm_here", compile::default_sm(man.min_sm)}, {"reference", spec->vendor},
                {"cases", cases}, {"arch", man.arch_sm ? compile::arch_name({man.arch_sm, true}) : ""},
                {"header", header}};
    if (m.is_part()) {
        out.json["part"] = m.part;
        out.json["file"] = m.kernel_file();
    }
    if (!man.pass.empty()) {
        out.json["pass"] = nlohmann::json::object();
        for (const auto& t : man.pass) out.json["pass"][grade::gate_name(t.kind)] = gate_json(t);
    }
    out.text = fmt::format("{}  {}\n  {}\n  {}: {}\n  kernel: {}\n  reference: {}\n  needs: {}\n", m.id,
                           printable(man.title), printable(man.summary), m.is_part() ? "file" : "folder",
                           m.is_part() ? m.rel_kernel() : m.rel_dir, signature,
                           spec->vendor.empty() ? "no library: the module's reference solution, solution/" + m.kernel_file()
                                                : spec->vendor,
                           needs_text(man.min_sm, man.arch_sm));
    if (man.custom) {  // a module of one's own: its truth and bound are the learner's
        const auto& c = man.custom->custom();
        out.json["custom"] = exercises::custom_json(c);
        out.text += fmt::format("  truth: {}/reference.cpp, kc_reference() in float64 on the host; an element "
                                "passes when |got - truth| <= {:g} + {:g} |truth|\n",
                                m.rel_dir, c.abs, c.rel);
    }
    out.text += "  cases:\n";
    for (const auto& c : man.cases) {
        std::string sz;
        for (const auto& [k, v] : c.sizes) sz += fmt::format("{}={} ", k, v);
        out.text += fmt::format("    {:<10} {}{}\n", c.name, sz, c.timed ? "(timed)" : "");
    }
    if (!man.pass.empty()) {  // the speed gates: correct is not enough
        std::vector<std::string> targets;
        for (const auto& t : man.pass) targets.push_back(grade::target_text(t.kind, t.value, t.variant()));
        out.text += fmt::format("  to pass, also: {}, on the timed case\n", fmt::join(targets, " and "));
    }
    out.text += fmt::format("  kernelcoach.h, as your {} sees it:\n", m.kernel_file());
    for (size_t p = 0; p < header.size();) {
        size_t nl = header.find('\n', p);
        out.text += "    " + header.substr(p, nl - p) + "\n";
        if (nl == std::string::npos) break;
        p = nl + 1;
    }
    return out;
}

// info <id>: one entry's contract, or a module with parts and every part's.
int module_info(const Session& s, const std::string& id) {
    auto units = s.course.resolve_units(id);
    if (!units) return fail(units.error(), unresolved_code(s.course, {id}));
    std::vector<UnitInfo> infos;
    for (const auto* u : *units) {
        auto info = unit_info(s, *u);
        if (!info) return fail(info.error(), grade::exit_code::kInternal);
        infos.push_back(std::move(*info));
    }
    if (!whole_module_with_parts(s.course, *units)) {
        if (s.json) {
            nlohmann::json j = {{"schema", report::kJsonSchema}};
            j.update(infos.front().json);
            std::cout << j.dump(2) << "\n";
        } else {
            std::cout << infos.front().text;
        }
        return 0;
    }
    const auto& first = *units->front();
    const auto& man = first.manifest;  // the module's own fields are every part's
    std::vector<std::string> names;
    nlohmann::json parts = nlohmann::json::array();
    for (size_t i = 0; i < units->size(); ++i) {
        names.push_back((*units)[i]->part);
        parts.push_back(infos[i].json);
    }
    if (s.json) {
        std::cout << nlohmann::json{{"schema", report::kJsonSchema}, {"id", first.module_id()}, {"title", first.module_title},
                                    {"path", first.rel_dir}, {"min_sm", man.min_sm},
                                    {"min_sm_here", compile::default_sm(man.min_sm)},
                                    {"arch", man.arch_sm ? compile::arch_name({man.arch_sm, true}) : ""}, {"parts", parts}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    std::cout << fmt::format("{}  {}\n  folder: {}\n  needs: {}\n  {} parts, each graded on its own; the module passes "
                             "when every part passes: {}\n",
                             first.module_id(), printable(first.module_title), first.rel_dir,
                             needs_text(man.min_sm, man.arch_sm), units->size(), fmt::join(names, ", "));
    for (const auto& info : infos) std::cout << "\n" << info.text;
    return 0;
}

int run_info(const Global& g, const InfoOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    if (!o.id.empty()) return module_info(*s, o.id);
    warn_broken(s->course);
    engine::Options opts;
    opts.fresh_probe = true;  // info always asks the GPU itself
    engine::Grader grader(s->course, opts);
    const auto& dev = grader.device();
    const auto tools = gpu::toolchain();
    // The speed of light: cached per GPU and driver, measured here the first time (or again).
    std::optional<engine::SpeedOfLight> light;
    std::string light_note;
    bool measured = false;
    if (dev.available) {
        auto l = grader.speed_of_light(o.recalibrate, &measured);
        if (l) light = *l;
        else light_note = l.error().message;
    } else if (o.recalibrate) {
        light_note = "no GPU, nothing to measure";
    }
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema},
                            {"version", KC_VERSION},
                            {"course", s->course.root.string()},
                            {"modules", s->course.groups().size()},
                            {"nvrtc", compile::nvrtc_version()},
                            {"nvrtc_archs", compile::supported_archs()},
                            {"cuda_include", compile::cuda_include_dir()},
                            {"cache", grader.cache_dir().string()},
                            {"gpu", report::device_json(dev)},
                            {"cublas", tools.cublas},
                            {"cudnn", tools.cudnn},
                            {"compute_sanitizer", tools.compute_sanitizer},
                            {"ncu", tools.ncu}};
        if (light) j["speed_of_light"] = *light;
        if (light) j["speed_of_light"]["measured_now"] = measured;
        if (!light_note.empty()) j["speed_of_light_error"] = light_note;
        std::cout << j.dump(2) << "\n";
    } else {
        auto or_missing = [](const std::string& p, const char* why) {
            return p.empty() ? fmt::format("not installed ({})", why) : p;
        };
        std::cout << fmt::format("kernelcoach {}\ncourse: {} ({} modules)\nNVRTC {} (builds {}); CUDA headers {}\n"
                                 "cuBLAS {}; cuDNN {}\ncompute-sanitizer: {}\nncu: {}\ncubin cache: {}\n{}\n",
                                 KC_VERSION, s->course.root.string(), s->course.groups().size(),
                                 compile::nvrtc_version(), compile::archs_text(compile::supported_archs()),
                                 compile::cuda_include_dir(), tools.cublas, tools.cudnn,
                                 or_missing(tools.compute_sanitizer, "race checks and --sanitize need it"),
                                 or_missing(tools.ncu, "bench --ncu needs it"), grader.cache_dir().string(),
                                 report::device_line(dev));
        if (dev.available) {
            std::cout << fmt::format("compute capability {}.{}; CUDA runtime {}.{}; {}\nUUID {}\n", dev.device.sm / 10,
                                     dev.device.sm % 10, dev.device.runtime_version / 1000,
                                     (dev.device.runtime_version % 1000) / 10, clocks_text(dev.device), dev.device.uuid);
            std::cout << fmt::format("data-sheet peaks: DRAM {:.0f} GB/s, fp32 {:.1f} TFLOP/s (no tensor cores){}\n",
                                     dev.device.peak_gbps, dev.device.peak_fp32_tflops,
                                     dev.device.peak_bf16_tflops > 0
                                         ? fmt::format(", bf16 tensor cores {:.0f} TFLOP/s dense", dev.device.peak_bf16_tflops)
                                         : std::string());
            if (light)
                std::cout << fmt::format("speed of light ({} {:.1f} s): {}\n  cached in {}; `info --recalibrate` measures again\n",
                                         measured ? "measured now in" : "cached, measured in", light->seconds,
                                         engine::describe(*light),
                                         engine::speed_of_light_path(s->course.root / ".kernelcoach").string());
            else
                std::cout << "speed of light: not measured: " << light_note << "\n";
        } else {
            if (!light_note.empty()) std::cout << "--recalibrate: " << light_note << "\n";
        }
        if (!dev.available)
            std::cout << fmt::format("without a GPU: list, progress, info and compilation work; running is SKIPPED "
                                     "(compiling for sm_{} unless --arch says otherwise)\n",
                                     compile::default_sm(70));
    }
    return 0;  // it says what it found, GPU or not: nothing failed
}

}  // namespace

void setup_info(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<InfoOptions>();
    auto* cmd = app.add_subcommand("info", "Show the GPU, the toolchain and the course; or one module's contract");
    cmd->add_option("id", o->id, "A module: show its kernel signature, cases and kernelcoach.h (every part's, for a module with parts)");
    cmd->add_flag("--recalibrate", o->recalibrate,
                  "Measure this GPU's speed of light again (copy bandwidth; cuBLAS GEMM at fp32, TF32, fp16, bf16)");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_info(g, *o); }; });
}

}  // namespace kc::cli
