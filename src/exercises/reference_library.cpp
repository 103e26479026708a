#include "exercises/reference_library.h"

#include <dlfcn.h>
#include <fmt/format.h>

namespace kc::exercises {

const std::string& reference_header() {
    static const std::string text = fmt::format(R"(// kernelcoach_reference.h: written by kernelcoach, not a file of yours. Every reference.cpp is
// compiled with it (-include), so #include "kernelcoach_reference.h" is optional.
#pragma once
// The float64 truth of a custom exercise (tracks/README.md, "Your own module"):
//   sizes:   the case's sizes, in module.json's custom.fields order;
//   inputs:  every "in" tensor, in custom.tensors order, widened to double, row-major;
//   outputs: every "out" tensor, in that order: write every element's float64 truth.
extern "C" void kc_reference(const long long* sizes, const double* const* inputs, double* const* outputs);
// The version of this interface: kernelcoach refuses a library built against another.
extern "C" const int kc_reference_abi = {};
// Refers to kc_reference, so that a file that does not define it fails to link.
extern "C" void (*const kc_reference_entry)(const long long*, const double* const*, double* const*) = &kc_reference;
)",
                                                kReferenceAbi);
    return text;
}

ReferenceLibrary::~ReferenceLibrary() {
    if (handle_) ::dlclose(handle_);
}

Result<std::shared_ptr<ReferenceLibrary>> ReferenceLibrary::open(const std::filesystem::path& path) {
    std::shared_ptr<ReferenceLibrary> lib(new ReferenceLibrary());
    lib->handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle_) {
        const char* why = ::dlerror();
        return make_error(fmt::format("cannot load the reference library {}", path.string()), why ? why : "");
    }
    const auto* abi = static_cast<const int*>(::dlsym(lib->handle_, "kc_reference_abi"));
    if (!abi || *abi != kReferenceAbi)
        return make_error(fmt::format("the reference library {} was built for {} of kernelcoach's reference "
                                      "interface, and this kernelcoach reads version {}",
                                      path.string(), abi ? fmt::format("version {}", *abi) : std::string("no version"),
                                      kReferenceAbi),
                          "grade the module again: kernelcoach rebuilds reference.cpp");
    lib->fn_ = reinterpret_cast<ReferenceFn>(::dlsym(lib->handle_, "kc_reference"));
    if (!lib->fn_)
        return make_error(fmt::format("the reference library {} defines no kc_reference()", path.string()));
    return lib;
}

Result<std::unique_ptr<CustomExercise>> load_custom_exercise(const CustomSpec& spec, const std::filesystem::path& path) {
    auto lib = ReferenceLibrary::open(path);
    if (!lib) return lib.error();
    const ReferenceFn fn = (*lib)->function();
    return std::make_unique<CustomExercise>(spec, fn, std::shared_ptr<void>(*lib));
}

}  // namespace kc::exercises
