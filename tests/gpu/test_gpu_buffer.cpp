// Guarded device buffers on a real GPU: an input view's offset is where the usable bytes start,
// and the guards still surround exactly those bytes. Each test SKIPS (visibly) without a GPU.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "gpu/buffer.h"
#include "gpu/device.h"

namespace kc::gpu {
namespace {

class GpuBuffer : public ::testing::Test {
protected:
    void SetUp() override {
        static const auto device = open_device();
        if (!device) GTEST_SKIP() << "no usable GPU: " << device.error().message;
    }
};

// The offset survives the placement at the end of the mapping (a buffer once came back 256-byte
// aligned whatever its offset, and the misaligned views of debugging/02 read aligned pointers).
TEST_F(GpuBuffer, AnOffsetStartsTheBytesThatFarPastA256ByteBoundary) {
    for (size_t offset : {0, 4, 8, 12, 252})
        for (size_t bytes : {1, 4, 1000, 65536 + 12}) {
            auto b = DeviceBuffer::create("x", bytes, offset);
            ASSERT_TRUE(b.ok()) << b.error().message;
            EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data()) % 256, offset) << bytes;
            ASSERT_TRUE(b->arm_guards().ok());
            std::vector<unsigned char> ones(bytes, 1);
            ASSERT_TRUE(b->upload(ones.data(), bytes).ok());
            auto clean = b->check_guards();
            ASSERT_TRUE(clean.ok());
            EXPECT_FALSE(clean->has_value()) << "writing exactly the buffer's bytes touches no guard";
            // One byte past the end, and one before the start, are guard bytes: each changed to
            // its complement is found.
            auto flip = [](void* p) {
                unsigned char x = 0;
                ASSERT_EQ(cudaMemcpy(&x, p, 1, cudaMemcpyDeviceToHost), cudaSuccess);
                x = static_cast<unsigned char>(~x);
                ASSERT_EQ(cudaMemcpy(p, &x, 1, cudaMemcpyHostToDevice), cudaSuccess);
            };
            flip(static_cast<char*>(b->data()) + bytes);
            auto after = b->check_guards();
            ASSERT_TRUE(after.ok() && after->has_value());
            EXPECT_FALSE((*after)->before);
            EXPECT_EQ((*after)->first_offset, 0u);
            ASSERT_TRUE(b->arm_guards().ok());
            flip(static_cast<char*>(b->data()) - 1);
            auto before = b->check_guards();
            ASSERT_TRUE(before.ok() && before->has_value());
            EXPECT_TRUE((*before)->before);
            EXPECT_EQ((*before)->first_offset, 0u);
        }
}

}  // namespace
}  // namespace kc::gpu
