// Probe: every cuBLASLt heuristic candidate for a few bf16 GEMMs with epilogues, each run and
// checked against a float64 truth. Prints, per candidate, its configuration and its worst error
// in units of the reference's bound (src/reference/host/gemm_truth.cpp's formula) and in bf16
// ulps, and the worst error against a model whose epilogue works in bf16 (z rounded to bf16,
// then the bias added and GELU taken in bf16). To find why CublasLtGemm.Bf16OddSizesAndLongK
// erred by 2.3x its bound on the H200 (2026-12). Column-major throughout, as cuBLASLt sees it:
// D (m x n) = A (m x k) * B (k x n) + bias (m), GELU.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CK(x) do { auto e_ = (x); if (e_ != 0) { std::printf("FAILED %s: %d (line %d)\n", #x, int(e_), __LINE__); std::exit(1); } } while (0)

static double gelu(double x) { return 0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))); }
static float bf(float x) { return __bfloat162float(__float2bfloat16(x)); }

struct Shape { int m, n, k; bool bias, gelu, bf16_out; };

static void probe(cublasLtHandle_t lt, const Shape& s, uint32_t mask) {
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<__nv_bfloat16> a(size_t(s.m) * s.k), b(size_t(s.k) * s.n), bias(s.m);
    std::vector<float> af(a.size()), bfv(b.size()), biasf(s.m);
    for (size_t i = 0; i < a.size(); ++i) { a[i] = __float2bfloat16(u(rng)); af[i] = __bfloat162float(a[i]); }
    for (size_t i = 0; i < b.size(); ++i) { b[i] = __float2bfloat16(u(rng)); bfv[i] = __bfloat162float(b[i]); }
    for (int i = 0; i < s.m; ++i) { bias[i] = __float2bfloat16(u(rng)); biasf[i] = __bfloat162float(bias[i]); }
    const size_t nd = size_t(s.m) * s.n, out_bytes = nd * (s.bf16_out ? 2 : 4);
    void *da, *db, *dbias, *dd, *ws;
    const size_t ws_bytes = 32u << 20;
    CK(cudaMalloc(&da, a.size() * 2)); CK(cudaMalloc(&db, b.size() * 2)); CK(cudaMalloc(&dbias, s.m * 2));
    CK(cudaMalloc(&dd, out_bytes)); CK(cudaMalloc(&ws, ws_bytes));
    CK(cudaMemcpy(da, a.data(), a.size() * 2, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(db, b.data(), b.size() * 2, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dbias, bias.data(), s.m * 2, cudaMemcpyHostToDevice));
    // The truth, its bound, and the bf16-epilogue model.
    std::vector<double> truth(nd), bound(nd), model(nd);
    for (int j = 0; j < s.n; ++j)
        for (int i = 0; i < s.m; ++i) {
            double z = 0, abs = 0;
            for (int l = 0; l < s.k; ++l) { double p = double(af[i + size_t(l) * s.m]) * bfv[l + size_t(j) * s.k]; z += p; abs += std::fabs(p); }
            double terms = s.k;
            float zm = bf(float(z));
            if (s.bias) { z += biasf[i]; abs += std::fabs(biasf[i]); terms += 1; zm = bf(zm + biasf[i]); }
            double e = 4 * 0x1p-24 * (terms + 1) * abs, y = z;
            double ym = zm;
            if (s.gelu) { y = gelu(z); e = 1.13 * e + 0x1p-11 * std::fabs(z); ym = bf(float(gelu(zm))); }
            const double uo = s.bf16_out ? 0x1p-8 : 0x1p-24;
            truth[i + size_t(j) * s.m] = y;
            bound[i + size_t(j) * s.m] = e + uo * (std::fabs(y) + e);
            model[i + size_t(j) * s.m] = s.bf16_out ? bf(float(ym)) : ym;
        }
    cublasLtMatmulDesc_t desc; cublasLtMatrixLayout_t la, lb, ld; cublasLtMatmulPreference_t pref;
    CK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    cublasLtEpilogue_t epi = s.bias ? (s.gelu ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                                    : (s.gelu ? CUBLASLT_EPILOGUE_GELU : CUBLASLT_EPILOGUE_DEFAULT);
    CK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi));
    if (s.bias) {
        int32_t bt = CUDA_R_16BF;
        CK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt));
        CK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &dbias, sizeof dbias));
    }
    const cudaDataType_t ot = s.bf16_out ? CUDA_R_16BF : CUDA_R_32F;
    CK(cublasLtMatrixLayoutCreate(&la, CUDA_R_16BF, s.m, s.k, s.m));
    CK(cublasLtMatrixLayoutCreate(&lb, CUDA_R_16BF, s.k, s.n, s.k));
    CK(cublasLtMatrixLayoutCreate(&ld, ot, s.m, s.n, s.m));
    CK(cublasLtMatmulPreferenceCreate(&pref));
    uint64_t wsl = ws_bytes;
    CK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsl, sizeof wsl));
    CK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &mask, sizeof mask));
    cublasLtMatmulHeuristicResult_t res[16];
    int count = 0;
    CK(cublasLtMatmulAlgoGetHeuristic(lt, desc, la, lb, ld, ld, pref, 16, res, &count));
    std::printf("== %dx%dx%d bf16->%s bias=%d gelu=%d, reduction mask %u: %d candidates\n", s.m, s.n, s.k,
                s.bf16_out ? "bf16" : "fp32", s.bias, s.gelu, mask, count);
    const float alpha = 1, beta = 0;
    for (int c = 0; c < count; ++c) {
        int32_t id = 0, splitk = 0; uint32_t tile = 0, stages = 0, red = 0, custom = 0; size_t w = 0;
        cublasLtMatmulAlgoConfigGetAttribute(&res[c].algo, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof id, &w);
        cublasLtMatmulAlgoConfigGetAttribute(&res[c].algo, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof tile, &w);
        cublasLtMatmulAlgoConfigGetAttribute(&res[c].algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, &stages, sizeof stages, &w);
        size_t wsk = 0;
        cublasLtMatmulAlgoConfigGetAttribute(&res[c].algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splitk, sizeof splitk, &wsk);
        cublasLtMatmulAlgoConfigGetAttribute(&res[c].algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &red, sizeof red, &w);
        cublasLtMatmulAlgoConfigGetAttribute(&res[c].algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, &custom, sizeof custom, &w);
        CK(cudaMemset(dd, 0xff, out_bytes));
        auto st = cublasLtMatmul(lt, desc, &alpha, da, la, db, lb, &beta, dd, ld, dd, ld, &res[c].algo, ws, ws_bytes, 0);
        CK(cudaDeviceSynchronize());
        std::vector<float> got(nd);
        if (s.bf16_out) {
            std::vector<__nv_bfloat16> g(nd);
            CK(cudaMemcpy(g.data(), dd, out_bytes, cudaMemcpyDeviceToHost));
            for (size_t i = 0; i < nd; ++i) got[i] = __bfloat162float(g[i]);
        } else {
            CK(cudaMemcpy(got.data(), dd, out_bytes, cudaMemcpyDeviceToHost));
        }
        double worst = 0, worst_ulps = 0, worst_model = 0; size_t over = 0, worst_i = 0;
        for (size_t i = 0; i < nd; ++i) {
            const double err = std::fabs(got[i] - truth[i]), r = err / bound[i];
            if (r > worst) { worst = r; worst_i = i; }
            over += r > 1;
            const double ulp = std::ldexp(1.0, std::ilogb(std::fabs(truth[i]) + 1e-30) - (s.bf16_out ? 7 : 23));
            if (err / ulp > worst_ulps) worst_ulps = err / ulp;
            worst_model = std::fmax(worst_model, std::fabs(got[i] - model[i]));
        }
        std::printf("  #%d status %d: algo %d tile %u stages %u splitK %d (bytes %zu) reduction %u custom %u ws %zu waves %.2f | "
                    "worst %.2fx bound at %zu (%.6g vs %.6g), %zu over, %.1f ulps; max |got - bf16-epilogue model| %.3g\n",
                    c, int(st), id, tile, stages, splitk, wsk, red, custom, res[c].workspaceSize, res[c].wavesCount, worst,
                    worst_i, got[worst_i], truth[worst_i], over, worst_ulps, worst_model);
    }
    cublasLtMatmulPreferenceDestroy(pref); cublasLtMatrixLayoutDestroy(la); cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(ld); cublasLtMatmulDescDestroy(desc);
    cudaFree(da); cudaFree(db); cudaFree(dbias); cudaFree(dd); cudaFree(ws);
}

int main() {
    cublasLtHandle_t lt;
    CK(cublasLtCreate(&lt));
    // cuBLASLt's problem for our 77 x 130 x 99 row-major GEMM is m' = 130, n' = 77, k = 99.
    const Shape shapes[] = {{130, 77, 99, true, true, true}, {130, 77, 99, false, false, true},
                            {130, 77, 99, true, false, true}, {130, 77, 99, false, true, true},
                            {130, 77, 99, true, true, false}, {384, 256, 1024, true, true, true},
                            {128, 128, 128, false, false, true}};
    for (const auto& s : shapes) probe(lt, s, 2 | 0 /* none | compute type */);
    probe(lt, shapes[0], 0xff);  // every reduction scheme allowed
    cublasLtDestroy(lt);
    return 0;
}
