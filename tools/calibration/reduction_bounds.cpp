// Host experiment behind docs/grading.md "Calibration notes": how far correct fp32 summation
// orders and wrong variants (fp16, a dropped term) land from the candidate bound
// u32 * sqrt(n) * (|S| + ||t||_2). Build: g++ -O2 -std=c++20 reduction_bounds.cpp && ./a.out
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
#include <algorithm>
float to_half(float x) { return (float)(_Float16)x; }
// bound scale: sqrt(n) * (|S| + ||t||_2)
int main() {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(-1, 1);
  const double uf = std::ldexp(1.0, -24);
  printf("ratios err / (u32 * sqrt(n) * (|S| + ||t||2)); worst over 50 trials (half: best)\n");
  for (int n : {1, 7, 100, 1000, 4096, 30000, 100000}) {
    double w_seq = 0, w_fma = 0, w_pos = 0, w_tree = 0, w_bias = 0, b_half = 1e300, b_halfpos = 1e300, b_drop = 1e300;
    for (int t = 0; t < 50; ++t) {
      std::vector<float> a(n), b(n), p(n), q(n);
      for (int i = 0; i < n; ++i) { a[i] = u(rng); b[i] = u(rng); p[i] = std::exp(10*u(rng)); q[i] = 0.5f + (float)u(rng); }
      auto measure = [&](const std::vector<double>& terms, auto sum_fn) {
        double S = 0, l2 = 0; for (double x : terms) { S += x; l2 += x*x; }
        double scale = std::sqrt((double)terms.size()) * uf * (std::fabs(S) + std::sqrt(l2));
        return std::fabs(sum_fn() - S) / scale;
      };
      std::vector<double> dot(n), pos(n), bias(n);
      for (int i = 0; i < n; ++i) { dot[i] = (double)a[i]*b[i]; pos[i] = p[i]; bias[i] = (double)q[i]*a[i]; }
      w_seq = std::max(w_seq, measure(dot, [&]{ float s=0; for(int i=0;i<n;++i) s += a[i]*b[i]; return (double)s; }));
      w_fma = std::max(w_fma, measure(dot, [&]{ float s=0; for(int i=0;i<n;++i) s = std::fmaf(a[i],b[i],s); return (double)s; }));
      w_pos = std::max(w_pos, measure(pos, [&]{ float s=0; for(int i=0;i<n;++i) s += p[i]; return (double)s; }));
      w_bias = std::max(w_bias, measure(bias, [&]{ float s=0; for(int i=0;i<n;++i) s += q[i]*a[i]; return (double)s; }));
      w_tree = std::max(w_tree, measure(pos, [&]{ std::vector<float> v(p); for (size_t w=1; w<v.size(); w*=2) for (size_t i=0;i+w<v.size();i+=2*w) v[i]+=v[i+w]; return (double)v[0]; }));
      b_half = std::min(b_half, measure(dot, [&]{ float s=0; for(int i=0;i<n;++i) s = to_half(s + to_half(to_half(a[i])*to_half(b[i]))); return (double)s; }));
      b_halfpos = std::min(b_halfpos, measure(pos, [&]{ float s=0; for(int i=0;i<n;++i) s += to_half(p[i]); return (double)s; }));  // fp16 inputs, fp32 sum
      b_drop = std::min(b_drop, measure(dot, [&]{ float s=0; for(int i=0;i<n-1;++i) s += a[i]*b[i]; return (double)s; }));  // last term dropped
    }
    printf("n=%6d seq %.2f fma %.2f pos %.2f biased %.2f tree %.2f | half-dot %.0f half-inputs %.0f drop-last %.1f\n", n, w_seq, w_fma, w_pos, w_bias, w_tree, b_half, b_halfpos, b_drop);
  }
}
