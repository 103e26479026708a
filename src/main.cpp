// kernelcoach: a CUDA kernel course and its grader. Everything happens in cli/.
#include "cli/app.h"

int main(int argc, char** argv) { return kc::cli::main(argc, argv); }
