#include "compile/toolkit.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

#include "compile/compiler.h"

namespace kc::compile {

namespace fs = std::filesystem;

std::string find_tool(const std::string& name) {
    std::vector<fs::path> dirs;
    if (const char* path = std::getenv("PATH")) {
        std::istringstream in(path);
        for (std::string d; std::getline(in, d, ':');)
            if (!d.empty()) dirs.emplace_back(d);
    }
    // Beside the CUDA headers NVRTC uses: <cuda>/include -> <cuda>/bin.
    fs::path inc = compile::cuda_include_dir();
    for (fs::path p = inc; !p.empty() && p != p.root_path(); p = p.parent_path())
        if (fs::exists(p / "bin")) {
            dirs.push_back(p / "bin");
            break;
        }
    dirs.emplace_back("/usr/local/cuda/bin");
    for (const auto& d : dirs) {
        fs::path f = d / name;
        if (::access(f.c_str(), X_OK) == 0) return f.string();
    }
    return {};
}

}  // namespace kc::compile
