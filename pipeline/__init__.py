"""policy-themes: Chinese policy documents → paragraphs → tokens → LDA topics → theme labels."""

import os

# One BLAS thread: results do not depend on thread scheduling (byte-identical reruns), and on
# small matrices OpenBLAS's thread hand-off costs far more than it saves (measured: a dot product
# of 18k floats takes 0.9 ms with 2 threads, 5 µs with 1).  Set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# The same bytes on every x86-64 machine, not only on reruns of one: numpy and OpenBLAS choose SIMD
# kernels by CPU when they load, and AVX-512 kernels sum in another order than AVX2 ones, so an
# AVX-512 machine's LDA, word vectors and coefficients differed from an AVX2 machine's in the last
# bits (and so dvc.lock and the released bundle did).  Every stage and the CLI compute with the
# AVX2 kernels (x86-64-v3, any x86-64 CPU since 2013) instead.  numpy ≥ 2.4 names its AVX-512
# targets X86_V4/AVX512_ICL/AVX512_SPR, earlier releases AVX512F/AVX512_SKX/…; a name this numpy
# does not know only raises a silent ImportWarning.
# (os.uname, not the platform module: that import costs ~2 ms of every CLI start.)
_machine = os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", "")
if _machine.lower() in ("x86_64", "amd64"):
    os.environ.setdefault(
        "NPY_DISABLE_CPU_FEATURES",
        "X86_V4,AVX512_ICL,AVX512_SPR,AVX512F,AVX512CD,AVX512_SKX,AVX512_CLX,AVX512_CNL,AVX512_KNL,AVX512_KNM",
    )
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
