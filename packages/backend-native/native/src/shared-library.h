// Opening one of several candidate shared libraries at run time (dlopen), as the BLAS and oneDNN
// loaders do, so the addon builds without linking either.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace md4 {

// Opens the first of `paths` that dlopen accepts and `accept` takes: `accept(handle, path)` returns
// "" to keep the library (its handle stays open) or the reason to refuse it (it is closed and the
// next path tried). Returns "" on success, else every path's reason joined by "; " (`none` when
// `paths` is empty).
std::string openFirstLibrary(const std::vector<std::string>& paths,
                             const std::function<std::string(void* handle, const std::string& path)>& accept,
                             const std::string& none);

}  // namespace md4
