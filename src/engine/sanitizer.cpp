#include "engine/sanitizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace kc::engine {

namespace {

// The records of one report, as lines with the "=========" prefix taken off; a record starts at
// a line indented by one space and ends at the next such line or an empty one.
std::vector<std::vector<std::string>> records(std::string_view text) {
    std::vector<std::vector<std::string>> out;
    std::vector<std::string> cur;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.rfind("=========", 0) != 0) continue;
        line.remove_prefix(9);
        if (line.find_first_not_of(' ') == std::string_view::npos) {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
            continue;
        }
        // A record's first line is indented by one space, its continuation lines by more.
        const bool head = line.size() > 1 && line[0] == ' ' && line[1] != ' ';
        if (head && !cur.empty()) {
            out.push_back(std::move(cur));
            cur.clear();
        }
        if (head || !cur.empty()) cur.emplace_back(line);
        if (end == text.size()) break;
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

// Whether a location's file is the kernel's source (the report may print a full path).
bool is_source(const std::string& file, const std::string& source_name) {
    return file == source_name ||
           (file.size() > source_name.size() && file.compare(file.size() - source_name.size(), source_name.size(),
                                                             source_name) == 0 &&
            file[file.size() - source_name.size() - 1] == '/');
}

std::string trim(std::string s) {
    size_t a = s.find_first_not_of(' ');
    size_t b = s.find_last_not_of(" :");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// "12 bytes past the end of `out` (28 bytes, 7 floats): ..." for a memcheck finding that names
// its nearest allocation.
std::string outside_buffer(const SanitizerFinding& f) {
    const std::string name = f.buffer.empty() ? "a buffer" : "`" + f.buffer + "`";
    const std::string size = fmt::format("{} bytes{}", f.nearest_size,
                                         f.nearest_size % 4    ? ""
                                         : f.nearest_size == 4 ? ", 1 float"
                                                               : fmt::format(", {} floats", f.nearest_size / 4));
    std::string s = f.nearest_inside
                        ? fmt::format("the access starts inside {} ({}) and reaches past its end", name, size)
                        : fmt::format("{} byte{} {} {} ({})", f.nearest_offset, f.nearest_offset == 1 ? "" : "s",
                                      f.nearest_after ? "past the end of" : "before the start of", name, size);
    if (!f.nearest_after) return s + ": check the index and its lower bound (a negative offset, a halo)";
    s += ": check the index and its bounds test";
    const bool wide = f.what.find("of size 8 bytes") != std::string::npos ||
                      f.what.find("of size 16 bytes") != std::string::npos;
    if (wide)
        s += "; a vector access (float2, float4) of the last, partial group reaches past the end even when it "
             "leaves those bytes unchanged: handle the last n % 4 elements one at a time";
    return s;
}

}  // namespace

std::vector<SanitizerFinding> parse_sanitizer(std::string_view text, const std::string& tool,
                                              const std::string& source_name) {
    // A location is "at FUNCTION+0xOFFSET in FILE:LINE". FUNCTION is an extern "C" name, or a C++
    // one with its parameter list, template arguments, namespaces, "(anonymous namespace)" or a
    // lambda's operator(): it may hold spaces, parentheses and even " in ", so the file is the
    // last " in " of the line, right before FILE:LINE.
    const std::string loc = R"(at (.+?)(?:\+0x[0-9a-fA-F]+)? in (\S+):(\d+))";
    const std::regex at_re(R"(\b)" + loc);
    const std::regex race_re(R"(Race reported between (\w+) access )" + loc);
    const std::regex other_re(R"(and (\w+) access )" + loc + R"( \[(\d+) hazards\])");
    const std::regex thread_re(R"(by thread (\([0-9,]+\)) in block (\([0-9,]+\)))");
    const std::regex thread2_re(R"(Thread (\([0-9,]+\)).*)");
    const std::regex block_re(R"(in block (\([0-9,]+\)))");
    // "and is 12 bytes after the nearest allocation at 0x... of size 28 bytes", or for an access
    // that starts inside it and reaches past its end, "and is inside the nearest allocation ...".
    const std::regex nearest_re(
        R"(is (?:(\d+) bytes (after|before)|(inside)) the nearest allocation at (0x[0-9a-fA-F]+) of size (\d+) bytes)");
    std::vector<SanitizerFinding> out;
    for (const auto& rec : records(text)) {
        const std::string& first = rec.front();
        if (first.rfind(" ", 0) != 0) continue;
        std::string head = trim(first);
        // Banner and summary lines are not findings.
        if (head.empty() || head == "COMPUTE-SANITIZER" || head.find("SUMMARY") != std::string::npos ||
            head.rfind("Saved host backtrace", 0) == 0 || head.rfind("Program hit", 0) == 0 ||
            head.rfind("Target application", 0) == 0 || head.rfind("Host Frame", 0) == 0)
            continue;
        SanitizerFinding f;
        f.tool = tool;
        if (head.rfind("Error: ", 0) == 0) head = head.substr(7);
        else if (head.rfind("Warning: ", 0) == 0) {
            f.error = false;
            head = head.substr(9);
        }
        f.what = head;
        std::smatch m;
        if (std::regex_search(head, m, race_re)) {
            f.what = "race";
            f.access = m[1];
            f.function = m[2];
            if (is_source(m[3], source_name)) f.line = std::stoi(m[4]);
        } else if (std::regex_search(head, m, block_re)) {
            f.block = m[1];
        }
        for (size_t i = 1; i < rec.size(); ++i) {
            const std::string& l = rec[i];
            if (l.find("Host Frame") != std::string::npos || l.find("Saved host backtrace") != std::string::npos)
                continue;
            if (std::regex_search(l, m, other_re)) {
                // The first "and ..." line is the report's other side; the rest repeat it.
                if (f.other_access.empty()) {
                    f.other_access = m[1];
                    if (is_source(m[3], source_name)) f.other_line = std::stoi(m[4]);
                }
                f.hazards += std::stoll(m[5]);
            } else if (std::regex_search(l, m, thread_re)) {
                f.thread = m[1];
                f.block = m[2];
            } else if (std::regex_search(l, m, at_re)) {
                if (f.function.empty()) f.function = m[1];
                if (!f.line && is_source(m[2], source_name)) f.line = std::stoi(m[3]);
                if (f.thread.empty() && std::regex_search(l, m, thread2_re)) f.thread = m[1];
            } else if (std::regex_search(l, m, nearest_re)) {
                f.nearest_inside = m[3].matched;
                f.nearest_offset = f.nearest_inside ? 0 : std::stoll(m[1]);
                f.nearest_after = f.nearest_inside || m[2] == "after";
                f.nearest_address = std::stoull(m[4], nullptr, 16);
                f.nearest_size = std::stoll(m[5]);
            } else if (l.find("Address") != std::string::npos || l.find("Access to") != std::string::npos) {
                f.address = trim(l);
            }
        }
        out.push_back(std::move(f));
    }
    return out;
}

void name_buffers(std::vector<SanitizerFinding>& found, std::span<const wire::Buffer> buffers) {
    for (auto& f : found) {
        if (f.nearest_offset < 0) continue;
        for (const auto& b : buffers)
            if (b.address == f.nearest_address) f.buffer = b.name;
    }
}

std::vector<SanitizerFinding> merge_findings(std::vector<SanitizerFinding> found) {
    std::vector<SanitizerFinding> out;
    for (auto& f : found) {
        auto same = std::find_if(out.begin(), out.end(), [&](const SanitizerFinding& o) {
            return o.tool == f.tool && o.error == f.error && o.what == f.what && o.line == f.line &&
                   o.other_line == f.other_line && o.access == f.access && o.other_access == f.other_access &&
                   o.buffer == f.buffer && o.nearest_after == f.nearest_after && o.nearest_inside == f.nearest_inside;
        });
        if (same == out.end()) {
            out.push_back(std::move(f));
            continue;
        }
        same->hazards += f.hazards;
        same->count += f.count;
    }
    return out;
}

std::string sanitizer_summary(std::string_view text) {
    const std::string s(text);
    const std::regex re(R"(=+ ((?:[A-Z]+ )?SUMMARY: [^\n]*))");
    std::smatch m;
    std::string last;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it)
        last = (*it)[1];
    return last;
}

std::string describe(const SanitizerFinding& f, const std::string& path) {
    auto where = [&](int line) { return line ? fmt::format("{}:{}", path, line) : path; };
    if (f.what == "race") {
        std::string s = fmt::format(
            "{}: a race on shared memory: the {} here and the {} at line {} touch the same address from "
            "different threads with no barrier between them ({} hazards)",
            where(f.line), f.access.empty() ? "access" : fmt::format("{}", f.access == "Write" ? "write" : "read"),
            f.other_access == "Write" ? "write" : "read", f.other_line, f.hazards);
        s += f.error ? ": a __syncthreads() is missing between them (in a tiled loop, usually the one "
                       "before the next tile overwrites shared memory)"
                     : ": within one warp; threads of a warp are not guaranteed to run in step, so "
                       "__syncwarp() (or __syncthreads()) is needed between them";
        return s;
    }
    std::string s = fmt::format("{}: {}", where(f.line), f.what);
    if (!f.function.empty() && f.function.find('(') != std::string::npos) s += fmt::format(" in {}", f.function);
    if (!f.thread.empty()) s += fmt::format(", thread {}", f.thread);
    if (f.count > 1) s += fmt::format(" (and {} more like it)", f.count - 1);
    if (!f.block.empty()) s += fmt::format(" in block {}", f.block);
    // A misaligned access lies inside its buffer: compute-sanitizer names the nearest allocation
    // anyway, and the bounds are not what is wrong.
    if (f.tool == "memcheck" && f.address.find("misaligned") != std::string::npos)
        return s + fmt::format(" ({}): a misaligned access: a vector load or store of N bytes (uint4, float4: 16) needs "
                               "an address that is a multiple of N, and this one is not; check where the vector part "
                               "of the loop starts (a buffer starts 256-byte aligned, so an offset of a multiple of N "
                               "bytes from its start is aligned)",
                               f.address);
    if (f.tool == "memcheck" && f.nearest_offset >= 0) return s + ": " + outside_buffer(f);
    if (!f.address.empty()) s += fmt::format(" ({})", f.address);
    if (f.tool == "memcheck")
        s += ": an access outside every buffer; check the index and its bounds test";
    else if (f.tool == "initcheck")
        s += ": a read of global memory nothing wrote first (an output holds nothing until your kernel "
             "writes it)";
    else if (f.tool == "synccheck")
        s += ": a barrier that not every thread of the block reaches (a __syncthreads() inside a branch "
             "or a loop that threads leave at different times)";
    return s;
}

const std::vector<std::string>& sanitizer_tools() {
    static const std::vector<std::string> tools = {"memcheck", "racecheck", "initcheck", "synccheck"};
    return tools;
}

std::vector<std::string> sanitizer_args(const std::string& tool, const std::string& kernel,
                                        const std::string& log_file) {
    std::vector<std::string> a = {"--tool", tool, "--print-limit", "20", "--show-backtrace", "no"};
    if (!kernel.empty()) {  // "": every kernel the worker launches (several kernels of one plan)
        a.push_back("--kernel-name");
        a.push_back("kne=" + kernel);
    }
    a.push_back("--log-file");
    a.push_back(log_file);
    if (tool == "racecheck") {
        a.push_back("--racecheck-report");
        a.push_back("analysis");
    }
    return a;
}

}  // namespace kc::engine
