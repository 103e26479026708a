#include "reference/cudnn_graph.h"

// The frontend's JSON serialisation is not used, and its bundled nlohmann/json would meet the
// system's (precompiled) copy: leave it out.
#define CUDNN_FRONTEND_SKIP_JSON_LIB
#include <cudnn_frontend.h>
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gpu/check.h"

namespace kc::reference {
namespace {

namespace fe = cudnn_frontend;
using TensorPtr = std::shared_ptr<fe::graph::Tensor_attributes>;

// The tensors' unique ids: the keys of every graph's variant pack.
enum Uid : int64_t {
    kQ = 1, kK, kV, kO, kStats,
    kX, kScale, kBias, kY, kMean, kInvStd, kDy, kDx, kDscale, kDbias,
};

fe::DataType_t fe_type(DType t) {
    switch (t) {
        case DType::kFp16: return fe::DataType_t::HALF;
        case DType::kBf16: return fe::DataType_t::BFLOAT16;
        default: return fe::DataType_t::FLOAT;
    }
}

std::vector<int64_t> vec(const std::array<int64_t, 4>& a) { return {a.begin(), a.end()}; }

fe::graph::Tensor_attributes tensor(const char* name, Uid uid, const NormTensor& t) {
    return fe::graph::Tensor_attributes().set_name(name).set_uid(uid).set_dim(vec(t.dims)).set_stride(vec(t.strides));
}

// One built graph, its plan's name and the workspace it needs.
struct Built {
    std::unique_ptr<fe::graph::Graph> graph;
    std::string description;
    int64_t workspace = 0;
};

Error fe_error(const std::string& what, const char* step, fe::error_t e) {
    return make_error(fmt::format("cuDNN frontend {}: {} failed: {}", what, step, e.get_message()));
}

#define KC_FE(what, call)                                                            \
    do {                                                                             \
        if (fe::error_t kc_e_ = (call); kc_e_.is_bad()) return fe_error(what, #call, kc_e_); \
    } while (0)

// validate, lower, heuristics (A, then fallback), the first plan that builds.
Result<Built> build(cudnnHandle_t handle, std::unique_ptr<fe::graph::Graph> g, const std::string& what) {
    try {
        KC_FE(what, g->validate());
        KC_FE(what, g->build_operation_graph(handle));
        KC_FE(what, g->create_execution_plans({fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}));
        KC_FE(what, g->check_support());
        KC_FE(what, g->build_plans(fe::BuildPlanPolicy_t::HEURISTICS_CHOICE));
        Built b;
        KC_FE(what, g->get_workspace_size(b.workspace));
        std::string plan;
        if (g->get_plan_name(plan).is_bad()) plan.clear();
        b.description = describe_plan(what, plan, b.workspace);
        b.graph = std::move(g);
        return b;
    } catch (const std::exception& e) {  // the frontend's legacy parts may throw
        return make_error(fmt::format("cuDNN frontend {}: {}", what, e.what()));
    }
}

std::unique_ptr<fe::graph::Graph> new_graph(DType io) {
    auto g = std::make_unique<fe::graph::Graph>();
    g->set_io_data_type(fe_type(io))
        .set_intermediate_data_type(fe::DataType_t::FLOAT)
        .set_compute_data_type(fe::DataType_t::FLOAT);
    return g;
}

Result<Built> build_sdpa(cudnnHandle_t handle, const SdpaKey& key) {
    const SdpaShape& s = key.shape;
    auto g = new_graph(s.type);
    const std::array<int64_t, 4> q_dims = {s.batch, s.heads, s.seq_q, s.dim}, kv_dims = {s.batch, s.heads, s.seq_kv, s.dim};
    auto make = [&](const char* name, Uid uid, const std::array<int64_t, 4>& dims) {
        return g->tensor(fe::graph::Tensor_attributes().set_name(name).set_uid(uid).set_dim(vec(dims)).set_stride(
            vec(packed_strides(dims))));
    };
    TensorPtr q = make("Q", kQ, q_dims), k = make("K", kK, kv_dims), v = make("V", kV, kv_dims);
    auto options = fe::graph::SDPA_attributes().set_name("sdpa").set_generate_stats(key.stats).set_attn_scale(s.scale);
    if (s.causal)
        options.set_diagonal_alignment(fe::DiagonalAlignment_t::TOP_LEFT).set_diagonal_band_right_bound(0);
    auto [o, stats] = g->sdpa(q, k, v, options);
    o->set_output(true).set_uid(kO).set_dim(vec(q_dims)).set_stride(vec(packed_strides(q_dims)));
    if (key.stats) {
        const std::array<int64_t, 4> stats_dims = {s.batch, s.heads, s.seq_q, 1};
        stats->set_output(true).set_data_type(fe::DataType_t::FLOAT).set_uid(kStats).set_dim(vec(stats_dims)).set_stride(
            vec(packed_strides(stats_dims)));
    }
    return build(handle, std::move(g), describe(s));
}

Result<Built> build_norm(cudnnHandle_t handle, const NormKey& key) {
    const NormShape& s = key.shape;
    auto g = new_graph(s.type);
    const auto fp32 = fe::DataType_t::FLOAT;
    const auto phase = key.stats ? fe::NormFwdPhase_t::TRAINING : fe::NormFwdPhase_t::INFERENCE;
    TensorPtr x = g->tensor(tensor("x", kX, norm_matrix(s)));
    TensorPtr scale = g->tensor(tensor("scale", kScale, norm_vector(s)).set_data_type(fp32));
    switch (key.op) {
        case NormOp::kLayerNormForward: {
            TensorPtr bias = g->tensor(tensor("bias", kBias, norm_vector(s)).set_data_type(fp32));
            TensorPtr eps = g->tensor(key.eps);
            auto [y, mean, inv_std] = g->layernorm(
                x, scale, bias, fe::graph::Layernorm_attributes().set_forward_phase(phase).set_epsilon(eps));
            y->set_output(true).set_uid(kY);
            if (key.stats) {
                mean->set_output(true).set_data_type(fp32).set_uid(kMean);
                inv_std->set_output(true).set_data_type(fp32).set_uid(kInvStd);
            }
            break;
        }
        case NormOp::kLayerNormBackward: {
            TensorPtr dy = g->tensor(tensor("dy", kDy, norm_matrix(s)));
            TensorPtr mean = g->tensor(tensor("mean", kMean, norm_stats(s)).set_data_type(fp32));
            TensorPtr inv_std = g->tensor(tensor("inv_std", kInvStd, norm_stats(s)).set_data_type(fp32));
            auto [dx, dscale, dbias] = g->layernorm_backward(
                dy, x, scale, fe::graph::Layernorm_backward_attributes().set_saved_mean_and_inv_variance(mean, inv_std));
            dx->set_output(true).set_uid(kDx);
            dscale->set_output(true).set_data_type(fp32).set_uid(kDscale);
            dbias->set_output(true).set_data_type(fp32).set_uid(kDbias);
            break;
        }
        case NormOp::kRmsNormForward: {
            TensorPtr eps = g->tensor(key.eps);
            auto [y, inv_rms] =
                g->rmsnorm(x, scale, fe::graph::Rmsnorm_attributes().set_forward_phase(phase).set_epsilon(eps));
            y->set_output(true).set_uid(kY);
            if (key.stats) inv_rms->set_output(true).set_data_type(fp32).set_uid(kInvStd);
            break;
        }
    }
    return build(handle, std::move(g), describe(key.op, s));
}

bool aligned16(const void* p) { return p && reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// Every pointer given must be 16-byte aligned (cuDNN's tensors are declared so).
Status check_pointers(const std::string& what, std::initializer_list<std::pair<const char*, const void*>> ptrs) {
    std::string bad;
    for (const auto& [name, p] : ptrs)
        if (!aligned16(p)) bad += fmt::format("{}{}={}", bad.empty() ? "" : ", ", name, p);
    if (bad.empty()) return Ok{};
    return make_error(fmt::format("cuDNN frontend {}: every pointer must be non-null and 16-byte aligned", what), bad);
}

Error moved_from() { return make_error("cuDNN frontend reference used after it was moved from"); }

struct HandleOwner {
    cudnnHandle_t h = nullptr;
    HandleOwner() = default;
    HandleOwner(HandleOwner&& o) noexcept : h(std::exchange(o.h, nullptr)) {}
    HandleOwner& operator=(HandleOwner&&) = delete;
    ~HandleOwner() {
        if (h) (void)cudnnDestroy(h);
    }
};

struct DeviceMem {
    void* p = nullptr;
    ~DeviceMem() {
        if (p) (void)cudaFree(p);
    }
};

}  // namespace

struct CudnnGraph::State {
    HandleOwner handle;  // first member: destroyed after the graphs and the workspace
    cudaStream_t stream = nullptr;
    DeviceMem workspace;
    int64_t workspace_bytes = 0;
    std::map<SdpaKey, Built> sdpa;
    std::map<NormKey, Built> norms;
    std::string last;

    // The workspace grown to at least `bytes` (work on the stream may still use the old one).
    Status reserve(int64_t bytes) {
        if (bytes <= workspace_bytes) return Ok{};
        KC_CUDA(cudaStreamSynchronize(stream));
        if (workspace.p) KC_CUDA(cudaFree(std::exchange(workspace.p, nullptr)));
        workspace_bytes = 0;
        KC_CUDA(cudaMalloc(&workspace.p, static_cast<size_t>(bytes)));
        workspace_bytes = bytes;
        return Ok{};
    }

    Status execute(const Built& b, std::unordered_map<int64_t, void*>& pack) {
        if (Status st = reserve(b.workspace); !st) return st;
        if (fe::error_t e = b.graph->execute(handle.h, pack, workspace.p); e.is_bad())
            return make_error(fmt::format("{}: execute failed: {}", b.description, e.get_message()));
        KC_CUDA(cudaGetLastError());
        last = b.description;
        return Ok{};
    }
};

CudnnGraph::CudnnGraph(std::unique_ptr<State> s) : s_(std::move(s)) {}
CudnnGraph::CudnnGraph(CudnnGraph&& o) noexcept = default;
CudnnGraph& CudnnGraph::operator=(CudnnGraph&& o) noexcept = default;
CudnnGraph::~CudnnGraph() = default;

Result<CudnnGraph> CudnnGraph::create(cudaStream_t stream) {
    auto s = std::make_unique<State>();
    if (cudnnStatus_t st = cudnnCreate(&s->handle.h); st != CUDNN_STATUS_SUCCESS)
        return make_error(fmt::format("cudnnCreate failed: {}", cudnnGetErrorString(st)));
    if (cudnnStatus_t st = cudnnSetStream(s->handle.h, stream); st != CUDNN_STATUS_SUCCESS)
        return make_error(fmt::format("cudnnSetStream failed: {}", cudnnGetErrorString(st)));
    s->stream = stream;
    return CudnnGraph(std::move(s));
}

Status CudnnGraph::sdpa_forward(const SdpaShape& shape, const void* q, const void* k, const void* v, void* o,
                                float* stats) {
    if (!s_) return moved_from();
    if (Status st = validate(shape); !st) return st;
    const SdpaKey key{shape, stats != nullptr};
    if (Status st = check_pointers(describe(shape), {{"q", q}, {"k", k}, {"v", v}, {"o", o}}); !st) return st;
    if (stats)
        if (Status st = check_pointers(describe(shape), {{"stats", stats}}); !st) return st;
    auto it = s_->sdpa.find(key);
    if (it == s_->sdpa.end()) {
        auto built = build_sdpa(s_->handle.h, key);
        if (!built) return built.error();
        it = s_->sdpa.emplace(key, std::move(*built)).first;
    }
    std::unordered_map<int64_t, void*> pack = {
        {kQ, const_cast<void*>(q)}, {kK, const_cast<void*>(k)}, {kV, const_cast<void*>(v)}, {kO, o}};
    if (stats) pack[kStats] = stats;
    return s_->execute(it->second, pack);
}

namespace {
// The cached graph of `key`, built on first use.
Result<const Built*> norm_graph(cudnnHandle_t handle, std::map<NormKey, Built>& cache, const NormKey& key) {
    auto it = cache.find(key);
    if (it == cache.end()) {
        auto built = build_norm(handle, key);
        if (!built) return built.error();
        it = cache.emplace(key, std::move(*built)).first;
    }
    return &it->second;
}
}  // namespace

Status CudnnGraph::layer_norm_forward(const NormShape& shape, const void* x, const float* gamma, const float* beta,
                                      void* y, float* mean, float* inv_std, float eps) {
    if (!s_) return moved_from();
    if (Status st = validate(shape); !st) return st;
    const NormKey key{NormOp::kLayerNormForward, shape, eps, mean != nullptr || inv_std != nullptr};
    const std::string what = describe(key.op, shape);
    if (Status st = check_pointers(what, {{"x", x}, {"gamma", gamma}, {"beta", beta}, {"y", y}}); !st) return st;
    if (key.stats)
        if (Status st = check_pointers(what, {{"mean", mean}, {"inv_std", inv_std}}); !st) return st;
    auto g = norm_graph(s_->handle.h, s_->norms, key);
    if (!g) return g.error();
    std::unordered_map<int64_t, void*> pack = {{kX, const_cast<void*>(x)},
                                               {kScale, const_cast<float*>(gamma)},
                                               {kBias, const_cast<float*>(beta)},
                                               {kY, y}};
    if (key.stats) {
        pack[kMean] = mean;
        pack[kInvStd] = inv_std;
    }
    return s_->execute(**g, pack);
}

Status CudnnGraph::layer_norm_backward(const NormShape& shape, const void* dy, const void* x, const float* gamma,
                                       const float* mean, const float* inv_std, void* dx, float* dgamma, float* dbeta) {
    if (!s_) return moved_from();
    if (Status st = validate(shape); !st) return st;
    const NormKey key{NormOp::kLayerNormBackward, shape, 0.0f, false};
    if (Status st = check_pointers(describe(key.op, shape), {{"dy", dy}, {"x", x}, {"gamma", gamma}, {"mean", mean},
                                                             {"inv_std", inv_std}, {"dx", dx}, {"dgamma", dgamma},
                                                             {"dbeta", dbeta}});
        !st)
        return st;
    auto g = norm_graph(s_->handle.h, s_->norms, key);
    if (!g) return g.error();
    std::unordered_map<int64_t, void*> pack = {
        {kDy, const_cast<void*>(dy)},        {kX, const_cast<void*>(x)},  {kScale, const_cast<float*>(gamma)},
        {kMean, const_cast<float*>(mean)},   {kInvStd, const_cast<float*>(inv_std)},
        {kDx, dx},                           {kDscale, dgamma},           {kDbias, dbeta}};
    return s_->execute(**g, pack);
}

Status CudnnGraph::rms_norm_forward(const NormShape& shape, const void* x, const float* gamma, void* y,
                                    float* inv_rms, float eps) {
    if (!s_) return moved_from();
    if (Status st = validate(shape); !st) return st;
    const NormKey key{NormOp::kRmsNormForward, shape, eps, inv_rms != nullptr};
    const std::string what = describe(key.op, shape);
    if (Status st = check_pointers(what, {{"x", x}, {"gamma", gamma}, {"y", y}}); !st) return st;
    if (key.stats)
        if (Status st = check_pointers(what, {{"inv_rms", inv_rms}}); !st) return st;
    auto g = norm_graph(s_->handle.h, s_->norms, key);
    if (!g) return g.error();
    std::unordered_map<int64_t, void*> pack = {{kX, const_cast<void*>(x)}, {kScale, const_cast<float*>(gamma)}, {kY, y}};
    if (key.stats) pack[kInvStd] = inv_rms;
    return s_->execute(**g, pack);
}

std::string CudnnGraph::detail() const { return s_ ? s_->last : std::string(); }

size_t CudnnGraph::graph_count() const { return s_ ? s_->sdpa.size() + s_->norms.size() : 0; }

}  // namespace kc::reference
