// Shared between prepare (incremental.cpp) and embed (embed.cpp); not part of the module's interface.
#pragma once

#include <array>
#include <functional>

#include "pdf/output_file.h"
#include "pdf/signature.h"

namespace medsign::pdf {

// Writes the new revision of `in` into `f` (which must be empty) and returns the placeholder and digest.
Result<Prepared> prepare_into(OutputFile& f, const std::filesystem::path& in, const PrepareOptions& o);

using RangeReader = std::function<Status(std::uint64_t offset, std::uint64_t length, const std::function<void(ByteView)>&)>;
// Digest of [0, b) and [c, c + d).
Result<Bytes> digest_ranges(cms::DigestAlgorithm alg, const std::array<std::uint64_t, 4>& r, const RangeReader& read);

}  // namespace medsign::pdf
