"""The GGUF format's numbering: metadata value types, ggml tensor types, llama.cpp file types.

Tables copied from ggml and llama.cpp, kept apart from the reader in :mod:`app.core.gguf` so a
new quantisation type is a one-line change here and the reader's logic stays readable.
"""

from __future__ import annotations

import struct

# GGUF metadata value types (gguf_type in gguf.h): (struct format, size in bytes).
STRING = 8
ARRAY = 9
SCALAR_TYPES: dict[int, tuple[struct.Struct, int]] = {
    0: (struct.Struct("<B"), 1),  # uint8
    1: (struct.Struct("<b"), 1),  # int8
    2: (struct.Struct("<H"), 2),  # uint16
    3: (struct.Struct("<h"), 2),  # int16
    4: (struct.Struct("<I"), 4),  # uint32
    5: (struct.Struct("<i"), 4),  # int32
    6: (struct.Struct("<f"), 4),  # float32
    7: (struct.Struct("<?"), 1),  # bool
    10: (struct.Struct("<Q"), 8),  # uint64
    11: (struct.Struct("<q"), 8),  # int64
    12: (struct.Struct("<d"), 8),  # float64
}
VALUE_TYPE_NAMES = {
    0: "uint8",
    1: "int8",
    2: "uint16",
    3: "int16",
    4: "uint32",
    5: "int32",
    6: "float32",
    7: "bool",
    8: "string",
    9: "array",
    10: "uint64",
    11: "int64",
    12: "float64",
}

# ggml tensor types: id -> (name, elements per block, bytes per block). From ggml's type
# traits; ids 4, 5 and 31-33, 36-38 were removed from the format and never appear in files.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
}

# llama.cpp's llama_ftype (general.file_type): the quantisation the file was made with.
# 1024 is a flag llama.cpp sets when it had to guess; it never appears in files it writes.
LLAMA_FILE_TYPES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    4: "Q4_1_SOME_F16",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
}
