// missing-elements/01 - vector add: out[i] = a[i] + b[i] for 0 <= i < n.
//
// What it teaches: the parts every CUDA kernel is made of - the kernel qualifiers, the thread
// hierarchy and the global index, the bounds check for the last partial block, coalesced
// loads and stores, and the launch geometry (threads per block, blocks per grid).
//
// This file has 16 missing elements. Each is marked with a numbered TODO comment that says
// WHAT is missing, not how to write it. As it stands the file does not compile. Fill them in,
// then run
//
//     kernelcoach run missing-elements/01
//
// and read the verdict: COMPILE_ERROR points at a line of this file; WRONG says which
// elements of out are wrong and how. hints.md, beside this file, has one hint per group of
// TODOs; read them in order, one at a time. tracks/basics/module-00-first-kernel/kernel.cu is
// a complete vector add with every line explained, and tracks/README.md states the rules this
// file must follow.
//
// Fixed by the module (kernelcoach launches the kernel by this name, with these arguments):
//     vector_add(a, b, out, n)
//     a, b   n input floats each        out   n output floats        n   the element count

// TODO(1): the header kernelcoach generates, which defines Dim, Launch and Problem


// TODO(2): the linkage that keeps the kernel's name exactly "vector_add" in the compiled module
// TODO(3): the qualifier that makes this function a kernel the host can launch
void vector_add(
    a,    // TODO(4): the type of a: input floats that the kernel only reads
    b,    // TODO(5): the type of b: input floats that the kernel only reads
    out,  // TODO(6): the type of out: output floats that the kernel writes
    int n)
{
    // TODO(7): the index of the first element handled by this thread's block
    const int block_start = ;
    // TODO(8): this thread's position inside its block, added to block_start
    const int i = block_start + ;

    // TODO(9): the condition that keeps threads of the last, partial block inside the vector
    if () {
        // TODO(10): load this thread's element of a
        const float x = ;
        // TODO(11): load this thread's element of b
        const float y = ;
        // TODO(12): the sum
        const float sum = ;
        // TODO(13): the store of the sum into out
    }
}

// The launch geometry, evaluated at compile time for every test case (see tracks/README.md).
constexpr Launch launch(Problem p) {
    // TODO(14): the number of threads in one block
    constexpr unsigned threads = ;

    // TODO(15): the number of blocks needed so that every one of the p.n elements has a thread
    const unsigned blocks = ;

    // TODO(16): the grid and block sizes in the returned Launch
    return Launch{};
}
