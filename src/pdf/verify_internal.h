// Pieces of the PDF verifier shared by its files (verify.cpp, verify_changes.cpp). Not a public interface.
#pragma once

#include <string>
#include <vector>

#include <qpdf/QPDF.hh>

#include "pdf/verify.h"

namespace medsign::pdf::detail {

// The objects of `full` (opened on `file`) that were added, changed or removed after the revision ending at
// `boundary`, each classified. Objects holding only cross-reference or object-stream data are left out.
// Errors: pdf_malformed when the prefix cannot be opened.
Result<std::vector<Change>> changes_since(QPDF& full, ByteView file, std::int64_t boundary);

// What the changes made after a certification signature with DocMDP permission `p` (1, 2 or 3) break,
// per ISO 32000-1 §12.8.2.2.2 (document security store and document timestamps are allowed, as PAdES says).
std::vector<std::string> docmdp_violations(int p, const std::vector<Change>& changes);

// Text of a PDF string or name object; "" for anything else.
std::string text_of(QPDFObjectHandle o);

}  // namespace medsign::pdf::detail
