#include "reference/cublaslt.h"

#include <cublasLt.h>
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "gpu/check.h"

namespace kc::reference {

static_assert(kReduceNone == uint32_t{CUBLASLT_REDUCTION_SCHEME_NONE} &&
              kReduceInPlace == uint32_t{CUBLASLT_REDUCTION_SCHEME_INPLACE} &&
              kReduceComputeType == uint32_t{CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE} &&
              kReduceOutputType == uint32_t{CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE});

namespace {

Error lt_error(const char* call, cublasStatus_t s, int line) {
    return make_error(fmt::format("cuBLASLt {} failed: {} ({})", call, cublasLtGetStatusString(s), cublasLtGetStatusName(s)),
                      fmt::format("cublaslt.cpp:{}", line));
}

// Calls fn(args...); on failure returns the error from the enclosing function.
#define KC_LT(fn, ...)                                                              \
    do {                                                                            \
        cublasStatus_t kc_s_ = fn(__VA_ARGS__);                                     \
        if (kc_s_ != CUBLAS_STATUS_SUCCESS) return lt_error(#fn, kc_s_, __LINE__);  \
    } while (0)

// Owns one cuBLASLt object and releases it with Destroy.
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
    T* out() {
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

using HandleOwner = Owned<cublasLtHandle_t, cublasLtDestroy>;
using DescOwner = Owned<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>;
using LayoutOwner = Owned<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>;
using PrefOwner = Owned<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>;
using DeviceMem = Owned<void*, cudaFree>;

cudaDataType_t cuda_type(DType t) { return t == DType::kBf16 ? CUDA_R_16BF : CUDA_R_32F; }

cublasLtEpilogue_t lt_epilogue(Epilogue e) {
    switch (e) {
        case Epilogue::kNone: return CUBLASLT_EPILOGUE_DEFAULT;
        case Epilogue::kBias: return CUBLASLT_EPILOGUE_BIAS;
        case Epilogue::kGelu: return CUBLASLT_EPILOGUE_GELU;
        case Epilogue::kBiasGelu: return CUBLASLT_EPILOGUE_GELU_BIAS;
    }
    return CUBLASLT_EPILOGUE_DEFAULT;
}

struct Plan {
    DescOwner desc;
    LayoutOwner first, second, out;  // cuBLASLt's A (our B), B (our A), C = D (our D)
    cublasLtMatmulAlgo_t algo{};
    std::string description;
};

constexpr int kHeuristicResults = 8;

Result<LayoutOwner> make_layout(cudaDataType_t type, const LtMatrix& m) {
    LayoutOwner l;
    KC_LT(cublasLtMatrixLayoutCreate, l.out(), type, m.rows, m.cols, m.ld);
    return l;
}

// The chosen algorithm's configuration, as numbers (host/lt_plan.h's LtAlgoInfo).
LtAlgoInfo algo_info(const cublasLtMatmulHeuristicResult_t& r, int rank, int count) {
    LtAlgoInfo info;
    auto get = [&](cublasLtMatmulAlgoConfigAttributes_t attr, auto& value) {
        size_t written = 0;
        (void)cublasLtMatmulAlgoConfigGetAttribute(&r.algo, attr, &value, sizeof value, &written);
    };
    int32_t id = 0, splitk = 1;
    uint32_t tile = 0, stages = 0, reduction = 0, swizzle = 0, custom = 0;
    get(CUBLASLT_ALGO_CONFIG_ID, id);
    get(CUBLASLT_ALGO_CONFIG_TILE_ID, tile);
    get(CUBLASLT_ALGO_CONFIG_STAGES_ID, stages);
    get(CUBLASLT_ALGO_CONFIG_SPLITK_NUM, splitk);
    get(CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, reduction);
    get(CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, swizzle);
    get(CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, custom);
    info.id = id;
    info.tile = static_cast<int>(tile);
    info.stages = static_cast<int>(stages);
    info.splitk = splitk;
    info.reduction = reduction;
    info.swizzle = static_cast<int>(swizzle);
    info.custom = static_cast<int>(custom);
    info.workspace = r.workspaceSize;
    info.waves = r.wavesCount;
    info.rank = rank;
    info.candidates = count;
    return info;
}

// Asks the heuristic for the key's algorithms, under the object's workspace and the pointers'
// alignments, and keeps the best usable one.
Status choose_algorithm(cublasLtHandle_t handle, const LtKey& key, size_t workspace, Plan& p) {
    PrefOwner pref;
    KC_LT(cublasLtMatmulPreferenceCreate, pref.out());
    const uint64_t max_ws = workspace;
    const uint32_t mask = lt_reduction_mask();
    const std::array<std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t>, 4> aligns = {{
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, static_cast<uint32_t>(key.align_b)},  // cuBLASLt's A is our B
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, static_cast<uint32_t>(key.align_a)},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, static_cast<uint32_t>(key.align_d)},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, static_cast<uint32_t>(key.align_d)},
    }};
    KC_LT(cublasLtMatmulPreferenceSetAttribute, pref.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_ws,
          sizeof max_ws);
    KC_LT(cublasLtMatmulPreferenceSetAttribute, pref.get(), CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &mask,
          sizeof mask);
    for (const auto& [attr, value] : aligns)
        KC_LT(cublasLtMatmulPreferenceSetAttribute, pref.get(), attr, &value, sizeof value);

    std::array<cublasLtMatmulHeuristicResult_t, kHeuristicResults> results{};
    int returned = 0;
    KC_LT(cublasLtMatmulAlgoGetHeuristic, handle, p.desc.get(), p.first.get(), p.second.get(), p.out.get(),
          p.out.get(), pref.get(), kHeuristicResults, results.data(), &returned);
    std::vector<LtCandidate> candidates;
    for (int i = 0; i < returned; ++i)
        candidates.push_back({results[i].state == CUBLAS_STATUS_SUCCESS, results[i].workspaceSize});
    const int pick = pick_candidate(candidates, workspace);
    if (pick < 0)
        return make_error(fmt::format("cuBLASLt has no algorithm for the {} x {} x {} {} GEMM ({} output, epilogue {})",
                                      key.shape.m, key.shape.n, key.shape.k, dtype_name(key.shape.in),
                                      dtype_name(key.shape.out), epilogue_name(key.shape.epilogue)),
                          fmt::format("{} heuristic results, workspace limit {} B", returned, workspace));
    p.algo = results[static_cast<size_t>(pick)].algo;
    p.description = describe(algo_info(results[static_cast<size_t>(pick)], pick, returned));
    return Ok{};
}

// Descriptors, layouts and the algorithm for one key; `bias` is shown to the heuristic (it
// reads the pointer's alignment from the descriptor).
Result<std::unique_ptr<Plan>> make_plan(cublasLtHandle_t handle, const LtKey& key, const void* bias,
                                        size_t workspace) {
    auto p = std::make_unique<Plan>();
    const GemmShape& s = key.shape;
    const LtLayout l = lt_layout(s);
    KC_LT(cublasLtMatmulDescCreate, p->desc.out(), CUBLAS_COMPUTE_32F, CUDA_R_32F);  // 32F: never TF32
    const int32_t op_n = CUBLAS_OP_N;
    const uint32_t epilogue = lt_epilogue(s.epilogue);
    KC_LT(cublasLtMatmulDescSetAttribute, p->desc.get(), CUBLASLT_MATMUL_DESC_TRANSA, &op_n, sizeof op_n);
    KC_LT(cublasLtMatmulDescSetAttribute, p->desc.get(), CUBLASLT_MATMUL_DESC_TRANSB, &op_n, sizeof op_n);
    KC_LT(cublasLtMatmulDescSetAttribute, p->desc.get(), CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue);
    if (has_bias(s.epilogue)) {
        const int32_t bias_type = cuda_type(s.out);
        KC_LT(cublasLtMatmulDescSetAttribute, p->desc.get(), CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_type,
              sizeof bias_type);
        KC_LT(cublasLtMatmulDescSetAttribute, p->desc.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias);
    }
    auto first = make_layout(cuda_type(s.in), l.first);
    if (!first) return first.error();
    auto second = make_layout(cuda_type(s.in), l.second);
    if (!second) return second.error();
    auto out = make_layout(cuda_type(s.out), l.out);
    if (!out) return out.error();
    p->first = std::move(*first);
    p->second = std::move(*second);
    p->out = std::move(*out);
    if (Status st = choose_algorithm(handle, key, workspace, *p); !st) return st.error();
    return p;
}

Error moved_from() { return make_error("cuBLASLt reference used after it was moved from"); }

}  // namespace

struct CublasLt::State {
    HandleOwner handle;  // first member: destroyed after the plans and the workspace
    cudaStream_t stream = nullptr;
    DeviceMem workspace;
    size_t workspace_bytes = 0;
    std::map<LtKey, std::unique_ptr<Plan>> plans;
    std::string last;
};

CublasLt::CublasLt(std::unique_ptr<State> s) : s_(std::move(s)) {}
CublasLt::CublasLt(CublasLt&& o) noexcept = default;
CublasLt& CublasLt::operator=(CublasLt&& o) noexcept = default;
CublasLt::~CublasLt() = default;

Result<CublasLt> CublasLt::create(cudaStream_t stream) {
    auto s = std::make_unique<State>();
    KC_LT(cublasLtCreate, s->handle.out());
    int device = 0, major = 0;
    KC_CUDA(cudaGetDevice(&device));
    KC_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    s->workspace_bytes = lt_workspace_bytes(major);
    KC_CUDA(cudaMalloc(s->workspace.out(), s->workspace_bytes));
    s->stream = stream;
    return CublasLt(std::move(s));
}

Status CublasLt::gemm(const GemmShape& shape, const void* a, const void* b, const void* bias, void* d) {
    if (!s_) return moved_from();
    if (Status v = validate(shape); !v) return v;
    if (!a || !b || !d || (has_bias(shape.epilogue) && !bias))
        return make_error(fmt::format("cuBLASLt GEMM: a null pointer (a {}, b {}, bias {}, d {})", a, b, bias, d));
    const auto align = [](const void* p) { return alignment_of(reinterpret_cast<uintptr_t>(p)); };
    const LtKey key{shape, align(a), align(b), align(d), has_bias(shape.epilogue) ? align(bias) : 256};
    auto it = s_->plans.find(key);
    if (it == s_->plans.end()) {
        auto plan = make_plan(s_->handle.get(), key, bias, s_->workspace_bytes);
        if (!plan) return plan.error();
        it = s_->plans.emplace(key, std::move(*plan)).first;
    }
    Plan& p = *it->second;
    if (has_bias(shape.epilogue))
        KC_LT(cublasLtMatmulDescSetAttribute, p.desc.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias);
    const float one = 1.0f, zero = 0.0f;
    // cuBLASLt's A is our B and its B our A (host/lt_plan.h); beta = 0, so C (= D) is not read.
    KC_LT(cublasLtMatmul, s_->handle.get(), p.desc.get(), &one, b, p.first.get(), a, p.second.get(), &zero, d,
          p.out.get(), d, p.out.get(), &p.algo, s_->workspace.get(), s_->workspace_bytes, s_->stream);
    KC_CUDA(cudaGetLastError());
    s_->last = p.description;
    return Ok{};
}

Status CublasLt::sgemm(const float* a, const float* b, float* c, int m, int n, int k) {
    return gemm(GemmShape{m, n, k, DType::kFp32, DType::kFp32, Epilogue::kNone}, a, b, nullptr, c);
}

std::string CublasLt::detail() const { return s_ ? s_->last : std::string(); }

size_t CublasLt::workspace_bytes() const { return s_ ? s_->workspace_bytes : 0; }

size_t CublasLt::plan_count() const { return s_ ? s_->plans.size() : 0; }

}  // namespace kc::reference
