// The numbers derived from one timing: rates, the share of the speed of light, the ratio to the
// vendor, and whether the size is memory- or compute-bound. No GPU: tested on the CPU.
#pragma once

#include <string>

#include "engine/speed_of_light.h"
#include "exercises/spec.h"
#include "grade/occupancy.h"
#include "wire/protocol.h"

namespace kc::engine {

struct Speed {
    double bytes = 0, flops = 0;        // of one launch, from the exercise's formulas
    double gbps = 0, tflops = 0;        // the learner's kernel
    double vendor_gbps = 0, vendor_tflops = 0;
    double intensity = 0;               // flops per byte
    double balance = 0;                 // the device's flops per byte at its speed of light
    bool compute_bound = false;         // intensity above the balance
    double light = 0;                   // the speed of light that applies: GB/s or TFLOP/s
    std::string light_name;             // "a 1 GiB device-to-device copy", "the fp32 cuBLAS GEMM", ...
    bool light_measured = false;        // from the measured speed of light (else the data-sheet peak)
    double percent_of_light = 0;        // the kernel's rate / light
    double vendor_percent_of_light = 0;
    double percent_of_copy = 0;         // a copy of the same bytes' time / the kernel's time
    double vendor_ratio = 0;            // vendor time / kernel time: > 1 means faster than the vendor
    double unfused_ratio = 0;           // the vendor's unfused pair's time / kernel time (0: none timed)
};

// The arithmetic an exercise's flops are counted in (exercises::Spec::math), as every report
// and decision names and measures it: adding one means adding a row to arithmetic()'s table.
struct Arithmetic {
    const char* name;        // "fp32", "bf16"
    const char* peak_name;   // its data-sheet peak: "fp32", "bf16 tensor-core"
    const char* gemm_note;   // how the speed-of-light GEMM runs: "TF32 off", "fp32 accumulation"
    int digits;              // decimals of its TFLOP/s in words
    double wire::Device::*peak_tflops;  // the data-sheet peak
    double SpeedOfLight::*light_tflops;  // the measured GEMM (0: not measured)
};
const Arithmetic& arithmetic(exercises::Math math);

// `light` may be null (not measured): the data-sheet peaks of `device` stand in for it. `math`
// picks the compute light: the fp32 GEMM, or the bf16 one (tensor cores, fp32 accumulation).
Speed speed_of(const wire::Timing& t, double bytes, double flops, const wire::Device* device,
               const SpeedOfLight* light, exercises::Math math = exercises::Math::kFp32);

// The device's per-SM limits for grade::theoretical_occupancy (the library's defaults where the
// device reported none).
grade::SmLimits sm_limits(const wire::Device& d);

}  // namespace kc::engine
