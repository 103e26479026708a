#include "engine/compile_child.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "wire/protocol.h"
#include "engine/spawn.h"

namespace kc::engine {

using nlohmann::json;

namespace {

// Without a deadline of its own, a compile child still stops some day.
constexpr double kNoDeadline = 24 * 3600;

std::string to_hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string from_hex(const std::string& hex) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::string out(hex.size() / 2, '\0');
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

// Text that may hold bytes that are not UTF-8 (a header's source line in the log) is sent with
// those bytes replaced, not refused.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void write_event(const json& event) {
    const std::string line = dump(event) + "\n";
    for (size_t done = 0; done < line.size();) {
        ssize_t w = ::write(wire::kEventFd, line.data() + done, line.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;  // the parent is gone
        done += static_cast<size_t>(w);
    }
}

Result<compile::Built> answer(const WorkerRun& run) {
    if (run.timed_out) return compile::Built{.timed_out = true};
    for (const auto& e : run.events) {
        if (e.value("event", "") == "built") return built_from_json(e);
        if (e.value("event", "") == "error") return make_error(e.value("message", std::string("NVRTC failed")));
    }
    return make_error(run.signal ? fmt::format("the compile process was killed by signal {}", run.signal)
                                 : fmt::format("the compile process stopped without an answer (exit code {})",
                                               run.exit_code),
                      run.output);
}

}  // namespace

json built_json(const compile::Built& b) {
    return {{"event", "built"}, {"ok", b.ok}, {"log", b.log}, {"ptx", b.ptx}, {"cubin", to_hex(b.cubin)}};
}

compile::Built built_from_json(const json& j) {
    return {.ok = j.at("ok").get<bool>(),
            .log = j.at("log").get<std::string>(),
            .ptx = j.at("ptx").get<std::string>(),
            .cubin = from_hex(j.at("cubin").get<std::string>())};
}

compile::Builder compile_in_child() {
    return [](const compile::Job& job) -> Result<compile::Built> {
        auto run = run_forked(
            [&] {
                auto built = compile::build_here(job);
                write_event(built ? built_json(*built) : json{{"event", "error"}, {"message", built.error().message}});
            },
            job.timeout_s > 0 ? job.timeout_s : kNoDeadline);
        if (!run) return run.error();
        return answer(*run);
    };
}

}  // namespace kc::engine
