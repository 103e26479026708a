// What the tests of an exercise's vendor on a real GPU share: the device (each test SKIPS,
// visibly, where none is usable), one stream, kernelcoach's utility kernels, the vendor made
// through the registry as the worker makes it, and guarded uploads and downloads (a download
// checks that nothing was written outside the buffer).
#pragma once

#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exercises/registry.h"
#include "gpu/buffer.h"
#include "gpu/device.h"
#include "gpu/utility.h"
#include "support/cli.h"
#include "worker/vendor.h"

namespace kc::test {

class VendorTest : public ::testing::Test {
protected:
    void SetUp() override {
        static const auto device = gpu::open_device();
        if (!device) GTEST_SKIP() << "no usable GPU: " << device.error().message;
        ASSERT_EQ(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), cudaSuccess);
        auto u = gpu::Utility::load(device->sm, cache_.path());
        ASSERT_TRUE(u.ok()) << u.error().message << "\n" << u.error().detail;
        util_.emplace(std::move(*u));
    }
    void TearDown() override {
        util_.reset();
        if (stream_) cudaStreamDestroy(stream_);
    }

    // `exercise`'s vendor on this fixture's stream; null (with a failure) when it cannot be made.
    std::unique_ptr<worker::Vendor> vendor(const std::string& exercise) {
        const exercises::Exercise* ex = exercises::find_exercise(exercise);
        EXPECT_NE(ex, nullptr) << exercise;
        if (!ex) return nullptr;
        wire::Request req;
        req.exercise = exercise;
        auto v = worker::make_vendor(req, *ex, stream_, *util_);
        EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
        return v.ok() ? std::move(*v) : nullptr;
    }

    // A guarded device buffer holding `n` bytes, its data `offset` bytes past a 256-byte boundary.
    static gpu::DeviceBuffer upload(const char* name, const void* bytes, size_t n, size_t offset = 0) {
        auto b = gpu::DeviceBuffer::create(name, n, offset);
        EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
        EXPECT_TRUE(b->arm_guards().ok());
        EXPECT_TRUE(b->upload(bytes, n).ok());
        return std::move(*b);
    }
    // `count` values of T from a buffer after the stream's work; no write outside it.
    template <class T>
    std::vector<T> download(const gpu::DeviceBuffer& b, size_t count) {
        EXPECT_EQ(cudaStreamSynchronize(stream_), cudaSuccess);
        std::vector<T> out(count);
        EXPECT_TRUE(b.download(out.data(), count * sizeof(T)).ok());
        auto hit = b.check_guards();
        EXPECT_TRUE(hit.ok() && !hit->has_value()) << "a write outside " << b.name();
        return out;
    }

    TempDir cache_;  // the utility kernels' cubin
    cudaStream_t stream_ = nullptr;
    std::optional<gpu::Utility> util_;
};

}  // namespace kc::test
