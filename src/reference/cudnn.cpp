#include "reference/cudnn.h"

#include <cudnn.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "gpu/check.h"

namespace kc::reference {
namespace {

// --- errors -----------------------------------------------------------------------------------

// cuDNN's own explanation of its last failure in this thread ("" when it has none).
std::string last_error_text() {
    char text[2048] = {};
    cudnnGetLastErrorString(text, sizeof text);
    std::string t(text);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    return t;
}

// "cuDNN <call> failed: <STATUS_NAME>: <last error text>", with file:line as the detail.
Error cudnn_error(std::string_view call, cudnnStatus_t s, const char* file, int line) {
    std::string text = last_error_text();
    std::string message = fmt::format("cuDNN {} failed: {}", call, cudnnGetErrorString(s));
    if (!text.empty()) message += ": " + text;
    return make_error(std::move(message), fmt::format("{}:{}", file, line));
}

// Calls fn(args...); on failure returns the error from the enclosing function.
#define KC_CUDNN(fn, ...)                                                                    \
    do {                                                                                     \
        cudnnStatus_t kc_s_ = fn(__VA_ARGS__);                                               \
        if (kc_s_ != CUDNN_STATUS_SUCCESS) return cudnn_error(#fn, kc_s_, __FILE__, __LINE__); \
    } while (0)

// Backend attributes: the error names the attribute that was refused.
#define KC_SET(desc, attr, type, count, values)                                              \
    do {                                                                                     \
        cudnnStatus_t kc_s_ = cudnnBackendSetAttribute(desc, attr, type, count, values);     \
        if (kc_s_ != CUDNN_STATUS_SUCCESS)                                                   \
            return cudnn_error("cudnnBackendSetAttribute(" #attr ")", kc_s_, __FILE__, __LINE__); \
    } while (0)

#define KC_FINALIZE(desc, what)                                                              \
    do {                                                                                     \
        cudnnStatus_t kc_s_ = cudnnBackendFinalize(desc);                                    \
        if (kc_s_ != CUDNN_STATUS_SUCCESS)                                                   \
            return cudnn_error("cudnnBackendFinalize(" what ")", kc_s_, __FILE__, __LINE__); \
    } while (0)

// --- owners -----------------------------------------------------------------------------------

// Owns one cuDNN / CUDA object and releases it with Destroy.
template <typename T, auto Destroy>
class Owned {
public:
    Owned() = default;
    Owned(Owned&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Owned& operator=(Owned&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    ~Owned() { reset(); }

    T get() const { return h_; }
    T* out() {  // for create functions that write the new object through a pointer
        reset();
        return &h_;
    }
    void reset() {
        if (h_) (void)Destroy(h_);
        h_ = nullptr;
    }

private:
    T h_ = nullptr;
};

using HandleOwner = Owned<cudnnHandle_t, cudnnDestroy>;
using BackendDesc = Owned<cudnnBackendDescriptor_t, cudnnBackendDestroyDescriptor>;
using TensorDesc = Owned<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor>;
using FilterDesc = Owned<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor>;
using ConvDesc = Owned<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor>;
using DeviceMem = Owned<void*, cudaFree>;

Result<BackendDesc> make_desc(cudnnBackendDescriptorType_t type) {
    BackendDesc d;
    KC_CUDNN(cudnnBackendCreateDescriptor, type, d.out());
    return d;
}

// cudaMalloc of `bytes` (nothing for 0 bytes).
Result<DeviceMem> device_alloc(size_t bytes) {
    DeviceMem m;
    if (bytes > 0) KC_CUDA(cudaMalloc(m.out(), bytes));
    return m;
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

std::string bytes_text(size_t b) {
    if (b < 1024) return fmt::format("{} B", b);
    if (b < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024.0);
    return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1024.0 * 1024.0));
}

// --- layer norm: the backend graph API ---------------------------------------------------------

// Unique ids of the tensors in the layer-norm graph (the variant pack's keys).
enum : int64_t { kX = 1, kScale, kBias, kEps, kY, kMean, kInvVariance };

// Every device tensor is at least 16-byte aligned (checked before each run); the by-value
// epsilon lives in an alignas(16) member.
constexpr int64_t kAlignment = 16;

struct NormPlan {
    std::vector<BackendDesc> parts;  // tensors, operation, graph, engine config: the plan's inputs
    BackendDesc plan;
    DeviceMem workspace;
    DeviceMem stats;  // training phase only: mean, then inv_variance (rows floats each)
    int64_t rows = 0;
    bool training = false;
    std::string description;

    alignas(16) float eps = 0;  // passed by value: the variant pack points at this host float
    BackendDesc pack;           // the last variant pack, reused while pointers and eps stay
    std::array<const void*, 4> pack_ptrs{};
};

Result<BackendDesc> make_tensor(int64_t uid, const std::array<int64_t, 4>& dims,
                                const std::array<int64_t, 4>& strides, bool by_value) {
    auto d = make_desc(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    if (!d) return d.error();
    const cudnnDataType_t type = CUDNN_DATA_FLOAT;
    KC_SET(d->get(), CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &type);
    KC_SET(d->get(), CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims.data());
    KC_SET(d->get(), CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides.data());
    KC_SET(d->get(), CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
    KC_SET(d->get(), CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &kAlignment);
    if (by_value) {
        const bool yes = true;
        KC_SET(d->get(), CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_BOOLEAN, 1, &yes);
    }
    KC_FINALIZE(d->get(), "tensor");
    return d;
}

// The global index of the engine behind an engine config, or -1 when cuDNN will not say.
int64_t engine_index(cudnnBackendDescriptor_t config) {
    auto engine = make_desc(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
    if (!engine) return -1;
    cudnnBackendDescriptor_t raw = engine->get();
    int64_t n = 0, index = -1;
    if (cudnnBackendGetAttribute(config, CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                 1, &n, &raw) != CUDNN_STATUS_SUCCESS ||
        cudnnBackendGetAttribute(raw, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &n,
                                 &index) != CUDNN_STATUS_SUCCESS)
        return -1;
    return index;
}

// An expected refusal (an engine that does not fit): keep the first for the error in case none
// fits, and read cuDNN's message either way so it cannot be reported later for another call.
void note_refusal(std::string& first, std::string_view call, cudnnStatus_t s) {
    std::string text = last_error_text();
    if (!first.empty()) return;
    first = fmt::format("cuDNN {} failed: {}", call, cudnnGetErrorString(s));
    if (!text.empty()) first += ": " + text;
}

// Asks the heuristics (mode A, then FALLBACK) for engine configs of `graph` and keeps the first
// whose execution plan finalises. The chosen config joins plan.parts.
Status choose_engine(cudnnHandle_t handle, cudnnBackendDescriptor_t graph, NormPlan& plan) {
    std::string first_refusal;  // why the best-ranked config did not finalise, for the error
    for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
        const char* mode_name = mode == CUDNN_HEUR_MODE_A ? "heuristics A" : "fallback";
        auto heur = make_desc(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
        if (!heur) return heur.error();
        KC_SET(heur->get(), CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
               &graph);
        KC_SET(heur->get(), CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode);
        if (cudnnStatus_t s = cudnnBackendFinalize(heur->get()); s != CUDNN_STATUS_SUCCESS) {
            note_refusal(first_refusal, fmt::format("cudnnBackendFinalize({})", mode_name), s);
            continue;
        }
        int64_t count = 0;
        KC_CUDNN(cudnnBackendGetAttribute, heur->get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                 CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count, nullptr);
        if (count <= 0) continue;

        std::vector<BackendDesc> configs;
        std::vector<cudnnBackendDescriptor_t> raw;
        for (int64_t i = 0; i < count; ++i) {
            auto c = make_desc(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
            if (!c) return c.error();
            raw.push_back(c->get());
            configs.push_back(std::move(*c));
        }
        int64_t returned = 0;
        KC_CUDNN(cudnnBackendGetAttribute, heur->get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                 CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &returned, raw.data());

        for (int64_t i = 0; i < returned && i < count; ++i) {
            auto p = make_desc(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
            if (!p) return p.error();
            KC_SET(p->get(), CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle);
            KC_SET(p->get(), CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                   1, &raw[size_t(i)]);
            if (cudnnStatus_t s = cudnnBackendFinalize(p->get()); s != CUDNN_STATUS_SUCCESS) {
                note_refusal(first_refusal, "cudnnBackendFinalize(execution plan)", s);
                continue;
            }
            int64_t workspace = 0, n = 0;
            KC_CUDNN(cudnnBackendGetAttribute, p->get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                     CUDNN_TYPE_INT64, 1, &n, &workspace);
            auto ws = device_alloc(size_t(workspace));
            if (!ws) return ws.error();

            plan.description = fmt::format("{} phase, {} config {}, engine {}, workspace {}",
                                           plan.training ? "training" : "inference", mode_name, i,
                                           engine_index(raw[size_t(i)]),
                                           bytes_text(size_t(workspace)));
            plan.plan = std::move(*p);
            plan.workspace = std::move(*ws);
            plan.parts.push_back(std::move(configs[size_t(i)]));
            return Ok{};
        }
    }
    return make_error(first_refusal.empty() ? std::string("cuDNN offered no engine for it")
                                            : first_refusal);
}

// One attempt: the given phase, and x / scale / bias strides either packed NCHW
// ([cols, 1, 1, 1]) or written as the cuDNN frontend writes them ([cols, 1, cols, cols]).
Result<std::unique_ptr<NormPlan>> build_norm(cudnnHandle_t handle, int rows, int cols,
                                             bool training, bool frontend_strides) {
    auto plan = std::make_unique<NormPlan>();
    plan->rows = rows;
    plan->training = training;
    const int64_t r = rows, c = cols;
    const int64_t hw = frontend_strides ? c : 1;

    auto x = make_tensor(kX, {r, c, 1, 1}, {c, 1, hw, hw}, false);
    if (!x) return x.error();
    auto scale = make_tensor(kScale, {1, c, 1, 1}, {c, 1, hw, hw}, false);
    if (!scale) return scale.error();
    auto bias = make_tensor(kBias, {1, c, 1, 1}, {c, 1, hw, hw}, false);
    if (!bias) return bias.error();
    auto eps = make_tensor(kEps, {1, 1, 1, 1}, {1, 1, 1, 1}, true);
    if (!eps) return eps.error();
    auto y = make_tensor(kY, {r, c, 1, 1}, {c, 1, hw, hw}, false);
    if (!y) return y.error();

    auto op = make_desc(CUDNN_BACKEND_OPERATION_NORM_FORWARD_DESCRIPTOR);
    if (!op) return op.error();
    const cudnnBackendNormMode_t mode = CUDNN_LAYER_NORM;
    const cudnnBackendNormFwdPhase_t phase = training ? CUDNN_NORM_FWD_TRAINING : CUDNN_NORM_FWD_INFERENCE;
    cudnnBackendDescriptor_t xd = x->get(), sd = scale->get(), bd = bias->get(), ed = eps->get(),
                             yd = y->get();
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_MODE, CUDNN_TYPE_NORM_MODE, 1, &mode);
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_PHASE, CUDNN_TYPE_NORM_FWD_PHASE, 1, &phase);
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_XDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &xd);
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_SCALE_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &sd);
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_BIAS_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &bd);
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_EPSILON_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
           &ed);
    KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_YDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &yd);
    if (training) {
        // The training phase also writes each row's mean and 1/sqrt(var + eps): [rows, 1, 1, 1].
        auto mean = make_tensor(kMean, {r, 1, 1, 1}, {1, 1, 1, 1}, false);
        if (!mean) return mean.error();
        auto inv_var = make_tensor(kInvVariance, {r, 1, 1, 1}, {1, 1, 1, 1}, false);
        if (!inv_var) return inv_var.error();
        cudnnBackendDescriptor_t md = mean->get(), vd = inv_var->get();
        KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_MEAN_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
               &md);
        KC_SET(op->get(), CUDNN_ATTR_OPERATION_NORM_FWD_INV_VARIANCE_DESC,
               CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &vd);
        plan->parts.push_back(std::move(*mean));
        plan->parts.push_back(std::move(*inv_var));
        auto stats = device_alloc(2 * size_t(rows) * sizeof(float));
        if (!stats) return stats.error();
        plan->stats = std::move(*stats);
    }
    KC_FINALIZE(op->get(), "norm forward operation");

    auto graph = make_desc(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
    if (!graph) return graph.error();
    cudnnBackendDescriptor_t od = op->get();
    KC_SET(graph->get(), CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &od);
    KC_SET(graph->get(), CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle);
    KC_FINALIZE(graph->get(), "operation graph");
    cudnnBackendDescriptor_t gd = graph->get();

    for (auto* part : {&x, &scale, &bias, &eps, &y, &op, &graph}) plan->parts.push_back(std::move(**part));
    if (Status s = choose_engine(handle, gd, *plan); !s) return s.error();
    if (frontend_strides) plan->description += ", x strides [cols, 1, cols, cols]";
    return plan;
}

// Tries the inference phase first (no statistics to write), then training with scratch
// statistics; each with packed NCHW strides, then the frontend's.
Result<std::unique_ptr<NormPlan>> plan_layer_norm(cudnnHandle_t handle, int rows, int cols) {
    std::string refusals;
    for (bool training : {false, true})
        for (bool frontend_strides : {false, true}) {
            auto p = build_norm(handle, rows, cols, training, frontend_strides);
            if (p) return p;
            refusals += fmt::format("{} phase, x strides {}: {}\n", training ? "training" : "inference",
                                    frontend_strides ? "[cols, 1, cols, cols]" : "[cols, 1, 1, 1]",
                                    p.error().message);
        }
    return make_error(fmt::format("cuDNN has no fp32 layer-norm plan for {} x {}", rows, cols),
                      std::move(refusals));
}

Status make_norm_pack(NormPlan& p, const std::array<const void*, 4>& ptrs) {
    std::vector<int64_t> uids = {kX, kScale, kBias, kY, kEps};
    std::vector<void*> data = {const_cast<void*>(ptrs[0]), const_cast<void*>(ptrs[1]),
                               const_cast<void*>(ptrs[2]), const_cast<void*>(ptrs[3]), &p.eps};
    if (p.training) {
        auto* stats = static_cast<float*>(p.stats.get());
        uids.insert(uids.end(), {kMean, kInvVariance});
        data.insert(data.end(), {stats, stats + p.rows});
    }
    p.pack.reset();
    auto pack = make_desc(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
    if (!pack) return pack.error();
    void* workspace = p.workspace.get();
    KC_SET(pack->get(), CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, int64_t(uids.size()),
           uids.data());
    KC_SET(pack->get(), CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR,
           int64_t(data.size()), data.data());
    KC_SET(pack->get(), CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
    KC_FINALIZE(pack->get(), "variant pack");
    p.pack = std::move(*pack);
    p.pack_ptrs = ptrs;
    return Ok{};
}

// --- convolution: the legacy API, FMA math ----------------------------------------------------

struct ConvPlan {
    TensorDesc x, y;
    FilterDesc w;
    ConvDesc conv;
    cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
    DeviceMem workspace;
    size_t workspace_bytes = 0;
    std::string name;
};

const char* algo_name(cudnnConvolutionFwdAlgo_t a) {
    switch (a) {
        case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return "IMPLICIT_GEMM";
        case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return "IMPLICIT_PRECOMP_GEMM";
        case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return "GEMM";
        case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return "DIRECT";
        case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return "FFT";
        case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return "FFT_TILING";
        case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return "WINOGRAD";
        case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
        default: return "UNKNOWN";
    }
}

const char* math_name(cudnnMathType_t m) {
    switch (m) {
        case CUDNN_DEFAULT_MATH: return "default";
        case CUDNN_TENSOR_OP_MATH: return "tensor op";
        case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION: return "tensor op with conversion";
        case CUDNN_FMA_MATH: return "FMA";
        default: return "unknown";
    }
}

Result<std::unique_ptr<ConvPlan>> plan_conv(cudnnHandle_t handle, const ConvShape& s) {
    if (s.n < 1 || s.c < 1 || s.h < 1 || s.w < 1 || s.k < 1 || s.r < 1 || s.s < 1 || s.pad < 0 ||
        s.stride < 1 || s.h + 2 * s.pad < s.r || s.w + 2 * s.pad < s.s)
        return make_error(fmt::format(
            "conv2d: impossible shape n={} c={} h={} w={} k={} r={} s={} pad={} stride={}", s.n, s.c,
            s.h, s.w, s.k, s.r, s.s, s.pad, s.stride));
    const int p = (s.h + 2 * s.pad - s.r) / s.stride + 1;
    const int q = (s.w + 2 * s.pad - s.s) / s.stride + 1;

    auto plan = std::make_unique<ConvPlan>();
    KC_CUDNN(cudnnCreateTensorDescriptor, plan->x.out());
    KC_CUDNN(cudnnCreateTensorDescriptor, plan->y.out());
    KC_CUDNN(cudnnCreateFilterDescriptor, plan->w.out());
    KC_CUDNN(cudnnCreateConvolutionDescriptor, plan->conv.out());
    KC_CUDNN(cudnnSetTensor4dDescriptor, plan->x.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.c,
             s.h, s.w);
    KC_CUDNN(cudnnSetFilter4dDescriptor, plan->w.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.k, s.c,
             s.r, s.s);
    KC_CUDNN(cudnnSetConvolution2dDescriptor, plan->conv.get(), s.pad, s.pad, s.stride, s.stride, 1, 1,
             CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
    // FMA math: cuDNN may not use tensor cores (TF32) for this convolution, whatever it finds.
    KC_CUDNN(cudnnSetConvolutionMathType, plan->conv.get(), CUDNN_FMA_MATH);

    int on = 0, ok = 0, op = 0, oq = 0;
    KC_CUDNN(cudnnGetConvolution2dForwardOutputDim, plan->conv.get(), plan->x.get(), plan->w.get(),
             &on, &ok, &op, &oq);
    if (on != s.n || ok != s.k || op != p || oq != q)
        return make_error(fmt::format("cuDNN computes a {}x{}x{}x{} output where {}x{}x{}x{} was expected",
                                      on, ok, op, oq, s.n, s.k, p, q));
    KC_CUDNN(cudnnSetTensor4dDescriptor, plan->y.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.k,
             p, q);

    // Time every algorithm once (cuDNN allocates its own scratch tensors for this), fastest first.
    int max_count = 0, returned = 0;
    KC_CUDNN(cudnnGetConvolutionForwardAlgorithmMaxCount, handle, &max_count);
    std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(size_t(std::max(max_count, 1)));
    KC_CUDNN(cudnnFindConvolutionForwardAlgorithm, handle, plan->x.get(), plan->w.get(),
             plan->conv.get(), plan->y.get(), int(perf.size()), &returned, perf.data());
    perf.resize(size_t(std::max(returned, 0)));

    // FMA results first, in cuDNN's time order; results reported in default math only if no FMA
    // result ran (they still execute under this descriptor's FMA math). Tensor-op results never.
    // The transform algorithms are left out: they are fp32 but not a direct sum, and their error
    // is of another order (Winograd F(4x4, 3x3) reaches 4.7x the bound of a direct fp32 sum on
    // one channel, and gives non-zero values where every tap is padding; FFT rounds in the
    // transform). The vendor is timed as what a learner's direct or GEMM-style kernel competes
    // with, and checked against the same bound (docs/grading.md).
    auto direct_sum = [](cudnnConvolutionFwdAlgo_t a) {
        return a != CUDNN_CONVOLUTION_FWD_ALGO_FFT && a != CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING &&
               a != CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
    };
    std::vector<const cudnnConvolutionFwdAlgoPerf_t*> candidates;
    for (cudnnMathType_t wanted : {CUDNN_FMA_MATH, CUDNN_DEFAULT_MATH})
        for (const auto& r : perf)
            if (r.status == CUDNN_STATUS_SUCCESS && r.mathType == wanted && direct_sum(r.algo)) candidates.push_back(&r);

    std::string tried;
    for (const auto* r : candidates) {
        size_t bytes = 0;
        if (cudnnStatus_t st = cudnnGetConvolutionForwardWorkspaceSize(
                handle, plan->x.get(), plan->w.get(), plan->conv.get(), plan->y.get(), r->algo, &bytes);
            st != CUDNN_STATUS_SUCCESS) {
            tried += fmt::format("{}: workspace size: {}\n", algo_name(r->algo), cudnnGetErrorString(st));
            continue;
        }
        bytes = std::max(bytes, r->memory);
        DeviceMem ws;
        if (bytes > 0) {
            if (cudaError_t e = cudaMalloc(ws.out(), bytes); e != cudaSuccess) {
                (void)cudaGetLastError();  // out of memory is not sticky: clear it, try the next
                tried += fmt::format("{}: cudaMalloc({}) failed: {}\n", algo_name(r->algo),
                                     bytes_text(bytes), cudaGetErrorName(e));
                continue;
            }
        }
        plan->algo = r->algo;
        plan->workspace = std::move(ws);
        plan->workspace_bytes = bytes;
        plan->name = algo_name(r->algo);
        return plan;
    }
    std::string found;
    for (const auto& r : perf)
        found += fmt::format("{}: {}, {} math, {:.3f} ms, {}\n", algo_name(r.algo),
                             cudnnGetErrorString(r.status), math_name(r.mathType), r.time,
                             bytes_text(r.memory));
    return make_error(
        fmt::format("cuDNN found no usable FMA-math convolution algorithm for n={} c={} h={} w={} "
                    "k={} r={} s={} pad={} stride={}",
                    s.n, s.c, s.h, s.w, s.k, s.r, s.s, s.pad, s.stride),
        found + tried);
}

using ShapeKey = std::pair<int, int>;
using ConvKey = std::array<int, 9>;

}  // namespace

// --- the handle and its caches ---------------------------------------------------------------

struct Cudnn::State {
    HandleOwner handle;  // first member: destroyed after every plan and descriptor below
    std::map<ShapeKey, TensorDesc> softmax;
    std::map<ShapeKey, std::unique_ptr<NormPlan>> norms;
    std::map<ConvKey, std::unique_ptr<ConvPlan>> convs;
    std::string last_conv;
    std::string last_norm;
};

Cudnn::Cudnn(std::unique_ptr<State> s) : s_(std::move(s)) {}
Cudnn::Cudnn(Cudnn&& o) noexcept = default;
Cudnn& Cudnn::operator=(Cudnn&& o) noexcept = default;
Cudnn::~Cudnn() = default;

Result<Cudnn> Cudnn::create(cudaStream_t stream) {
    auto s = std::make_unique<State>();
    KC_CUDNN(cudnnCreate, s->handle.out());
    // Load the sub-libraries now, so a missing or mismatched one is reported here, once.
    if (cudnnStatus_t st = cudnnGraphVersionCheck(); st != CUDNN_STATUS_SUCCESS)
        return cudnn_error("cudnnGraphVersionCheck", st, __FILE__, __LINE__);
    if (cudnnStatus_t st = cudnnOpsVersionCheck(); st != CUDNN_STATUS_SUCCESS)
        return cudnn_error("cudnnOpsVersionCheck", st, __FILE__, __LINE__);
    if (cudnnStatus_t st = cudnnCnnVersionCheck(); st != CUDNN_STATUS_SUCCESS)
        return cudnn_error("cudnnCnnVersionCheck", st, __FILE__, __LINE__);
    KC_CUDNN(cudnnSetStream, s->handle.get(), stream);
    return Cudnn(std::move(s));
}

namespace {
Error moved_from() { return make_error("cuDNN reference used after it was moved from"); }
}  // namespace

Status Cudnn::softmax_rows(const float* x, float* y, int rows, int cols) {
    if (!s_) return moved_from();
    if (rows < 1 || cols < 1)
        return make_error(fmt::format("softmax_rows: {} x {} is not a matrix", rows, cols));
    auto it = s_->softmax.find({rows, cols});
    if (it == s_->softmax.end()) {
        TensorDesc d;
        KC_CUDNN(cudnnCreateTensorDescriptor, d.out());
        KC_CUDNN(cudnnSetTensor4dDescriptor, d.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, rows, cols, 1,
                 1);
        it = s_->softmax.emplace(ShapeKey{rows, cols}, std::move(d)).first;
    }
    const float one = 1.0f, zero = 0.0f;
    KC_CUDNN(cudnnSoftmaxForward, s_->handle.get(), CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_INSTANCE,
             &one, it->second.get(), x, &zero, it->second.get(), y);
    return Ok{};
}

Status Cudnn::layer_norm(const float* x, const float* gamma, const float* beta, float* y, int rows,
                         int cols, float eps) {
    if (!s_) return moved_from();
    if (rows < 1 || cols < 1)
        return make_error(fmt::format("layer_norm: {} x {} is not a matrix", rows, cols));
    if (!aligned16(x) || !aligned16(gamma) || !aligned16(beta) || !aligned16(y))
        return make_error("layer_norm: cuDNN's plan needs 16-byte aligned pointers",
                          fmt::format("x={} gamma={} beta={} y={}", static_cast<const void*>(x),
                                      static_cast<const void*>(gamma), static_cast<const void*>(beta),
                                      static_cast<const void*>(y)));
    auto it = s_->norms.find({rows, cols});
    if (it == s_->norms.end()) {
        auto plan = plan_layer_norm(s_->handle.get(), rows, cols);
        if (!plan) return plan.error();
        it = s_->norms.emplace(ShapeKey{rows, cols}, std::move(*plan)).first;
    }
    NormPlan& p = *it->second;
    const std::array<const void*, 4> ptrs = {x, gamma, beta, y};
    if (!p.pack.get() || ptrs != p.pack_ptrs || std::memcmp(&eps, &p.eps, sizeof eps) != 0) {
        p.eps = eps;
        if (Status st = make_norm_pack(p, ptrs); !st) return st;
    }
    KC_CUDNN(cudnnBackendExecute, s_->handle.get(), p.plan.get(), p.pack.get());
    s_->last_norm = p.description;
    return Ok{};
}

Status Cudnn::conv2d(const float* x, const float* filter, float* y, const ConvShape& s) {
    if (!s_) return moved_from();
    const ConvKey key = {s.n, s.c, s.h, s.w, s.k, s.r, s.s, s.pad, s.stride};
    auto it = s_->convs.find(key);
    if (it == s_->convs.end()) {
        auto plan = plan_conv(s_->handle.get(), s);
        if (!plan) return plan.error();
        it = s_->convs.emplace(key, std::move(*plan)).first;
    }
    const ConvPlan& p = *it->second;
    const float one = 1.0f, zero = 0.0f;
    KC_CUDNN(cudnnConvolutionForward, s_->handle.get(), &one, p.x.get(), x, p.w.get(), filter,
             p.conv.get(), p.algo, p.workspace.get(), p.workspace_bytes, &zero, p.y.get(), y);
    s_->last_conv = p.name;
    return Ok{};
}

std::string Cudnn::conv_algorithm() const { return s_ ? s_->last_conv : std::string(); }

std::string Cudnn::layer_norm_plan() const { return s_ ? s_->last_norm : std::string(); }

std::string version_text() {
    const size_t v = cudnnGetVersion();  // major * 10000 + minor * 100 + patch since cuDNN 9
    return fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
}

}  // namespace kc::reference
