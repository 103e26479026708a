#include "support/compile_request.h"

#include "exercises/spec.h"

namespace kc::test {

compile::Request vector_add_request(const std::string& source, const std::filesystem::path& path) {
    const auto* spec = exercises::find("vector-add");
    compile::Request r;
    r.source = source;
    r.source_path = path;
    r.display_path = "tracks/x/module-01-y/kernel.cu";
    r.sm = compile::default_sm(70);
    r.header = exercises::prelude(*spec, compile::default_constants(r.sm));
    r.kernels = {"vector_add"};
    r.params = {"const float* a, const float* b, float* out, int n"};
    r.problems = {"Problem{1}", "Problem{1000}"};
    r.case_names = {"one", "small"};
    return r;
}

}  // namespace kc::test
